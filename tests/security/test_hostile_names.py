"""Names and comments from the database are the pull request's text: a table, column, constraint or
policy name may hold a newline, backticks, quotes, `]}`, `%%` or `-->`, and bidi overrides or
zero-width characters that make a name read as another. In the comment none of them may end its
block, add Mermaid lines (links, directives) or headings, or hide what the name really is."""

from __future__ import annotations

import re

from attacks import check_attack

from conftest import Project
from schemagate.report import markdown

HOSTILE = (
    "create table public.parent (id bigint primary key);\n"
    "alter table public.parent enable row level security;\n"
    'create table public."evil\n```\n## heading ]} %% click" (\n'
    "  id bigint primary key,\n"
    '  "col""]}\nx -->|y| z\n`%%{init: {}}%%" bigint references public.parent (id),\n'
    '  "adm\u202enimda" text,\n'
    '  "a\u200bb" int\n'
    ");\n"
    'alter table public."evil\n```\n## heading ]} %% click" enable row level security;\n'
    "comment on table public.parent is 'hello\n```\n# injected';\n"
)
# what a Mermaid erDiagram line of ours may be, and nothing else
_DIAGRAM = re.compile(
    r'erDiagram|  \w+ \{|    \w+ \w+( (PK|FK|UK)(,(PK|FK|UK))*)?|  \}|  \w+ (\|o|\|\|)--o\{ \w+ : "[\w ,]*"'
)


def _blocks(text: str, language: str) -> list[list[str]]:
    """The fenced blocks of a language, each as its lines, as GitHub reads them."""
    found, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        fence = re.fullmatch(r"(`{3,})(\w*)", lines[i])
        if fence is None:
            i += 1
            continue
        end = lines.index(fence[1], i + 1)
        if re.fullmatch(language, fence[2]):
            found.append(lines[i + 1 : end])
        i = end + 1
    return found


def test_names_cannot_break_out_of_the_picture_or_hide_what_they_are(project: Project) -> None:
    report = check_attack(project, HOSTILE, major=17, supabase=True)
    comment = markdown.render(report)
    (diagram,) = _blocks(comment, "mermaid")
    assert [line for line in diagram if not _DIAGRAM.fullmatch(line)] == [], "\n".join(diagram)
    assert sum("--o{" in line for line in diagram) == 1
    (changes,) = _blocks(comment, "diff")
    assert all(line[:2] in {"+ ", "- ", "~ ", "  "} or line.startswith("…") for line in changes), changes
    assert 'public."evil\\n```\\n## heading ]} %% click"' in changes[0]  # the name, as it is
    for hidden in ("\u202e", "\u200b\u0062"):  # the ZWSP after @ is ours; this one is theirs
        assert hidden not in comment
    assert "adm_u202e_nimda" in "\n".join(diagram) and "a_u200b_b" in "\n".join(diagram)
    fenced = {line for block in _blocks(comment, r"\w*") for line in block}
    headings = [line for line in comment.split("\n") if line.startswith("#") and line not in fenced]
    ours = ("### ❌ schemagate", "### ✅ schemagate", "#### 🚨 ")  # the verdict, and the errors' section
    assert [h for h in headings if not h.startswith(ours)] == [], headings


QUOTED = """
create schema if not exists "s""; drop table public.keep; --";
create table if not exists public."t""; drop table public.keep; --" (id int primary key);
alter table public."t""; drop table public.keep; --" enable row level security;
create index if not exists "i""; drop table public.keep; --" on public."t""; drop table public.keep; --" (id);
create policy "p""; drop table public.keep; --" on public."t""; drop table public.keep; --"
  for select to authenticated using (true);
create function public."f""; drop table public.keep; --"() returns int language sql
  set search_path = '' as $$ select 1 $$;
create type public."e""; drop table public.keep; --" as enum ('a''; drop table public.keep; --');
alter table public."t""; drop table public.keep; --" add column "d""; drop table public.keep; --" text;
comment on table public."t""; drop table public.keep; --" is 'x''; drop table public.keep; --';
"""


def test_a_draft_down_migration_keeps_every_name_quoted(project: Project) -> None:
    """A reviewer commits the draft, and a rollback runs it in production: a name that ended its
    quotes there would run the rest as SQL."""
    from pglast import parse_sql

    report = check_attack(project, QUOTED, major=17, supabase=True)
    (migration,) = report.migrations
    assert migration.draft is not None
    statements = parse_sql(migration.draft.text)
    assert len(statements) == 9, migration.draft.text  # one undo per statement, no more
    assert "sval='keep'" not in repr(statements)  # public.keep is only ever part of a name
