"""The hard-coded-value rule: literal UUIDs, e-mail addresses, JWTs and API keys in a migration's
string constants, read from the parse tree (a comment or an identifier is never a finding)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from schemagate.findings import rule
from schemagate.statements.sql import Statement

HARD_CODED = rule(
    "hard-coded-value",
    "warning",
    "hardcoded",
    "No hard-coded ids, e-mails or secrets",
    "Hard-coded values do not travel: a literal UUID or e-mail differs per environment, and a "
    "JWT or key in a migration is a leaked secret in git history forever.",
    "-- look values up instead of pasting them:\n"
    "INSERT INTO public.admins (user_id)\n"
    "  SELECT id FROM auth.users WHERE email = current_setting('app.admin_email');",
    bad=("insert into public.admins (user_id)\n  select id from auth.users where email = 'ceo@example.com';"),
    good=(
        "insert into public.admins (user_id)\n"
        "  select id from auth.users where email = current_setting('app.admin_email', true);"
    ),
    before="create table if not exists public.admins (user_id uuid primary key);",
)

_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
_EMAIL = re.compile(r"\b[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}\b", re.I)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")
_KEY = re.compile(
    r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{30,}"
)
_SECRET_PATTERNS = ((_JWT, "a JWT"), (_KEY, "an API key"), (_UUID, "a UUID"), (_EMAIL, "an e-mail address"))
# One pass over a statement's text instead of four; a superset of the four (case-insensitive).
_ANY_SECRET = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _SECRET_PATTERNS), re.I)
_UUID_MARKER = re.compile(r"-[0-9a-fA-F]{4}-")  # starts with a literal, so the scan is quick


def _may_hold_secret(text: str) -> bool:
    # Every match of the four holds one of these; `in` finds them far faster than the regex scans
    marked = (
        "@" in text
        or "eyJ" in text
        or "_live_" in text
        or "_test_" in text
        or "AKIA" in text
        or "gh" in text
        or _UUID_MARKER.search(text) is not None
    )
    return marked and _ANY_SECRET.search(text) is not None


def found_in(stmt: Statement) -> Iterator[str]:
    if not _may_hold_secret(stmt.text):
        return  # cheap: the tree walk below only confirms the match is a string literal
    for key, node, _ in stmt.nodes:
        if key != "A_Const" or "sval" not in node:
            continue
        value = str(node["sval"].get("sval", ""))
        for pattern, label in _SECRET_PATTERNS:
            if pattern.search(value):
                yield label
                break
