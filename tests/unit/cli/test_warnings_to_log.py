"""Library warnings go to the site's log, never to the terminal a full-screen console draws on."""

from __future__ import annotations

import logging
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.utils import CryptographyDeprecationWarning

from oob_console.cli.ui import warnings_to_log


@pytest.fixture
def restore_warnings() -> Iterator[None]:
    logger = logging.getLogger("py.warnings")
    handlers, propagate = list(logger.handlers), logger.propagate
    with warnings.catch_warnings():
        yield
    logging.captureWarnings(False)
    logger.handlers, logger.propagate = handlers, propagate


def test_a_library_warning_is_logged_not_printed(tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                                 restore_warnings: None) -> None:
    log = tmp_path / "console.log"
    warnings_to_log(log)
    warnings.warn("TripleDES has been moved", CryptographyDeprecationWarning, stacklevel=1)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert "CryptographyDeprecationWarning: TripleDES has been moved" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
