"""Provider APIs that advertise our prefixes for us (BYOIP): one module per provider."""
