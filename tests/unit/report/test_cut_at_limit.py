"""A comment cut at GitHub's size limit closes the code block and the folded part it was cut in,
so that the note saying so reads as text, outside both."""

from __future__ import annotations

import cmarkgfm
from cmarkgfm.cmark import Options

from schemagate.report import markdown

NOTE = "cut at GitHub's size limit"


def _html(text: str) -> str:
    return str(cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE))


def _long_report() -> str:
    statements = [f"create table public.t{i} (id bigint primary key);" for i in range(400)]
    opening = ["### ❌ schemagate", "", "<details><summary>🗂️ Schema changes</summary>", "", "```sql"]
    closing = ["```", "", "</details>", "", "after the block"]
    return "\n".join([*opening, *statements, *closing])


def test_a_cut_inside_a_code_block_in_a_details_closes_both_before_the_note() -> None:
    text = markdown._within(_long_report(), 4_000, len)
    assert len(text) <= 4_000
    page = _html(text)
    note_at = page.index(NOTE)
    assert page.rindex("</code></pre>") < note_at  # the code block ended before the note
    assert page.rindex("</details>") < note_at  # and so did the folded part
    assert "after the block" not in page


def test_a_cut_outside_any_block_adds_no_closer() -> None:
    text = "\n".join(["### ❌ schemagate", *(f"- finding {i}" for i in range(500))])
    cut = markdown._within(text, 2_000, len)
    assert "```" not in cut and "</details>" not in cut and NOTE in cut


def test_a_fence_of_four_backticks_is_closed_by_four() -> None:
    text = "\n".join(["````text", "```", *("x" * 50 for _ in range(200)), "````", "after"])
    page = _html(markdown._within(text, 1_500, len))
    assert page.index("</code></pre>") < page.index(NOTE)
