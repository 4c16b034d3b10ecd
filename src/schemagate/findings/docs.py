"""A page per rule (docs/rules/<id>.md) and docs/rules.md's rule table, written from the registry.

`python -m schemagate.findings.docs` writes them; `--check` says which are out of date (a test runs
it). Every page says what the rule checks and why, shows a migration that breaks it and one that
keeps it (tests/test_rule_docs.py applies both), and how to set it aside.
"""

from __future__ import annotations

import sys
from pathlib import Path

from schemagate.findings import ITEMS, Rule, registry

DOCS_URL = "https://github.com/schemagate/schemagate/blob/main/docs/rules/"
TABLE_START = "<!-- rules:start (written by python -m schemagate.findings.docs) -->"
TABLE_END = "<!-- rules:end -->"
# Findings of these families belong to a statement, so a comment on it can set them aside.
_ON_STATEMENTS = ("statements", "hardcoded", "platform", "catalog")


def url(rule: Rule) -> str:
    return f"{DOCS_URL}{rule.id}.md"


def _sql(text: str) -> list[str]:
    return ["```sql", text.strip(), "```"]


def _ignoring(rule: Rule, family: str) -> list[str]:
    lines = [
        "To change its severity, or turn it off for the whole project, in `.github/schemagate.yml`:",
        "",
        "```yaml",
        "rules:",
        f"  {rule.id}: warning   # error, warning, info or off",
        "```",
    ]
    if family in _ON_STATEMENTS:
        lines = [
            "To set one finding aside, say why in a comment on the statement it is about:",
            "",
            *_sql(f"-- schemagate: ignore {rule.id} -- <why this one is fine>"),
            "",
            *lines,
        ]
    return lines


def page(rule: Rule) -> str:
    family = registry.family_of(rule)
    lines = [
        f"# `{rule.id}`: {rule.title}",
        "",
        f"**Default:** {rule.severity.label} · **Checklist item:** {ITEMS[rule.item]}"
        + (f" · **Supabase advisor:** `{'`, `'.join(rule.advisors)}`" if rule.advisors else ""),
        "",
        "## Why",
        "",
        rule.why,
        "",
    ]
    if rule.scenario:
        lines += ["## When it fires", "", rule.scenario, ""]
    else:
        if rule.before:
            lines += ["Already merged:", "", *_sql(rule.before), ""]
        lines += ["## Breaks it", "", *_sql(rule.bad), "", "## Keeps it", "", *_sql(rule.good), ""]
    lines += ["## The fix", "", *_sql(rule.fix), "", "## Setting it aside", "", *_ignoring(rule, family), ""]
    return "\n".join(lines)


def table() -> str:
    rows = [
        "| rule | default | strict | checklist item | what it checks | Supabase advisor |",
        "|------|---------|--------|----------------|----------------|------------------|",
    ]
    order = list(ITEMS)
    for rule in sorted(registry.rules(), key=lambda r: (order.index(r.item), -r.severity, r.id)):
        advisors = ", ".join(f"`{a}`" for a in rule.advisors)
        strict = rule.severity_in("strict").label
        rows.append(
            f"| [`{rule.id}`](rules/{rule.id}.md) | {rule.severity.label} | {strict} | {ITEMS[rule.item]} "
            f"| {rule.title} | {advisors} |"
        )
    return "\n".join(rows)


def outputs(root: Path) -> dict[Path, str]:
    """Every file this writes, and what it should hold."""
    wanted = {root / "docs" / "rules" / f"{r.id}.md": page(r) for r in registry.rules()}
    listing = root / "docs" / "rules.md"
    text = listing.read_text("utf-8")
    start, end = text.index(TABLE_START), text.index(TABLE_END)
    wanted[listing] = text[: start + len(TABLE_START)] + "\n" + table() + "\n" + text[end:]
    return wanted


def stale(root: Path) -> list[Path]:
    """The files that differ from what the registry says, or that no rule has any more."""
    wanted = outputs(root)
    differ = [p for p, text in wanted.items() if not p.is_file() or p.read_text("utf-8") != text]
    orphans = [p for p in (root / "docs" / "rules").glob("*.md") if p not in wanted]
    return sorted(differ + orphans)


def main(argv: list[str]) -> int:
    root = Path.cwd()
    if "--check" in argv:
        out_of_date = stale(root)
        for path in out_of_date:
            print(f"{path.relative_to(root)} is out of date: run python -m schemagate.findings.docs")
        return 1 if out_of_date else 0
    (root / "docs" / "rules").mkdir(parents=True, exist_ok=True)
    for path, text in outputs(root).items():
        path.write_text(text, "utf-8")
    for path in stale(root):
        path.unlink()  # only orphaned pages are left
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
