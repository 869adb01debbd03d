"""The `oob` command line: a thin shell over the services (see ``main``)."""
