"""The PR comment read in ten seconds: a short summary, findings under their statements, the fix
for the object at hand, a rule's why once, and a size that stays small for many migrations."""

from __future__ import annotations

import re

import cmarkgfm
from cmarkgfm.cmark import Options

from checking import GOOD, commit_base, run_check
from conftest import Database, Project
from schemagate.findings import registry
from schemagate.report import markdown
from schemagate.report.escape import inline

FLAWED = """
create table public.things_{i} (
  id bigint generated always as identity primary key,
  owner_id uuid not null references auth.users (id),
  name text not null
);
create policy "read own things_{i}" on public.things_{i} for select using (auth.uid() = owner_id);
"""


def html_of(text: str) -> str:
    return str(cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE))


def _columns(page: str) -> list[int]:
    return [row.count("<th") for row in re.findall(r"<tr>(.*?)</tr>", page, re.S) if "<th" in row]


def test_five_similar_flawed_migrations_fit_in_ten_thousand_characters(
    db: Database, project: Project
) -> None:
    base = commit_base(project)
    for i in range(1, 6):
        project.write(f"2025120100000{i}_things_{i}.sql", FLAWED.format(i=i))
    report = run_check(db, base=base)
    text = markdown.render(report)
    assert report.failed and len(report.migrations) == 5
    assert len(text) <= 10_000, len(text)
    page = html_of(text)
    assert all(n <= 6 for n in _columns(page)), _columns(page)
    # each rule's why once, however many migrations break it
    for rule_id in {f.rule.id for f in report.findings} - {"no-down-migration"}:
        why = inline(registry.get(rule_id).why)
        assert text.count(why) == 1, rule_id
    # the first migrations open with their fixes; the later ones folded, a line per statement
    assert page.count("<details open>") == 2
    assert "create index if not exists things_1_owner_id_idx on public.things_1 (owner_id);" in page
    assert "things_5_owner_id_idx" not in page
    assert (
        "<strong>L1</strong> <code>create table public.things_5</code>: ❌ create-without-if-not-exists"
        in page
    )


def test_findings_sit_under_their_statement_in_file_order_with_line_numbers(
    db: Database, project: Project
) -> None:
    base = commit_base(project)
    project.write("20251201000000_orders.sql", FLAWED.format(i=1))
    text = markdown.render(run_check(db, base=base))
    page = html_of(text)
    first, second = page.index("<strong>L1</strong>"), page.index("<strong>L6</strong>")
    assert first < page.index("rls-disabled") < second  # the table's findings under the table
    assert second < page.index("drop policy if exists &quot;read own things_1&quot; on public.things_1;")
    assert "supabase/migrations/20251201000000_orders.sql" not in text  # no path repeated per finding
    # the fix is written for this table, and shown for an error without a click
    opened = page[page.index("<details open>") :]
    assert "alter table public.things_1 enable row level security;" in opened[: opened.index("</details>")]


def test_a_clean_change_is_five_lines(db: Database, project: Project) -> None:
    base = commit_base(project)
    project.write("20251201000000_things.sql", GOOD)
    down = project.root / "supabase" / "rollbacks" / "20251201000000_things.sql"
    down.parent.mkdir(parents=True)
    down.write_text("drop table if exists public.things;\n")
    report = run_check(db, base=base)
    text = markdown.render(report)
    assert not report.failed and not [f for f in report.findings if f.rule.id == "no-down-migration"]
    # what a reader sees unfolded: a folded block (the schema changes) is its one summary line
    folded = re.sub(r"<details>.*?</details>", "<details/>", text, flags=re.S)
    assert len([line for line in folded.splitlines() if line.strip()]) <= 5, folded
    assert text.splitlines()[1] == "### ✅ schemagate: 1 new migration passes the checklist"
    assert "no reviewed down file" not in text


def test_a_draft_is_not_a_reviewed_rollback(db: Database, project: Project) -> None:
    base = commit_base(project)
    project.write("20251201000000_things.sql", GOOD)
    project.write("20251202000000_flawed.sql", FLAWED.format(i=2))
    text = markdown.render(run_check(db, base=base))
    rows = [line for line in text.splitlines() if line.startswith("| 20251201000000")]
    assert rows and "no reviewed down file" in rows[0]  # passes everything else, and is not ✅ for this
    assert "2 new migrations" in text.splitlines()[1]


def test_each_note_is_its_own_quoted_paragraph_and_the_footer_stands_apart(
    db: Database, project: Project
) -> None:
    base = commit_base(project)
    project.write("20251201000000_things.sql", GOOD)
    report = run_check(db, base=base)
    report.notes = ["the first note", "the second note"]
    page = html_of(markdown.render(report))
    quote = re.search(r"<blockquote>(.*?)</blockquote>", page, flags=re.S)
    assert quote is not None, page
    assert re.findall(r"<p>(.*?)</p>", quote[1]) == ["the first note", "the second note"]
    assert "<sub>" not in quote[1] and "<sub>schemagate" in page
