"""GitHub workflow commands: `::error file=…,line=…::message`, escaped as the toolkit does."""

from __future__ import annotations

from schemagate.report.model import Report, display_path
from schemagate.rules import Severity

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> list[str]:
    lines = []
    for f in report.findings:
        props = [f"title={_property(f.rule.id)}"]
        path = display_path(f.path)
        if path:
            props.insert(0, f"file={_property(path)}")
            if f.line:
                props.insert(1, f"line={f.line}")
        lines.append(f"::{_COMMAND[f.level]} {','.join(props)}::{_data(f.message)}")
    return lines
