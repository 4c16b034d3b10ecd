"""The PR comment and the job summary: read in ten seconds.

The verdict first; then one row per new migration naming the checklist items it does not pass (a
green one is one row); then, per migration, its findings under the statement they are about, in
file order, with the fix for that statement written out. Why a rule matters is said once per
comment, folded. Past the first few migrations only the findings are listed, so that a change of
many similar migrations stays short; past GitHub's limit the comment points at the job summary.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from urllib.parse import quote

from schemagate import __version__
from schemagate.findings import ITEMS, Finding, Severity, registry
from schemagate.findings.fixes import Edit
from schemagate.findings.outcomes import MigrationResult
from schemagate.repofiles import display_path
from schemagate.report import picture
from schemagate.report.escape import code, code_block, html, inline
from schemagate.report.model import Report

LIMIT = 65_536  # GitHub's limit for a comment body, in characters
# GitHub refuses a step's summary past 1 MiB of UTF-8: bytes, not characters (a name in a script of
# three-byte letters would otherwise lose the whole summary); room is left for the other sections.
SUMMARY_LIMIT_BYTES = 1_000_000
FULL = 2  # migrations shown with their fixes; the rest list their findings by statement
_LEVEL_ICON = {Severity.INFO: "ℹ️", Severity.WARNING: "⚠️", Severity.ERROR: "❌"}
_SHORT = {
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
    "safety": "Safe to deploy",
    "security": "Security",
    "hardcoded": "No literals",
    "rollback": "Rollback",
    "tests": "Tests",
}
_NO_DOWN = "no-down-migration"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def marker(project: str = "", kind: str = "check") -> str:
    """The hidden line that finds a sticky comment again: one per project of a repository, so that
    two Supabase projects in one repository keep a comment each."""
    where = project.strip("/")
    if "--" in where or ">" in where or not where.isprintable():
        # a folder named `a-->b` would close the hidden comment and show the rest; encoded only
        # then, so that the markers of existing comments stay what they were
        where = quote(where, safe="/").replace("-", "%2D")
    return f"<!-- schemagate:{kind} {where} -->" if where else f"<!-- schemagate:{kind} -->"


def _title(report: Report) -> str:
    where = report.project.strip("/")
    return f"schemagate · {inline(where)}" if where else "schemagate"


def headline(report: Report) -> str:
    n = len(report.migrations)
    scope = _plural(n, "new migration" if report.base else "migration")
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    if report.failed:
        counts = ", ".join(
            x for x in (errors and _plural(errors, "error"), warnings and _plural(warnings, "warning")) if x
        )
        return f"### ❌ {_title(report)}: {counts or 'failed'} in {scope}"
    if report.unverified:
        return f"### ❔ {_title(report)}: could not verify all of {scope} (a gap of the check's, see below)"
    tail = f" ({_plural(warnings, 'warning')})" if warnings else ""
    return f"### ✅ {_title(report)}: {scope} {'passes' if n == 1 else 'pass'} the checklist{tail}"


# the summary: a row per migration -------------------------------------------------------------------
def _open_items(m: MigrationResult) -> str:
    """The checklist items the migration does not pass, worst first; "" when it passes all."""
    if m.status == "not run":
        return "⏭️ not run: an earlier migration failed or could not be verified"
    if m.status == "unverified":
        return "❔ could not verify: the throwaway database lacks what hosted Supabase has (see below)"
    parts = []
    for level in (Severity.ERROR, Severity.WARNING):
        names = [_SHORT[i] for i in ITEMS if m.item_level(i) == level]
        if names:
            parts.append(f"{_LEVEL_ICON[level]} {', '.join(names)}")
    if m.down_file is None and m.item_level("rollback") in {None, Severity.INFO}:
        parts.append("↩️ no reviewed down file" + (" (a draft below)" if m.draft else ""))
    return " · ".join(parts)


def _icon(m: MigrationResult) -> str:
    if m.status == "not run":
        return "⏭️"
    if m.status == "unverified":
        return "❔"
    worst = m.worst
    return "❌" if worst == Severity.ERROR else "⚠️" if worst == Severity.WARNING else "✅"


def _summary(report: Report) -> list[str]:
    lines = ["| Migration | | Not passing |", "|---|:-:|---|"]
    for m in report.migrations:
        lines.append(f"| {inline(m.filename)} | {_icon(m)} | {inline(_open_items(m)) or '—'} |")
    if any(m.edits for m in report.migrations):
        lines += ["", "Each fix below is a review suggestion to commit; `schemagate fix` writes them all."]
    return lines


# per migration: findings by statement, and their fix -------------------------------------------------
def _groups(m: MigrationResult) -> list[tuple[int | None, list[Finding]]]:
    """Findings by the statement they are on, in file order; those on the whole file first."""
    by_line: dict[int | None, list[Finding]] = {}
    for f in m.findings:
        if f.rule.id != _NO_DOWN:
            by_line.setdefault(f.line, []).append(f)
    return sorted(by_line.items(), key=lambda item: -1 if item[0] is None else item[0])


def _shown(edit: Edit) -> str:
    """The edit's new lines, with runs the author already has folded into `…`."""
    old, new = edit.old.split("\n"), edit.new.split("\n")
    out: list[str] = []
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        kept = new[j1:j2]
        if tag == "equal" and len(kept) > 2:
            out += [kept[0], "…", kept[-1]]
        else:
            out += kept
    return "\n".join(out)


