"""The PR comment and the job summary: read in ten seconds, security first.

The verdict first; then, never folded, every error (what breaks a deploy or opens data), by rule,
each at its statement with the fix for its object, and the access the change opens; then one row
per new migration naming the checklist items it does not pass; then the conventions, folded, a
rule's findings together across migrations, so that many similar migrations stay short. Why a rule
matters is said once per comment, folded. Past GitHub's limit the comment points at the job summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from schemagate import __version__
from schemagate.findings import ITEMS, Finding, Severity, registry
from schemagate.findings.outcomes import MigrationResult
from schemagate.repofiles import display_path
from schemagate.report import picture_markdown
from schemagate.report.escape import code, code_block, html, inline
from schemagate.report.model import Report

LIMIT = 65_536  # GitHub's limit for a comment body, in characters
# GitHub refuses a step's summary past 1 MiB of UTF-8: bytes, not characters (a name in a script of
# three-byte letters would otherwise lose the whole summary); room is left for the other sections.
SUMMARY_LIMIT_BYTES = 1_000_000
FULL = 2  # migrations whose draft down file is shown; the rest are in the job summary and drafts/
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
def _open_items(m: MigrationResult, draft_shown: bool = True) -> str:
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
        where = " (a draft below)" if draft_shown else " (a draft in the job summary)"
        parts.append("↩️ no reviewed down file" + (where if m.draft else ""))
    return " · ".join(parts)


def _icon(m: MigrationResult) -> str:
    if m.status == "not run":
        return "⏭️"
    if m.status == "unverified":
        return "❔"
    worst = m.worst
    return "❌" if worst == Severity.ERROR else "⚠️" if worst == Severity.WARNING else "✅"


def _summary(report: Report, drafts: int | None = None) -> list[str]:
    """A row per migration; `drafts`: how many of them show their draft down file (None: all)."""
    lines = ["| Migration | | Not passing |", "|---|:-:|---|"]
    for i, m in enumerate(report.migrations):
        items = _open_items(m, drafts is None or i < drafts)
        lines.append(f"| {inline(m.filename)} | {_icon(m)} | {inline(items) or '—'} |")
    return lines


# findings by rule: what opens data or breaks production open, the conventions folded -------------
CAP = 1  # occurrences of a convention shown with their message before the rest are named by place


def _where_in(report: Report, f: Finding) -> str:
    """Where a finding is: its migration's file, line and statement, as short as reads well."""
    owner = next((m for m in report.migrations if f.path in {m.path, m.down_file}), None)
    if owner is None:
        return _where(f).removesuffix(" — ")
    name = code(owner.filename if f.path == owner.path else display_path(f.path) or owner.filename)
    if f.line is None:
        return name
    statement = owner.statements.get(f.line) if f.path == owner.path else None
    return f"{name} **L{f.line}**" + (f" {code(statement)}" if statement else "")


def _by_rule(found: list[Finding]) -> list[list[Finding]]:
    """The findings of each rule together: worst first, then in the checklist's order, the most
    frequent first (RLS off before the policies it leaves idle)."""
    groups: dict[str, list[Finding]] = {}
    for f in found:
        groups.setdefault(f.rule.id, []).append(f)
    order = list(ITEMS)
    return sorted(
        groups.values(), key=lambda fs: (-max(f.level for f in fs), order.index(fs[0].rule.item), -len(fs))
    )


def _fixes(found: list[Finding], shown: set[str] | None = None) -> list[str]:
    """Each finding's own fix (the remedy for its object), else the rule's example, once each;
    none that `shown` (the fixes above it) already holds, and it takes in those given here."""
    own = [f.remedy.sql for f in found if f.remedy]
    generic = [f.rule.fix for f in found if not f.remedy]
    fresh = [fix for fix in dict.fromkeys(own) if shown is None or fix not in shown]
    example = [fix for fix in dict.fromkeys(generic) if shown is None or fix not in shown]
    if shown is not None:
        shown.update(fresh + example)
    lines = ["", code_block("\n".join(fresh), "sql")] if fresh else []
    if example:  # the rule's own: a note, or the shape of the fix on another object
        said = "The fix:" if all(fix.startswith("--") for fix in example) else "The fix, on an example:"
        lines += ["", said, "", code_block("\n".join(example), "sql")]
    return lines


def _occurrence(report: Report, f: Finding) -> list[str]:
    lines = [f"- {_where_in(report, f)}: {inline(f.message)}"]
    if f.detail:
        lines += ["", *("  " + line for line in code_block(f.detail).splitlines())]
    return lines


def _finding_line(f: Finding) -> str:
    return f"- {_LEVEL_ICON[f.level]} **{f.rule.id}**: {inline(f.message)}"


def _rule_head(found: list[Finding]) -> str:
    made, worst = found[0].rule, max(f.level for f in found)
    count = f" ×{len(found)}" if len(found) > 1 else ""
    return f"{_LEVEL_ICON[worst]} **{made.id}**{count} · {inline(made.title)}"


