"""GitHub workflow commands: `::error file=…,line=…::message`, escaped as the toolkit does."""

from __future__ import annotations

from schemagate.report.model import Report, display_path
from schemagate.rules import Severity

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, *, path: str | None = None, line: int | None = None, title: str) -> str:
    """One workflow command, escaped: data and properties as the toolkit escapes them."""
    props = [f"file={_property(path)}"] if path else []
    props += [f"line={line}"] if path and line else []
    props.append(f"title={_property(title)}")
    return f"::{level} {','.join(props)}::{_data(message)}"


def render(report: Report) -> list[str]:
    return [
        command(
            _COMMAND[f.level],
            f.message,
            path=display_path(f.path, report.project),
            line=f.line,
            title=f.rule.id,
        )
        for f in report.findings
    ]
