"""Doctor: the console's dependency graph as a tree, every edge that crosses production marked."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Tree

from oob_console.core.doctor import DoctorReport, Finding
from oob_console.render.doctor import TAGS, finding_details, verdict_line
from oob_console.tui.screens.base import ConsoleScreen

STYLES = {"critical": "bold red", "warning": "yellow", "info": "", "ok": "green"}


def finding_label(f: Finding, colour: bool) -> Text:
    text = Text(f"[{TAGS[f.level]:<4}] {f.subject}")
    if colour and STYLES[f.level]:
        text.stylize(STYLES[f.level], 0, 6)
    return text


class DoctorScreen(ConsoleScreen):
    TITLE = "Doctor"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("g", "refresh", "Re-check")]

    def compose_body(self) -> ComposeResult:
        tree: Tree[Finding] = Tree("this host", id="graph")
        tree.guide_depth = 2
        tree.show_root = False
        yield tree

    def on_mount(self) -> None:
        self.query_one("#graph", Tree).focus()
        super().on_mount()

    def reload(self) -> None:
        self.say("checking routes, resolvers, filesystems and data...")
        self.call(self.services.doctor.run, self.show_report)

    def action_refresh(self) -> None:
        self.reload()

    def show_report(self, report: DoctorReport) -> None:
        """Groups are branches; a problem's path, finding and fix are its leaves, shown open."""
        tree: Tree[Finding] = self.query_one("#graph", Tree)
        tree.clear()
        colour = not self.low_bandwidth or self.oob.profile.colors != "none"
        for group, findings in report.groups():
            worst = next((lv for lv in ("critical", "warning") if any(f.level == lv for f in findings)), "")
            branch = tree.root.add(f"{group}" + (f" ({worst})" if worst else ""), expand=bool(worst))
            for f in findings:
                if not f.problem:
                    branch.add_leaf(finding_label(f, colour), data=f)
                    continue
                node = branch.add(finding_label(f, colour), data=f, expand=f.level in ("critical", "warning"))
                for line in finding_details(f):
                    node.add_leaf(line)
        self.say(f"{verdict_line(report)}; g re-checks", error=report.critical)
