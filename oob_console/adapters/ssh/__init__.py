"""SSH engines behind one session interface (``services.device_ports.SshEngine``)."""