def _fix(found: list[Finding], edit: Edit | None) -> list[str]:
    """The fix for one statement: the mechanical edit, what the author completes, and for an
    error with neither, the rule's own fix."""
    lines = []
    if edit is not None:
        lines += ["", "Fix:", "", code_block(_shown(edit), "sql")]
    starts = [f.remedy.sql for f in found if f.remedy and not f.remedy.mechanical]
    if starts:
        lines += ["", "To complete:", "", code_block("\n".join(dict.fromkeys(starts)), "sql")]
    fixed = set(edit.rules) if edit else set()
    generic = [
        f.rule.fix
        for f in found
        if f.level == Severity.ERROR and f.rule.id not in fixed and not (f.remedy and not f.remedy.mechanical)
    ]
    if generic:
        lines += ["", code_block("\n".join(dict.fromkeys(generic)), "sql")]
    return lines


def _finding_line(f: Finding) -> str:
    return f"- {_LEVEL_ICON[f.level]} **{f.rule.id}**: {inline(f.message)}"


def _migration(m: MigrationResult, full: bool) -> list[str]:
    """A migration's findings by statement: with their fixes, or (past the first few) a line for
    each statement naming what it breaks."""
    groups = _groups(m)
    if not groups and m.draft is None:
        return []
    counts = ", ".join(
        _plural(sum(1 for _, fs in groups for f in fs if f.level == s), s.label)
        for s in sorted(Severity, reverse=True)
        if any(f.level == s for _, fs in groups for f in fs)
    )
    opened = " open" if full and m.worst == Severity.ERROR else ""
    summary = f"{_icon(m)} <b>{html(m.filename)}</b>: {counts or 'a draft'}"
    lines = ["", f"<details{opened}><summary>{summary}</summary>", ""]
    edits = {e.line: e for e in m.edits}
    for line, found in groups:
        where = _statement(m, line)
        if not full:
            rules = ", ".join(f"{_LEVEL_ICON[f.level]} {f.rule.id}" for f in found)
            lines.append(f"- {where}: {rules}")
            continue
        lines += ["", where, "", *[_finding_line(f) for f in found]]
        for f in found:
            if f.detail:
                lines += ["", code_block(f.detail)]
        lines += _fix(found, edits.get(line) if line is not None else None)
    if full:
        lines += _draft(m)
    return [*lines, "", "</details>"]


def _statement(m: MigrationResult, line: int | None) -> str:
    if line is None:
        return f"**{inline(m.filename)}**"
    return f"**L{line}** {code(m.statements[line])}" if line in m.statements else f"**L{line}**"


_PROOF = {
    "proven": "its round trip passed on the throwaway database ✅",
    "failed": "its round trip failed ❌",
    "not run": "incomplete ⚠️ needs a human",
    "nothing to undo": "nothing to undo ✅",
}


def _draft(m: MigrationResult) -> list[str]:
    if m.draft is None:
        return []
    state = _PROOF[m.draft.proof] if m.draft.complete else _PROOF["not run"]
    lines = [
        "",
        f"<details><summary>↩️ A draft down migration: {state}; review it, then commit it as "
        f"<code>supabase/rollbacks/{html(m.filename)}</code></summary>",
        "",
        code_block(m.draft.text.rstrip("\n"), "sql"),
    ]
    if m.draft.problem:
        lines += ["", code_block(m.draft.problem)]
    return [*lines, "", "</details>"]


# once per comment --------------------------------------------------------------------------------------
def _whys(report: Report) -> list[str]:
    ids = list(dict.fromkeys(f.rule.id for f in report.findings if f.rule.id != _NO_DOWN))
    if not ids:
        return []
    lines = ["", "<details><summary>Why these rules</summary>", ""]
    for rule_id in ids:
        made = registry.get(rule_id)
        advisor = f" (Supabase advisor: {inline(made.alias)})" if made.alias else ""
        lines.append(f"- **{made.id}**{advisor}: {inline(made.why)}")
    return [*lines, "", "</details>"]


def _others(report: Report) -> list[str]:
    others = [f for f in report.orphans if f.rule.item != "tests"]  # the Tests block shows those
    if not others:
        return []
    lines = ["", "<details open><summary>Other files</summary>", ""]
    lines += [f"- {_LEVEL_ICON[f.level]} **{f.rule.id}**: {_where(f)}{inline(f.message)}" for f in others]
    return [*lines, "", "</details>"]


_TEST_ICON = {"passed": "✅", "failed": "❌", "skipped": "⏭️", "unverified": "❔"}


