"""The console UI (Textual): a thin front end over the services in ``wiring.Services``.

``tui.app.build_app`` makes the app from services and a :mod:`tui.profile`;
screens live in ``tui/screens/<purpose>.py``, CSS in ``.tcss`` files, and the
low-bandwidth output path in ``tui.driver`` and ``tui.screen_diff``. Nothing
outside this package imports Textual.
"""
