"""Make text from files inert in GitHub-flavoured Markdown: no mentions, links, HTML or table breaks.

Each function redacts first: an escaped secret (`ghs\\_…`) no longer matches the secret, so the
redaction of the finished comment could not find it any more."""

from __future__ import annotations

import re

from schemagate.secrets import redact

_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:>])")
_ZWSP = "\u200b"


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(text: str, keep: str = "") -> str:
    """Text as it is, with every character that shows nothing or changes how the rest shows
    (bidi overrides such as U+202E, zero-width spaces, controls, line breaks) as an escape:
    a name in a comment must read as what the database holds. Characters in `keep` stay."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in keep else _escaped(c) for c in text)


def _escaped(char: str) -> str:
    code = ord(char)
    return _NAMED.get(char) or (f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")


def _one_line(text: str) -> str:
    """Whitespace collapsed (a newline would end the cell or the item), the rest made visible."""
    return " ".join(visible(redact(text), keep="".join(c for c in set(text) if c.isspace())).split())


def inline(text: str) -> str:
    """Escape text for a Markdown paragraph, list item or table cell."""
    text = _one_line(text)  # no newlines: they would end the cell or the item
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _PUNCTUATION.sub(r"\\\1", text)
    # A zero-width space after @ stops mentions and team pings; after "www" and "://" stops autolinks.
    text = text.replace("@", "@" + _ZWSP)
    text = re.sub(r"(?i)www\\\.", "www" + _ZWSP + r"\\.", text)
    return text.replace(r"\:\/\/", r"\:" + _ZWSP + r"\/\/").replace(r"\:/", r"\:" + _ZWSP + "/")


def html(text: str) -> str:
    """Escape text inside raw HTML (a <summary>): Markdown escapes do not apply there."""
    text = _one_line(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    text = text.replace("@", "@" + _ZWSP)
    return re.sub(r"(?i)(www)\.|(:)//", lambda m: (m[1] or m[2]) + _ZWSP + ("." if m[1] else "//"), text)


def code_block(text: str, language: str = "") -> str:
    """A fenced block that no content can close: the fence is longer than any backtick run inside."""
    text = visible(redact(text), keep="\n\t\r")
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def code(text: str) -> str:
    """An inline code span that no content can close (not for table cells: a pipe ends those)."""
    # no mention, even where one would not ring
    text = _one_line(text).replace("@", "@" + _ZWSP)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
