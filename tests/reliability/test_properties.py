"""Property-based: the statement splitter and the report's escaping, on inputs nobody wrote by hand."""

from __future__ import annotations

import re
from pathlib import Path

import cmarkgfm
from cmarkgfm.cmark import Options
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemagate.errors import InputError
from schemagate.files.migrations import Migration
from schemagate.report.escape import inline
from schemagate.statements.sql import parse

PIECES = st.sampled_from(
    [
        "select 1",
        "create table t (id int)",
        "'a;b'",
        "$$ x; y $$",
        "$q$;$q$",
        "-- c;\n",
        "/* ; */",
        ";",
        "\n",
        " ",
        "do $$ begin perform 1; end $$",
        "insert into t values (1)",
        "begin",
        "commit",
        "é",
        "\\i x",
        "'",
        "$$",
        "(",
        ")",
        "create function f() returns int language sql begin atomic select 1; end",
    ]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(PIECES, max_size=12).map("".join) | st.text(max_size=80))
def test_the_splitter_never_crashes_and_statements_are_slices_of_the_file(text: str) -> None:
    try:
        parsed = parse(Migration("1", "x", Path("1_x.sql"), text, ""))
    except InputError as exc:
        assert exc.line is None or exc.line >= 1
        return
    previous_end = 0
    for statement in parsed.statements:
        assert statement.start >= previous_end  # in order, never overlapping
        assert text[statement.start : statement.start + len(statement.text)] == statement.text
        assert text.count("\n", 0, statement.start) + 1 == statement.line
        previous_end = statement.start + len(statement.text)
    rebuilt = " ".join(" ".join(s.split()) for s in parsed.history_statements)
    for statement in parsed.statements:  # every statement survives into the history format
        assert " ".join(statement.text.split()) in rebuilt


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from([*"@<>[]()!*_`|#:/.-wht psa\n&;\"'=", "://", "www.", "@all", "https://x.io"]),
        max_size=30,
    ).map("".join)
    | st.text(max_size=60)
)
def test_escaped_text_never_renders_as_a_mention_link_or_tag(text: str) -> None:
    page = cmarkgfm.github_flavored_markdown_to_html(
        f"| a |\n|---|\n| {inline(text)} |", options=Options.CMARK_OPT_UNSAFE
    )
    assert "<a " not in page
    tags = set(re.findall(r"</?([a-z]+)", page))
    assert tags <= {"table", "thead", "tr", "th", "tbody", "td"}, tags
    assert not re.search(r"@[A-Za-z0-9]", page)
    assert page.count("<tr>") <= 2  # no newline or pipe broke out of the cell
