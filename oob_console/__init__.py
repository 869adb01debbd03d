"""oob-console: an out-of-band emergency management console.

Importing this package must stay cheap and headless: it loads no UI library and
no network library (tests/unit/test_layering.py checks this in a subprocess).
"""

__version__ = "0.1.0"
