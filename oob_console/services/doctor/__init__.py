"""Doctor: does anything the console needs share fate with production?

Front ends import this feature's services and value types from here."""

from oob_console.services.doctor.service import DoctorService

__all__ = ["DoctorService"]
