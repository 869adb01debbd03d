"""Importers that write the local inventory from another source of truth (explicit, never at run time)."""
