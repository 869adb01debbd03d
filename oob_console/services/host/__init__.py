"""The OOB host itself: the service account, the site directory, units, udev rule, sshd snippet.

`oob host setup` and `oob host check` are one comparison of the host with what it should be
(:class:`HostService`); setup applies the fix of each finding, check reports them.
Front ends import this feature's services and value types from here."""

from oob_console.services.host.layout import Change, Finding, HostLayout, HostReport, ShippedFile
from oob_console.services.host.service import HostService

__all__ = ["Change", "Finding", "HostLayout", "HostReport", "HostService", "ShippedFile"]
