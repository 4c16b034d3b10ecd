"""The results as text: a line per file, then each failure at its file and line with pgTAP's
diagnostics, then the counts, as pg_prove's summary gives them."""

from __future__ import annotations

from schemagate.database.dbtests.execute import Suite
from schemagate.database.dbtests.tap import Assertion, FileResult, Where
from schemagate.repofiles import display_path

_LABEL = {"passed": "ok", "failed": "FAILED", "skipped": "skipped", "unverified": "could not verify"}


def place(where: Where | None, fallback: FileResult) -> str:
    """file:line, relative to the project."""
    if where is None:
        return display_path(fallback.path) or fallback.path.as_posix()
    return f"{display_path(where.path)}:{where.line}"


def title(assertion: Assertion) -> str:
    """`not ok 2 - description`, as the TAP line said it."""
    head = f"{'ok' if assertion.ok else 'not ok'} {assertion.number}"
    return f"{head} - {assertion.description}" if assertion.description else head


def _file_line(result: FileResult) -> str:
    name = display_path(result.path) or result.path.as_posix()
    status = result.status
    ran = len(result.assertions)
    if status == "unverified":
        detail = (result.unverified or "").removeprefix("could not verify: ")
    elif status == "skipped":
        detail = f"skipped all: {result.skip_all}" if result.skip_all else "skipped all"
    else:
        detail = f"{ran - len(result.failures)}/{ran} passed"
        if result.skipped:
            detail += f", {len(result.skipped)} skipped"
        todo = sum(1 for a in result.assertions if a.directive == "todo")
        if todo:
            detail += f", {todo} todo"
    return f"{_LABEL[status]:<8} {name} .. {detail} ({result.seconds:.2f} s)"


def failure_lines(result: FileResult) -> list[str]:
    """Each failing test and each problem of the file, where it happened."""
    lines = []
    for assertion in result.failures:
        lines.append(f"  {place(assertion.where, result)}: {title(assertion)}")
        lines += [f"      # {d}" for d in assertion.diagnostics]
    for problem in result.problems:
        where = result.error.where if result.error and problem == result.error.message else None
        if where is None and result.bailed is not None and problem.startswith("Bail out!"):
            where = result.bail_where
        lines.append(f"  {place(where, result)}: {problem}")
    return lines


def lines(suite: Suite) -> list[str]:
    out: list[str] = []
    for result in suite.files:
        out.append(_file_line(result))
        out += failure_lines(result)
    counts = ", ".join(
        f"{suite.count(status)} {word}"
        for status, word in (
            ("passed", "passed"),
            ("failed", "failed"),
            ("skipped", "skipped"),
            ("unverified", "could not verify"),
        )
        if suite.count(status) or status in {"passed", "failed"}
    )
    out.append(
        f"Files={len(suite.files)}, Tests={suite.assertions}; files: {counts} ({suite.seconds:.1f} s)"
        + ("" if not suite.failed else "; FAILED")
    )
    if suite.note:
        out.append(suite.note)
    return out
