"""Make text from files inert in GitHub-flavoured Markdown: no mentions, links, HTML or table breaks.

Each function redacts first: an escaped secret (`ghs\\_…`) no longer matches the secret, so the
redaction of the finished comment could not find it any more."""

from __future__ import annotations

import re

from schemagate.secrets import redact

_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:>])")
_ZWSP = "\u200b"


def inline(text: str) -> str:
    """Escape text for a Markdown paragraph, list item or table cell."""
    text = " ".join(redact(text).split())  # no newlines: they would end the cell or the item
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _PUNCTUATION.sub(r"\\\1", text)
    # A zero-width space after @ stops mentions and team pings; after "www" and "://" stops autolinks.
    text = text.replace("@", "@" + _ZWSP)
    text = re.sub(r"(?i)www\\\.", "www" + _ZWSP + r"\\.", text)
    return text.replace(r"\:\/\/", r"\:" + _ZWSP + r"\/\/").replace(r"\:/", r"\:" + _ZWSP + "/")


def html(text: str) -> str:
    """Escape text inside raw HTML (a <summary>): Markdown escapes do not apply there."""
    text = " ".join(redact(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    text = text.replace("@", "@" + _ZWSP)
    return re.sub(r"(?i)(www)\.|(:)//", lambda m: (m[1] or m[2]) + _ZWSP + ("." if m[1] else "//"), text)


def code_block(text: str, language: str = "") -> str:
    """A fenced block that no content can close: the fence is longer than any backtick run inside."""
    text = redact(text)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def code(text: str) -> str:
    """An inline code span that no content can close (not for table cells: a pipe ends those)."""
    # no mention, even where one would not ring
    text = " ".join(redact(text).split()).replace("@", "@" + _ZWSP)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
