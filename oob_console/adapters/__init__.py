"""Adapters: each owns one library or one kind of I/O and translates its
errors into ``oob_console.errors`` at one boundary."""
