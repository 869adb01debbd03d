"""One module per screen (``dashboard``, ``runbooks``, ``audit``, ``help``) plus the shared ``base``."""
