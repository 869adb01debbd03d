"""`python -m oob_console` is the same as the `oob` command."""

from oob_console.cli.main import main

raise SystemExit(main())
