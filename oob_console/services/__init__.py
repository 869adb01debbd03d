"""The service layer: every action exists here once.

Services import ``core`` and the ports in ``services.ports``; never an adapter,
the CLI or the TUI (tests/unit/test_layering.py checks). ``bootstrap`` wires
adapters into them.
"""
