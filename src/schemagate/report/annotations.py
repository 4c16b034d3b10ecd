"""GitHub workflow commands: `::error file=…,line=…::message`, escaped as the toolkit does."""

from __future__ import annotations

from schemagate import secrets
from schemagate.findings import Severity
from schemagate.repofiles import display_path
from schemagate.report.escape import visible
from schemagate.report.model import Report

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def command_data(text: str) -> str:
    """A workflow command's message: the runner unescapes these three, so no line break survives;
    a control sequence (ESC) or a bidi override shows as an escape."""
    text = visible(text, keep="\r\n")
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def command_property(text: str) -> str:
    """A property's value (file=, title=): a `:` or `,` would end it early."""
    return command_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, *, path: str | None = None, line: int | None = None, title: str) -> str:
    """One workflow command, escaped: data and properties as the toolkit escapes them. Redacted
    first: a secret holding `%` or a line break would no longer match once escaped."""
    props = [f"file={command_property(secrets.redact(path))}"] if path else []
    props += [f"line={line}"] if path and line else []
    props.append(f"title={command_property(title)}")
    return f"::{level} {','.join(props)}::{command_data(secrets.redact(message))}"


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
