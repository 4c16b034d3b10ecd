"""The PR comment read in ten seconds: a short summary, findings under their statements, the fix
for the object at hand, a rule's why once, and a size that stays small for many migrations."""

from __future__ import annotations

import html
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


def _sections(text: str) -> dict[str, str]:
    """A rule's part of the comment, by rule id: from its head (`❌ **rule-id**`) to the next."""
    parts = re.split(r"\n(?=(?:❌|⚠️|ℹ️) \*\*[a-z-]+\*\*)", text)
    found = {}
    for part in parts[1:]:
        rule_id = part.split("**", 2)[1]
        found[rule_id] = part
    return found


def test_five_similar_flawed_migrations_fit_in_ten_kilobytes_with_every_finding(
    db: Database, project: Project
) -> None:
    base = commit_base(project)
    for i in range(1, 6):
        project.write(f"2025120100000{i}_things_{i}.sql", FLAWED.format(i=i))
    report = run_check(db, base=base)
    text = markdown.render(report)
    assert report.failed and len(report.migrations) == 5
    shown = [f for f in report.findings if f.rule.id != "no-down-migration"]
    assert len(shown) == 40  # eight findings in each
    assert markdown.utf8_size(text) <= 10_000, markdown.utf8_size(text)
    page = html_of(text)
    assert all(n <= 6 for n in _columns(page)), _columns(page)
    # a rule's findings together across the migrations, each still there: by its place
    sections = _sections(text)
    for f in shown:
        assert f.path is not None
        part = sections[f.rule.id]
        assert f"`{f.path.name}` **L{f.line}**" in part or f"`{f.path.name}` L{f.line}" in part, f
    for rule_id in {f.rule.id for f in shown}:
        n = sum(1 for f in shown if f.rule.id == rule_id)
        assert f"**{rule_id}** ×{n} ·" in sections[rule_id]
        why = inline(registry.get(rule_id).why)
        assert text.count(why) == 1, rule_id  # each rule's why once, however many migrations break it
    # the errors open the comment with their fixes; the conventions are folded, a fix shown once
    first = page[: page.index("<details")]
    assert "alter table public.things_5 enable row level security;" in first
    assert "unindexed-foreign-key" not in first
    assert "create index if not exists things_1_owner_id_idx on public.things_1 (owner_id);" in page
    assert "things_5_owner_id_idx" not in page


SECURITY_FIRST = """
create table if not exists public.projects (id bigint primary key, name text);
grant select, insert on public.projects to authenticated;
alter table public.projects disable row level security;
create table if not exists public.project_comments (
  id bigint primary key, project_id bigint references public.projects (id), body text
);
alter table public.project_comments enable row level security;
create policy "anyone writes comments" on public.project_comments for insert to authenticated
  with check (true);
create policy "anyone edits comments" on public.project_comments for update to authenticated
  using (true);
"""


def test_the_first_screen_of_the_rendered_comment_holds_the_security_findings(
    db: Database, project: Project
) -> None:
    base = commit_base(project)
    for i in range(1, 3):
        project.write(f"2025120100000{i}_things_{i}.sql", FLAWED.format(i=i))
    project.write("20251201000009_projects.sql", SECURITY_FIRST)
    page = html_of(markdown.render(run_check(db, base=base)))
    # the first screen: the first 40 lines a reader sees, none of them inside a folded block
    first = page[: page.index("<details")]
    rendered = [line for line in html.unescape(re.sub(r"<[^>]+>", "", first)).splitlines() if line.strip()]
    screen = "\n".join(rendered[:40])
    for rule_id in ("rls-disabled", "policy-always-true-write"):
        assert rule_id in screen, rule_id
    assert "alter table public.projects enable row level security;" in screen  # each with its fix
    assert "public.projects" in screen.split("Access this change opens", 1)[1]  # RLS off + GRANT
    # the conventions come after, folded: none of them is on the first screen
    for rule_id in ("create-without-if-not-exists", "missing-table-comment", "missing-timestamps"):
        assert rule_id not in screen and rule_id in page, rule_id


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
