"""``oob shell``: every console action as numbered menus and short commands, in line mode.

For a dumb terminal, a 9600-baud serial line, or an SSH session without a
usable terminal: plain lines, no cursor addressing, nothing sent while idle.
Built on the same services as the TUI; it imports no Textual.
"""
