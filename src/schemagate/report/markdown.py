"""The PR comment and the job summary: verdict first, one row per new migration, details folded."""

from __future__ import annotations

from schemagate import __version__
from schemagate.report.escape import code_block, html, inline
from schemagate.report.model import MigrationResult, Report, display_path
from schemagate.rules import ITEMS, Finding, Severity

LIMIT = 65_536  # GitHub's limit for a comment body
_ICON = {None: "✅", Severity.INFO: "✅", Severity.WARNING: "⚠️", Severity.ERROR: "❌"}
# Short column headers keep the table readable on a laptop screen.
_HEADER = {
    "name": "Name",
    "history": "History",
    "applies": "Applies",
    "idempotent": "Idempotent",
    "rls": "RLS",
    "policies": "Policies",
    "fk-index": "FK index",
    "timestamps": "Timestamps",
    "on-delete": "ON DELETE",
    "comments": "Comments",
    "safety": "Safe",
    "security": "Security",
    "hardcoded": "No literals",
    "rollback": "Rollback",
}
_LEVEL_ICON = {Severity.INFO: "ℹ️", Severity.WARNING: "⚠️", Severity.ERROR: "❌"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def marker(project: str = "", kind: str = "check") -> str:
    """The hidden line that finds a sticky comment again: one per project of a repository, so that
    two Supabase projects in one repository keep a comment each."""
    where = project.strip("/")
    return f"<!-- schemagate:{kind} {where} -->" if where else f"<!-- schemagate:{kind} -->"


def _title(report: Report) -> str:
    where = report.project.strip("/")
    return f"schemagate · {inline(where)}" if where else "schemagate"


def headline(report: Report) -> str:
    n = len(report.migrations)
    scope = f"{_plural(n, 'new migration')}" if report.base else _plural(n, "migration")
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    if report.failed:
        counts = ", ".join(
            x for x in (errors and _plural(errors, "error"), warnings and _plural(warnings, "warning")) if x
        )
        return f"### ❌ {_title(report)}: {counts or 'failed'} in {scope}"
    tail = f" ({_plural(warnings, 'warning')})" if warnings else ""
    return f"### ✅ {_title(report)}: {scope} pass the checklist{tail}"


def _cell(m: MigrationResult, item: str) -> str:
    if m.status == "not run" and item not in {"name", "history"}:
        return "⏭️"
    return _ICON[m.item_level(item)]


def _table(report: Report) -> list[str]:
    items = list(ITEMS)
    lines = [
        "| Migration | " + " | ".join(_HEADER[i] for i in items) + " |",
        "|---|" + "|".join(":-:" for _ in items) + "|",
    ]
    for m in report.migrations:
        lines.append(f"| {inline(m.filename)} | " + " | ".join(_cell(m, i) for i in items) + " |")
    return lines


def _where(f: Finding) -> str:
    path = display_path(f.path)
    if path is None:
        return ""
    return inline(f"{path}:{f.line}" if f.line else path) + " — "


def _finding(f: Finding) -> list[str]:
    alias = f" (Supabase advisor: {html(f.rule.alias)})" if f.rule.alias else ""
    lines = [f"- {_LEVEL_ICON[f.level]} **{f.rule.id}** · {_where(f)}{inline(f.message)}"]
    if f.detail:
        lines.append("")
        lines.append(_indent(code_block(f.detail)))
    lines += [
        "",
        _indent(f"<details><summary>Why{alias}, and how to fix it</summary>"),
        "",
        _indent(inline(f.rule.why)),
        "",
        _indent(code_block(f.rule.fix, "sql")),
        "",
        _indent("</details>"),
    ]
    return lines


def _indent(text: str) -> str:
    return "\n".join(("  " + line) if line else "" for line in text.splitlines())


def _details(report: Report) -> list[str]:
    lines: list[str] = []
    # A missing down file is told by the draft block itself.
    shown = {
        m.filename: [f for f in m.findings if f.rule.id != "no-down-migration"] for m in report.migrations
    }
    groups = [(html(m.filename), shown[m.filename]) for m in report.migrations if shown[m.filename]]
    if report.orphans:
        groups.append(("Other files", report.orphans))
    for title, found in groups:
        worst = max(f.level for f in found)
        counts = ", ".join(
            _plural(sum(1 for f in found if f.level == s), s.label)
            for s in sorted(Severity, reverse=True)
            if any(f.level == s for f in found)
        )
        lines += [
            "",
            f"<details{' open' if worst == Severity.ERROR else ''}><summary>{_LEVEL_ICON[worst]} "
            f"<b>{title}</b>: {counts}</summary>",
            "",
        ]
        for f in found:
            lines += _finding(f)
        lines += ["", "</details>"]
    return lines


_PROOF = {
    "proven": "proven on the throwaway database ✅",
    "failed": "proof failed ❌",
    "not run": "incomplete ⚠️ needs a human",
    "nothing to undo": "nothing to undo ✅",
}


def _drafts(report: Report) -> list[str]:
    lines: list[str] = []
    for m in report.migrations:
        if m.draft is None:
            continue
        state = _PROOF[m.draft.proof] if m.draft.complete else _PROOF["not run"]
        lines += [
            "",
            f"<details><summary>↩️ Draft down migration for <b>{html(m.filename)}</b>: {state}</summary>",
            "",
            code_block(m.draft.text.rstrip("\n"), "sql"),
        ]
        if m.draft.problem:
            lines += ["", code_block(m.draft.problem)]
        lines += ["", "</details>"]
    return lines


def _ignored(report: Report) -> list[str]:
    if not report.ignored:
        return []
    lines = [
        "",
        f"<details><summary>{_plural(len(report.ignored), 'finding')} ignored by "
        "<code>schemagate: ignore</code> comments</summary>",
        "",
    ]
    for i in report.ignored:
        lines.append(
            f"- **{i.finding.rule.id}** · {_where(i.finding)}{inline(i.finding.message)} — "
            f"reason: {inline(i.reason)}"
        )
    return [*lines, "", "</details>"]


def _footer(report: Report) -> list[str]:
    lines = ["", f"Reproduce locally: `{report.reproduce()}`"]
    lines += [f"> {inline(n)}" for n in report.notes]
    lines.append(f"<sub>schemagate {__version__} · {inline(report.server)} · {report.seconds:.1f} s</sub>")
    return lines


def render(report: Report, *, limit: int = LIMIT, summary_url: str | None = None) -> str:
    """The full report, or past the limit a summary that points at the job summary."""
    if not report.migrations and not report.findings:
        nothing = f"### ✅ {_title(report)}: no new migrations in this change"
        return "\n".join([marker(report.project), nothing, *_footer(report)])
    if all(f.level == Severity.INFO for f in report.findings):
        names = ", ".join(inline(m.filename) for m in report.migrations)
        passed = f"Checked {names}: every checklist item passes."
        return "\n".join(
            [
                marker(report.project),
                headline(report),
                "",
                passed,
                *_details(report),
                *_drafts(report),
                *_ignored(report),
                *_footer(report),
            ]
        )
    full = "\n".join(
        [
            marker(report.project),
            headline(report),
            "",
            *_table(report),
            *_details(report),
            *_drafts(report),
            *_ignored(report),
            *_footer(report),
        ]
    )
    if len(full) <= limit:
        return full
    pointer = (
        f"The full report is too long for a comment: see the [job summary]({summary_url})."
        if summary_url
        else "The full report is too long for a comment: see the job summary."
    )
    top = [
        f"- {_LEVEL_ICON[f.level]} **{f.rule.id}** · {_where(f)}{inline(f.message)}"
        for f in report.findings[:20]
    ]
    short = [marker(report.project), headline(report), "", pointer, "", *top]
    table = _table(report)
    budget = limit - len("\n".join([*short, *_footer(report)])) - 200
    kept: list[str] = []
    for line in table:
        if len("\n".join(kept)) + len(line) > budget:
            kept.append(f"| … {len(table) - len(kept)} more rows in the job summary |")
            break
        kept.append(line)
    return "\n".join([*short, "", *kept, *_footer(report)])