def _tests(report: Report) -> list[str]:
    """The project's pgTAP files: the failing tests first, each at its line with pgTAP's
    diagnostics, then every file's row, folded unless one failed."""
    if not report.tests:
        return []
    failed = [t for t in report.tests if t.status == "failed"]
    total = sum(t.tests for t in report.tests)
    files = _plural(len(report.tests), "file")
    head = f"{len(failed)} of {files} failed" if failed else f"{files}, {_plural(total, 'test')}, none failed"
    lines = ["", f"<details{' open' if failed else ''}><summary>🧪 Tests: {head}</summary>", ""]
    for f in report.findings:
        if f.rule.item == "tests":
            lines.append(f"- {_LEVEL_ICON[f.level]} {_where(f)}{inline(f.message)}")
            if f.detail:
                lines += ["", *("  " + line for line in code_block(f.detail, "").splitlines())]
    ordered = sorted(report.tests, key=lambda t: (t.status != "failed", t.status != "unverified"))
    lines += ["", "| Test file | | Tests | Failed | Skipped |", "|---|:-:|--:|--:|--:|"]
    for t in ordered:
        name = inline(display_path(t.path) or "")
        lines.append(f"| {name} | {_TEST_ICON[t.status]} | {t.tests} | {t.failed} | {t.skipped} |")
    return [*lines, "", "</details>"]


def _where(f: Finding) -> str:
    path = display_path(f.path)
    return inline(f"{path}:{f.line}" if path and f.line else path or "") + (" — " if path else "")


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
    # a quoted paragraph per note, and a blank line after them: the footer would join the quote
    lines = [line for n in report.notes for line in (f"> {inline(n)}", ">")][:-1]
    lines += [""] if lines else []
    lines.append(
        f"<sub>schemagate {__version__} · {inline(report.server)} · {report.seconds:.1f} s · "
        f"reproduce: <code>{html(report.reproduce())}</code></sub>"
    )
    return lines


def _passed(report: Report) -> list[str]:
    """A change that passes everything: a line for it."""
    names = ", ".join(code(m.filename) for m in report.migrations)
    downs = all(m.down_file is not None for m in report.migrations)
    rollback = "" if downs else "; no reviewed down file yet (drafts below)"
    return [f"Checked {names}: every checklist item passes{rollback}."]


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def render_summary(report: Report) -> str:
    """The job summary: the comment's text with a budget in bytes."""
    return render(report, limit=SUMMARY_LIMIT_BYTES, size=utf8_size)


def render(
    report: Report,
    *,
    limit: int = LIMIT,
    summary_url: str | None = None,
    size: Callable[[str], int] = len,
) -> str:
    """The comment: in full, or with every migration's findings only, or past the limit a summary
    that points at the job summary; never past the limit, however long what the change named."""
    return _within(_render(report, limit, summary_url, size), limit, size)


def _within(text: str, limit: int, size: Callable[[str], int]) -> str:
    """Whole lines up to the limit: the fallback is short unless its own lines are huge (a finding
    quoting a long statement), and an answer GitHub refuses would leave the PR without a verdict."""
    if size(text) <= limit:
        return text
    cut = "\n\n*… cut at GitHub's size limit: the job summary and report.json have it all.*"
    kept: list[str] = []
    used = size(cut)
    for line in text.split("\n"):
        used += size(line) + 1
        if used > limit:
            break
        kept.append(line)
    return "\n".join(kept) + cut


def _render(report: Report, limit: int, summary_url: str | None, size: Callable[[str], int]) -> str:
    head = [marker(report.project), headline(report)]
    if not report.migrations and not report.findings:
        nothing = f"### ✅ {_title(report)}: no new migrations in this change"
        return "\n".join([marker(report.project), nothing, *_tests(report), *_footer(report)])
    if all(f.level == Severity.INFO for f in report.findings):
        drafts = [line for m in report.migrations for line in _draft(m)]
        seen = picture.render(report.picture)
        tests = _tests(report)
        return "\n".join(
            [*head, "", *_passed(report), *seen, *tests, *drafts, *_ignored(report), "", *_footer(report)]
        )
    for full in (FULL, 0):
        body = [line for i, m in enumerate(report.migrations) for line in _migration(m, i < full)]
        text = "\n".join(
            [
                *head,
                "",
                *_summary(report),
                *body,
                *picture.render(report.picture),
                *_tests(report),
                *_others(report),
                *_whys(report),
                *_ignored(report),
                "",
                *_footer(report),
            ]
        )
        if size(text) <= limit:
            return text
    pointer = "The full report is too long for a comment: see the " + (
        f"[job summary]({summary_url})." if summary_url else "job summary."
    )
    top = [_finding_line(f) for f in report.findings[:20]]
    short = [*head, "", pointer, "", *top]
    rows = _summary(report)
    budget = limit - size("\n".join([*short, *_footer(report)])) - 200
    kept: list[str] = []
    used = 0  # the size of "\n".join(kept), kept as it grows rather than joined again per row
    for line in rows:
        if used + size(line) > budget:
            kept.append(f"| … {len(rows) - len(kept)} more rows in the job summary | | |")
            break
        used += size(line) + (1 if kept else 0)
        kept.append(line)
    return "\n".join([*short, "", *kept, "", *_footer(report)])
