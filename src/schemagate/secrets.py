"""Keep connection strings and tokens out of every line schemagate writes."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import unquote

_registered: set[str] = set()

# key=value DSNs and URLs both carry passwords; these catch ones never registered. A URL's password
# runs to the token's LAST @: one written unencoded may hold @, /, # or ? itself.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>\S{1,1024})(?P<at>@)", re.I)
_QUERY_PASSWORD = re.compile(r"[?&]password=(?P<pw>[^&]*)", re.I)
_DSN_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<pw>'[^']*'|\S+)", re.I)
MASK = "***"
_ENCODED_FROM = 8  # characters: a secret this long is also masked in base64


def register(secret: str | None) -> None:
    """Remember a secret so that redact() removes it wherever it appears, and a long one in the
    base64 forms a runner keeps it in: git's http.extraheader as actions/checkout writes it
    (`AUTHORIZATION: basic <base64 of x-access-token:TOKEN>`), and the secret alone. Short ones
    are not encoded: four base64 letters would mask words that merely look like them."""
    if secret and len(secret) >= 3:
        _registered.add(secret)
    if secret and len(secret) >= _ENCODED_FROM:
        for form in (secret, f"x-access-token:{secret}"):
            _registered.add(base64.b64encode(form.encode()).decode())


def register_url(url: str | None) -> None:
    if not url:
        return
    for password in (password_of(url), *_query_passwords(url)):
        for candidate in _cuts(password or ""):
            register(candidate)
            register(unquote(candidate))


def _cuts(password: str) -> list[str]:
    """The password and each part of it before an @: which one libpq reads depends on whether the
    @ was meant in the password or in the query, so all of them are secret."""
    return [password[:i] for i, c in enumerate(password) if c == "@"] + [password]


def registered() -> list[str]:
    return sorted(_registered, key=len, reverse=True)


def split_url(url: str) -> tuple[str, str | None, str]:
    """scheme, user info (None without an @) and the host part of a URL, cut at the LAST @.

    A URL parser (and libpq) cuts at the first @ or /, and reads the rest of a password written
    unencoded as a host or a database name, which then shows in every message that names them.
    A host holds no @, so whatever comes before the last one is user info, and nothing after it
    is part of a password."""
    scheme, _, rest = url.partition("://")
    info, at, host = rest.rpartition("@")
    return scheme, (info if at else None), host


def password_of(url: str) -> str | None:
    """The password a connection string carries, however badly it is encoded, or None."""
    if "://" in url:
        info = split_url(url)[1]
        if info is None or ":" not in info:
            return None
        return info.split(":", 1)[1] or None
    match = _DSN_PASSWORD.search(url)
    return match.group("pw").strip("'") if match else None


def _query_passwords(url: str) -> list[str]:
    """`?password=` in a URL's query: libpq takes it over the user info's."""
    return [m["pw"] for m in _QUERY_PASSWORD.finditer(split_url(url)[2])] if "://" in url else []


def redact(text: str) -> str:
    for secret in registered():
        text = text.replace(secret, MASK)
        # as a JSON string holds it (report.json, SARIF): quotes, backslashes, non-ASCII escaped
        text = text.replace(json.dumps(secret)[1:-1], MASK)
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}{m['at']}", text)
    return _DSN_PASSWORD.sub(lambda m: f"{m['head']}{MASK}", text)


def mask_url(url: str) -> str:
    """A URL fit to print: user, host, port and database, never the password."""
    if "://" in url:
        scheme, info, host = split_url(url)
        if info is not None and ":" in info:
            url = f"{scheme}://{info.split(':', 1)[0]}:{MASK}@{host}"
    return redact(url)