def _urgent(report: Report) -> list[str]:
    """Every error: what breaks a deploy or opens data, by rule, each at its statement and with
    its fix; never folded, so that the first screen of the comment is what must not merge."""
    errors = [f for f in report.findings if f.level == Severity.ERROR and f.rule.item != "tests"]
    if not errors:
        return []
    lines = ["", f"#### 🚨 {_plural(len(errors), 'error')}: what breaks a deploy or opens data"]
    shown: set[str] = set()  # RLS off with policies is two rules and one fix: said once
    for found in _by_rule(errors):
        lines += ["", _rule_head(found), ""]
        for f in found:
            lines += _occurrence(report, f)
        fixes = _fixes(found, shown)
        lines += fixes or ["", "Fixed by the fix above."]
    return lines


def _convention(report: Report, found: list[Finding], cap: int) -> list[str]:
    """A rule's findings: the first few with their message, the first one's fix (the others' are
    alike, and `schemagate fix` writes them all), the rest by where they are."""
    lines = ["", _rule_head(found), ""]
    for f in found[:cap]:
        lines += _occurrence(report, f)
    rest = found[cap:]
    if rest:
        places = ", ".join(_place(report, f) for f in rest)
        lines.append(f"- {f'and {len(rest)} more alike' if cap else 'at'}: {places}")
    return lines + (_fixes(found[:1]) if cap else [])


def _place(report: Report, f: Finding) -> str:
    """A finding's file and line alone: how a convention repeated across migrations is listed."""
    owner = next((m for m in report.migrations if f.path in {m.path, m.down_file}), None)
    name = owner.filename if owner is not None and f.path == owner.path else display_path(f.path) or ""
    return f"{code(name)} L{f.line}" if f.line else code(name)


def _conventions(report: Report, cap: int) -> list[str]:
    """Warnings and notes: conventions and what happened, folded, by rule across migrations."""
    shown = [
        f
        for f in report.findings
        if f.level < Severity.ERROR and f.rule.id != _NO_DOWN and f.rule.item != "tests"
    ]
    if not shown:
        return []
    warnings = sum(1 for f in shown if f.level == Severity.WARNING)
    notes = len(shown) - warnings
    counts = ", ".join(
        x for x in (warnings and _plural(warnings, "warning"), notes and _plural(notes, "note")) if x
    )
    fixer = (
        "; <code>schemagate fix</code> writes the mechanical fixes"
        if any(m.edits for m in report.migrations)
        else ""
    )
    lines = ["", f"<details><summary>⚠️ Conventions and notes: {counts}{fixer}</summary>"]
    for found in _by_rule(shown):
        lines += _convention(report, found, cap)
    return [*lines, "", "</details>"]


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
    quoting a long statement), and an answer GitHub refuses would leave the PR without a verdict.
    A cut inside a code block or a <details> closes them, so that the note after it reads as
    text, not as code or a folded part."""
    if size(text) <= limit:
        return text
    cut = "\n\n*… cut at GitHub's size limit: the job summary and report.json have it all.*"
    kept: list[str] = []
    used, state = size(cut), _Open()
    for line in text.split("\n"):
        after = state.after(line)
        if used + size(line) + 1 + sum(size(c) + 1 for c in after.closers()) > limit:
            break
        kept.append(line)
        used, state = used + size(line) + 1, after
    return "\n".join([*kept, *state.closers()]) + cut


@dataclass(frozen=True)
class _Open:
    """What the Markdown so far left open: a code fence (its opening run of ` or ~), <details>."""

    fence: str = ""
    details: int = 0

    def after(self, line: str) -> _Open:
        stripped = line.strip()
        if self.fence:
            closes = stripped.startswith(self.fence) and not stripped.lstrip(self.fence[0]).strip()
            return _Open("" if closes else self.fence, self.details)
        if stripped.startswith(("```", "~~~")):
            return _Open(stripped[: len(stripped) - len(stripped.lstrip(stripped[0]))], self.details)
        opened = stripped.count("<details") - stripped.count("</details>")
        return _Open("", max(self.details + opened, 0))

    def closers(self) -> list[str]:
        return ([self.fence] if self.fence else []) + ["</details>"] * self.details


def _render(report: Report, limit: int, summary_url: str | None, size: Callable[[str], int]) -> str:
    head = [marker(report.project), headline(report)]
    if not report.migrations and not report.findings:
        nothing = f"### ✅ {_title(report)}: no new migrations in this change"
        return "\n".join([marker(report.project), nothing, *_tests(report), *_footer(report)])
    if all(f.level == Severity.INFO for f in report.findings):
        every_draft = [line for m in report.migrations for line in _draft(m)]
        seen = [*picture_markdown.access_lines(report.picture), *picture_markdown.render(report.picture)]
        tests = _tests(report)
        return "\n".join(
            [
                *head,
                "",
                *_passed(report),
                *seen,
                *tests,
                *every_draft,
                *_ignored(report),
                "",
                *_footer(report),
            ]
        )
    # in full; then without drafts and with every convention by place; then the pointer below
    for cap, drafts in ((CAP, FULL), (0, 0)):
        text = "\n".join(
            [
                *head,
                *_urgent(report),
                *picture_markdown.access_lines(report.picture),
                "",
                *_summary(report, drafts),
                *_conventions(report, cap),
                *[line for m in report.migrations[:drafts] for line in _draft(m)],
                *picture_markdown.render(report.picture),
                *_tests(report),
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
