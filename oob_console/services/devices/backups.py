"""Last-known-good configs: `oob backup run` pulls running configs into a local history, `diff` compares.

A pull is an ordinary command run (gated, audited, fanned out) with each
platform's running-config command; what comes back is normalised (volatile
lines such as "Last configuration change at ..." dropped) and stored only
when it differs from the newest stored version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from oob_console.core.devices.config_diff import normalise, unified
from oob_console.core.devices.platforms import spec
from oob_console.errors import NotFoundError
from oob_console.services.devices.ports import ConfigHistory, ConfigVersion
from oob_console.services.devices.runs import Progress, RunOptions, RunReport, RunService


@dataclass
class BackupService:
    runs: RunService
    history: ConfigHistory

    async def run(self, names: Sequence[str], *, site: str | None, role: str | None, options: RunOptions,
                  progress: Progress | None = None) -> RunReport:
        """Pull and store running configs; each result carries ``version`` and ``changed``.

        Raises:
            NotFoundError: a named device is not in the inventory.
            RefusedError: the gate refused a running-config command.
        """
        everything = not (names or site or role)
        inventory, devices = self.runs.targets(names, site=site, role=role, everything=everything)
        commands = {d.name: spec(d.platform).running_config for d in devices}
        report = await self.runs.run("running-config", devices, inventory, options=options, progress=progress,
                                     commands=commands, action="backup")
        platforms = {d.name: d.platform for d in devices}
        stored: list[dict[str, object]] = []
        for result in report.results:
            if not result.ok:
                continue
            text = normalise(spec(platforms[result.device]), result.output)
            result.output = ""  # configs go to the history, not to the screen or the audit log
            if not text:
                result.status, result.error = "failed", "the device returned an empty configuration"
                continue
            version, changed = self.history.save(result.device, text)
            result.extra = {"version": version.version, "changed": str(changed).lower(), "path": version.path}
            stored.append({"device": result.device, "version": version.version, "changed": changed,
                           "sha256": version.sha256})
        self.runs.access.audit.record("backup.store", target=self.history.location, outcome="ok",
                                      details={"run_id": report.run_id, "stored": stored})
        return report

    def versions(self, device: str) -> list[ConfigVersion]:
        self.runs.access.device(device)
        return self.history.versions(device)

    def _pick(self, versions: list[ConfigVersion], ref: str, device: str) -> ConfigVersion:
        found = [v for v in versions if v.version.startswith(ref)]
        if len(found) != 1:
            raise NotFoundError(f"{'no' if not found else len(found)} stored versions of {device} match {ref!r}",
                                where=self.history.location, hint=f"see 'oob backup list {device}'")
        return found[0]

    def diff(self, device: str, *, old: str | None = None, new: str | None = None) -> tuple[str, str, str]:
        """(old version, new version, unified diff); default: the two newest versions."""
        versions = self.versions(device)
        if not versions:
            raise NotFoundError(f"no stored config for {device}", where=self.history.location,
                                hint=f"run 'oob backup run {device}' first")
        newer = self._pick(versions, new, device) if new else versions[-1]
        if old:
            older = self._pick(versions, old, device)
        else:
            before = [v for v in versions if v.version < newer.version]
            older = before[-1] if before else newer
        text = unified(self.history.read(older), self.history.read(newer),
                       old_label=f"{device}@{older.version}", new_label=f"{device}@{newer.version}")
        return older.version, newer.version, text

    def show(self, device: str, version: str | None = None) -> tuple[ConfigVersion, str]:
        versions = self.versions(device)
        if not versions:
            raise NotFoundError(f"no stored config for {device}", where=self.history.location,
                                hint=f"run 'oob backup run {device}' first")
        chosen = self._pick(versions, version, device) if version else versions[-1]
        return chosen, self.history.read(chosen)
