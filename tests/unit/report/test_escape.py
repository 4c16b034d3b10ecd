"""report/escape.py: exact escapes, and properties on hostile text — however it is made (backtick runs,
HTML, mentions, links, line breaks, the sticky marker, bidi controls), escaped text renders as the
same text in the same place, with every character that shows nothing or reorders the rest (controls,
bidi, zero-width) as a visible escape such as `\u202e`, and the rendered comment keeps the structure
it had without it."""

from __future__ import annotations

import html as html_module
import re

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from hypothesis import given
from hypothesis import strategies as st
from unitcheck import REPLAYED, forget_secrets

from schemagate import secrets
from schemagate.report import escape

ZWSP = "\u200b"
MARKER = "<!-- schemagate:check -->"
HOSTILE = st.lists(
    st.sampled_from(
        [
            *"@<>[]()!*_`|#:/.-+=~\\{}&;\"' \n\r\t",
            "`",
            "```",
            "````",
            "~~~",
            "@team",
            "@org/team",
            "@all",
            "](javascript:alert(1))",
            "[x](http://evil.example)",
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<details>",
            "</summary>",
            "&amp;",
            "&#64;",
            "www.evil.example",
            "WWW.EVIL.EXAMPLE",
            "https://evil.example",
            "mailto:a@b.example",
            "a@b.example",
            MARKER,
            "<!--",
            "-->",
            "\u202e",
            "\u2066",
            "\u200b",
            "1. ",
            "- ",
            "> ",
            "# ",
            "    ",
            "|---|",
            "x",
            "é",
        ]
    ),
    max_size=24,
).map("".join) | st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=40)


def render(markdown: str) -> str:
    return str(cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE))


def tags(page: str) -> list[str]:
    """The page's structure: its tags in order, without text or attributes."""
    return re.findall(r"</?[a-z][a-z0-9]*", page)


def shown(fragment: str) -> str:
    """What a reader sees of an HTML fragment's text: entities decoded, zero-width spaces gone."""
    return html_module.unescape(fragment).replace(ZWSP, "")


NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def as_escape(char: str) -> str:
    """How a reader must see a character that shows nothing: its name or code point, in plain text."""
    code = ord(char)
    return NAMED.get(char) or (f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")


def readable(text: str, keep: str) -> str:
    """The oracle of escape.visible(): printable characters and those in `keep` as they are."""
    return "".join(c if c.isprintable() or c in keep else as_escape(c) for c in text)


def one_line(text: str) -> str:
    """What a one-line place shows: the text redacted (a URL's password is masked by its pattern),
    whitespace collapsed, every other invisible character escaped."""
    text = secrets.redact(text)
    return " ".join(readable(text, keep="".join(c for c in text if c.isspace())).split())


def inert(page: str) -> bool:
    """No character in the rendered page that shows nothing but the zero-width spaces escaping adds."""
    return all(c.isprintable() or c in "\n" + ZWSP for c in page)


INLINE_PLACES = [
    "before\n\n{}\n\nafter",
    "- one\n- {}\n- three",
    "| a | b |\n|---|---|\n| {} | b |",
]


def same_www(text: str) -> str:
    """inline() writes a `WWW.` autolink's letters in lower case (a known quirk, not a structure change)."""
    return re.sub(r"(?i)www\.", "www.", text)


@REPLAYED
@given(HOSTILE.filter(lambda t: t.split() != []), st.sampled_from(INLINE_PLACES))
def test_inline_text_keeps_the_structure_and_reads_as_written(text: str, place: str) -> None:
    page = render(place.format(escape.inline(text)))
    assert tags(page) == tags(render(place.format("x")))
    assert "<a " not in page and MARKER not in page
    assert not re.search(r"@[A-Za-z0-9]", page)
    assert not re.search(r"(?i)www\.|://", page)
    framed = re.search(r"QQ(.*)QQ", render(place.format("QQ" + escape.inline(text) + "QQ")), re.S)
    assert framed is not None
    assert same_www(shown(framed[1])) == same_www(one_line(text))
    assert inert(page)


@REPLAYED
@given(HOSTILE)
def test_a_code_block_holds_any_text_whole(text: str) -> None:
    page = render(f"before\n\n{escape.code_block(text, 'sql')}\n\nafter")
    assert tags(page) == ["<p", "</p", "<pre", "<code", "</code", "</pre", "<p", "</p"]
    body = re.search(r'<pre lang="sql"><code>(.*)</code></pre>', page, re.S)
    assert body is not None
    # the text's line endings, and the one the fence adds, as Markdown reads them; the rest visible
    expected = (
        (readable(secrets.redact(text), keep="\n\t\r") + "\n").replace("\r\n", "\n").replace("\r", "\n")
    )
    assert html_module.unescape(body[1]) == expected
    assert page.endswith("<p>after</p>\n")
    assert all(c.isprintable() or c in "\n\t" for c in page)


@REPLAYED
@given(HOSTILE.filter(lambda t: t.split() != []))
def test_a_code_span_holds_any_text_whole(text: str) -> None:
    page = render(f"before {escape.code(text)} after")
    assert tags(page) == ["<p", "<code", "</code", "</p"]
    body = re.search(r"<code>(.*)</code>", page, re.S)
    assert body is not None
    assert shown(body[1]) == one_line(text)
    assert not re.search(r"@[A-Za-z0-9]", page)
    assert inert(page)


@REPLAYED
@given(HOSTILE)
def test_summary_text_keeps_the_structure_and_reads_as_written(text: str) -> None:
    place = "<details><summary>{}</summary>\n\nbody\n\n</details>"
    page = render(place.format(escape.html(text)))
    assert tags(page) == tags(render(place.format("x")))
    body = re.search(r"<summary>(.*)</summary>", page, re.S)
    assert body is not None
    assert shown(body[1]) == one_line(text)
    assert not re.search(r"@[A-Za-z0-9]", page)
    assert not re.search(r"(?i)www\.|://", body[1])
    assert inert(page)


def test_inline_escapes_exactly() -> None:
    assert escape.inline("a\n  b\tc") == "a b c"
    assert escape.inline("<b>&") == "&lt;b&gt;&amp;"
    assert escape.inline(r"\`*_{}[]()#+-.!|~:>") == r"\\\`\*\_\{\}\[\]\(\)\#\+\-\.\!\|\~\:&gt;"
    assert escape.inline("@team") == "@" + ZWSP + "team"
    assert escape.inline("http://x") == "http\\:" + ZWSP + "//x"
    assert escape.inline("x:/y") == "x\\:" + ZWSP + "/y"


def test_inline_breaks_www_autolinks_in_any_case() -> None:
    assert escape.inline("www.x") == "www" + ZWSP + "\\.x"
    assert escape.inline("WwW.x") == "www" + ZWSP + "\\.x"


def test_html_escapes_exactly() -> None:
    assert escape.html('a\n b <i> & "q"') == "a b &lt;i&gt; &amp; &quot;q&quot;"
    assert escape.html("@x") == "@" + ZWSP + "x"
    assert escape.html("www.x WWW.y") == f"www{ZWSP}.x WWW{ZWSP}.y"
    assert escape.html("a://b") == f"a:{ZWSP}//b"
    assert escape.html("a:/b www") == "a:/b www"


@pytest.mark.parametrize(
    ("text", "block"),
    [
        ("select 1", "```sql\nselect 1\n```"),
        ("a `` b", "```sql\na `` b\n```"),
        ("a ``` b", "````sql\na ``` b\n````"),
        ("`````", "``````sql\n`````\n``````"),
    ],
)
def test_code_block_fence_is_longer_than_any_backtick_run(text: str, block: str) -> None:
    assert escape.code_block(text, "sql") == block


def test_code_block_has_no_language_by_default() -> None:
    assert escape.code_block("x") == "```\nx\n```"


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("a  b\nc", "`a b c`"),
        ("a`b", "``a`b``"),
        ("a``b", "```a``b```"),
        ("`a", "`` `a ``"),
        ("a`", "`` a` ``"),
        ("@x", "`@" + ZWSP + "x`"),
    ],
)
def test_code_span_fence_and_padding(text: str, span: str) -> None:
    assert escape.code(text) == span


@pytest.mark.parametrize(
    ("text", "seen"),
    [
        ("plain é", "plain é"),
        ("a\u202eb", "a\\u202eb"),
        ("\u200b\u2066\ufeff", "\\u200b\\u2066\\ufeff"),
        ("\x1b[2J\x07\x7f", "\\u001b[2J\\u0007\\u007f"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("\U000e0041", "\\U000e0041"),
        ("\uffff\U00010000", "\\uffff\U00010000"),
    ],
)
def test_visible_escapes_exactly(text: str, seen: str) -> None:
    assert escape.visible(text) == seen


def test_visible_keeps_only_what_it_is_told_to() -> None:
    assert escape.visible("a\nb\u202e", keep="\n") == "a\nb\\u202e"
    assert escape.visible("a\tb", keep="\n") == "a\\tb"


def test_invisible_characters_show_as_escapes_in_every_place() -> None:
    assert escape.inline("a\u202eb\x1bc") == "a\\\\u202eb\\\\u001bc"
    assert escape.html("a\u202eb") == "a\\u202eb"
    assert escape.code("a\u200bb") == "`a\\u200bb`"
    assert escape.code_block("a\u202e\nb\r\tc") == "```\na\\u202e\nb\r\tc\n```"
    assert escape.inline("a\u2028b\x85c \n d") == "a b c d"  # line separators are whitespace: one space


def test_a_secret_is_redacted_before_it_is_escaped() -> None:
    secrets.register("s3cr_t")
    try:
        for made in (escape.inline, escape.html, escape.code, escape.code_block):
            assert "s3cr" not in made("x s3cr_t y")
    finally:
        forget_secrets()
