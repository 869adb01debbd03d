"""What the device boots from, as the configuration model judges exec commands on files.

Deleting the image or configuration the device boots from (``boot system``,
``boot nxos``), or replacing the startup configuration with a file the guard
cannot read, leaves a device that does not come back after its next reload.
"""

from __future__ import annotations

from oob_console.core.guard.config_model import ConfigModel
from oob_console.core.guard.decision import Verdict

IMAGE_SUFFIXES = (".bin", ".swi", ".img", ".iso", ".pkg", ".rpm", ".tar", ".vmlinuz", ".squashfs")
D, C = Verdict.DANGEROUS, Verdict.CHANGE


def is_startup(word: str) -> bool:
    name = word.rsplit(":", 1)[-1].lstrip("/")
    return name == "startup-config" or (len(name) >= 3 and "startup-config".startswith(name) and ":" not in word)


def is_running(word: str) -> bool:
    name = word.removeprefix("system:")
    return len(name) >= 3 and "running-config".startswith(name)


def delete_judged(words: list[str], model: ConfigModel | None) -> tuple[Verdict, str]:
    for word in words[1:]:
        if word.startswith("/") and ":" not in word and not any(c in word for c in "./"):
            continue
        name = word.split(":", 1)[-1].rstrip("/").rsplit("/", 1)[-1]
        if not name or name.startswith("-"):
            continue
        if model is not None and name in model.boot_files:
            return D, f"deletes {name}, the image the device boots from (its boot statement)"
        if "startup-config" in name or name in ("juniper.conf.gz", "juniper.conf", "frr.conf", "startup-config"):
            return D, f"deletes {name}, the configuration the device boots from"
        if name.endswith(IMAGE_SUFFIXES) and (model is None or not model.boot_files):
            return D, f"deletes {name}, which may be the image the device boots from"
    return C, "deletes a file the device does not boot from"
