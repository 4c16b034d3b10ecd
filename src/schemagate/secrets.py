"""Keep connection strings and tokens out of every line schemagate writes."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

_registered: set[str] = set()

# key=value DSNs and URLs both carry passwords; these catch ones never registered.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]+)(?P<at>@)", re.I)
_DSN_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<pw>'[^']*'|\S+)", re.I)
MASK = "***"


def register(secret: str | None) -> None:
    """Remember a secret so that redact() removes it wherever it appears."""
    if secret and len(secret) >= 3:
        _registered.add(secret)


def register_url(url: str | None) -> None:
    if not url:
        return
    password = password_of(url)
    if password:
        register(password)
        register(unquote(password))


def registered() -> list[str]:
    return sorted(_registered, key=len, reverse=True)


def password_of(url: str) -> str | None:
    if "://" in url:
        try:
            return urlsplit(url).password
        except ValueError:
            match = _URL_PASSWORD.search(url)
            return match.group("pw") if match else None
    match = _DSN_PASSWORD.search(url)
    return match.group("pw").strip("'") if match else None


def redact(text: str) -> str:
    for secret in registered():
        text = text.replace(secret, MASK)
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}{m['at']}", text)
    return _DSN_PASSWORD.sub(lambda m: f"{m['head']}{MASK}", text)


def mask_url(url: str) -> str:
    """A URL fit to print: user, host, port and database, never the password."""
    return redact(url)
