"""Text for every front end: the CLI, the TUI and the line shell build what they print here.

One module a feature (``audit``, ``auth``, ``bgp``, ``devices``, ``doctor``, ``guard``,
``runbooks``, ``status``) plus ``text`` for what every view shares (cutting, folding,
escaping, the VT100 fallback). Plain strings only (no Textual, no Rich), so ``oob shell``
and the CLI stay light; the TUI adds colour on top. Services never import this package:
they return values, and a front end turns them into text here.
"""
