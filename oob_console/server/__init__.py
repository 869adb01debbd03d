"""The SSH front end: ``oob serve`` (asyncssh) and the OpenSSH ForceCommand entry.

An engineer's plain ``ssh`` with a security key lands in the console (or runs
one CLI command) as themselves. Login decisions live in
``services.ssh_login``; this package owns the SSH protocol, the PTYs and the
child processes.
"""
