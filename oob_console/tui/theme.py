"""The low-bandwidth theme: the terminal's own 16 colours, default background everywhere.

A default background lets blank cells be skipped or erased (``ESC[K``) instead
of painted, and the cursor is shown with reverse video so it is visible on a
terminal with no colour at all.
"""

from __future__ import annotations

from textual.theme import Theme

LOW_BANDWIDTH = Theme(
    name="oob-low-bandwidth",
    ansi=True,
    dark=True,
    primary="ansi_blue",
    secondary="ansi_cyan",
    accent="ansi_cyan",
    warning="ansi_yellow",
    error="ansi_red",
    success="ansi_green",
    foreground="ansi_default",
    background="ansi_default",
    surface="ansi_default",
    panel="ansi_default",
    boost="ansi_default",
    variables={
        "ansi-background": "ansi_default",
        "ansi-foreground": "ansi_default",
        "border": "ansi_default",
        "border-blurred": "ansi_default",
        "block-cursor-foreground": "ansi_default",
        "block-cursor-background": "ansi_default",
        "block-cursor-text-style": "reverse",
        "block-cursor-blurred-foreground": "ansi_default",
        "block-cursor-blurred-background": "ansi_default",
        "block-cursor-blurred-text-style": "bold",
        "block-hover-background": "ansi_default",
        "input-cursor-background": "ansi_default",
        "input-cursor-foreground": "ansi_default",
        "input-cursor-text-style": "reverse",
        "input-selection-background": "ansi_default",
        "input-selection-foreground": "ansi_default",
        "footer-background": "ansi_default",
        "footer-foreground": "ansi_default",
        "footer-item-background": "ansi_default",
        "footer-key-background": "ansi_default",
        "footer-key-foreground": "ansi_default",
        "footer-description-background": "ansi_default",
        "footer-description-foreground": "ansi_default",
        "scrollbar": "ansi_default",
        "scrollbar-background": "ansi_default",
        "scrollbar-corner-color": "ansi_default",
        "screen-selection-background": "ansi_default",
        "screen-selection-foreground": "ansi_default",
        "text": "ansi_default",
        "text-muted": "ansi_default",
        "text-disabled": "ansi_default",
        "foreground-muted": "ansi_default",
        "link-background": "ansi_default",
        "link-color": "ansi_default",
        "link-style": "underline",
    },
)
