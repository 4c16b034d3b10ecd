"""The terminal report: one line per finding, file:line first, as compilers print them."""

from __future__ import annotations

from schemagate.findings import Severity
from schemagate.repofiles import display_path
from schemagate.report.model import Report


def render(report: Report) -> str:
    lines = []
    for f in report.findings:
        where = display_path(f.path) or "-"
        if f.line:
            where += f":{f.line}"
        lines.append(f"{where}: {f.level.label}: {f.message} [{f.rule.id}]")
        if f.detail:
            lines += [f"    {line}" for line in f.detail.splitlines()]
    for i in report.ignored:
        lines.append(
            f"{display_path(i.finding.path)}:{i.finding.line}: ignored: {i.finding.message} "
            f"[{i.finding.rule.id}] ({i.reason})"
        )
    lines += [f"note: {note}" for note in report.notes]
    if report.tests:
        statuses = [t.status for t in report.tests]
        counts = ", ".join(f"{statuses.count(s)} {s}" for s in dict.fromkeys(statuses))
        lines.append(f"tests: {_plural(len(statuses), 'file')} ({counts})")
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    n = len(report.migrations)
    verdict = {"fail": "FAIL", "unverified": "COULD NOT VERIFY ALL"}.get(report.verdict, "PASS")
    notes = report.count(Severity.INFO)
    tally = ((errors, "error"), (warnings, "warning"), (notes, "note"))
    counts = ", ".join(_plural(k, word) for k, word in tally)
    lines.append(f"{verdict}: {_plural(n, 'migration')} checked, {counts} in {report.seconds:.1f} s")
    return "\n".join(lines)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
