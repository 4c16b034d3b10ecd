"""The hard-coded-value rules, read from the parse tree (a comment or an identifier is never a
finding): literal UUIDs, e-mail addresses, JWTs and API keys in a migration's string constants; and
local-only URLs and placeholder secrets in the calls a migration makes out of the database."""

from __future__ import annotations

import re
from collections.abc import Iterator

from schemagate.findings import rule
from schemagate.statements.sql import Statement

HARD_CODED_VALUE = rule(
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


LOCAL_ONLY_VALUE = rule(
    "local-only-value",
    "error",
    "hardcoded",
    "No local-only URLs or placeholder secrets in calls out",
    "A database webhook, `net.http_*` call, vault secret or cron job written on a laptop points at "
    "`localhost`, `host.docker.internal` or the local stack's `kong:8000`, and signs its calls with "
    "a placeholder such as `WEBHOOKSECRET`: applied in production, every call fails or goes "
    "nowhere, and the placeholder is a secret anyone can guess. supabase/seed.sql is local only and "
    "is not judged.",
    "-- read the URL and the secret from Vault, set per environment:\n"
    "select net.http_post(\n"
    "  url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url')\n"
    "         || '/functions/v1/notify',\n"
    "  headers := jsonb_build_object('Authorization', 'Bearer ' || (select decrypted_secret\n"
    "             from vault.decrypted_secrets where name = 'webhook_secret')));",
    bad=(
        "create trigger orders_webhook after insert on public.orders for each row\n"
        "  execute function supabase_functions.http_request(\n"
        "    'http://host.docker.internal:3000/api/webhook', 'POST',\n"
        '    \'{"Content-Type":"application/json","Authorization":"Bearer WEBHOOKSECRET"}\',\n'
        "    '{}', '1000');"
    ),
    good=(
        "create trigger orders_webhook after insert on public.orders for each row\n"
        "  execute function supabase_functions.http_request(\n"
        "    'https://hooks.example.com/api/webhook', 'POST',\n"
        "    '{\"Content-Type\":\"application/json\"}', '{}', '1000');"
    ),
    before="create table if not exists public.orders (id bigint primary key);",
)

# the calls whose values leave the database, or are kept for such calls
_OUTBOUND = frozenset(
    {
        "supabase_functions.http_request",
        "net.http_get",
        "net.http_post",
        "net.http_delete",
        "vault.create_secret",
        "vault.update_secret",
        "cron.schedule",
        "cron.schedule_in_database",
    }
)
# a call named inside a string: a function body, a DO block, a cron job's command
_MENTIONED = re.compile(
    r"\b(?:supabase_functions\.http_request|net\.http_(?:get|post|delete)|vault\.(?:create|update)_secret)\b",
    re.I,
)
_URL = re.compile(r"\bhttps?://(?P<host>\[[0-9a-f:]*\]|[a-z0-9_.-]+)", re.I)
_LOCAL_HOSTS = frozenset({"localhost", "host.docker.internal", "0.0.0.0", "[::1]", "[::]"})
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal")
_BEARER = re.compile(r"\bbearer\s+(?P<token>[^\s\"',}]+)", re.I)
# "Authorization": "…", "apikey": "…", "x-webhook-secret": "…" in a JSON text of headers
_HEADER = re.compile(
    r"\"(?P<name>authorization|apikey|x-[a-z0-9-]*(?:secret|key|token))\"\s*:\s*\"(?P<value>[^\"]*)\"", re.I
)
_SECRET_HEADER = re.compile(r"^(?:authorization|apikey|x-[a-z0-9-]*(?:secret|key|token))$", re.I)
_PLACEHOLDERS = frozenset(
    {
        "webhooksecret",
        "secret",
        "mysecret",
        "supersecret",
        "changeme",
        "changethis",
        "replaceme",
        "placeholder",
        "todo",
        "fixme",
        "password",
        "token",
        "apikey",
        "servicerolekey",
        "anonkey",
        "secretkey",
        "example",
        "dummy",
        "test",
    }
)


def local_host(url_host: str) -> bool:
    """A host only a developer's machine or the local stack's network resolves: a name without a
    dot (`kong`, `supabase_kong_app`) is a container's, never the internet's."""
    host = url_host.lower().rstrip(".")
    return (
        host in _LOCAL_HOSTS
        or host.startswith("127.")
        or host.endswith(_LOCAL_SUFFIXES)
        or ("." not in host and not host.startswith("["))
    )


def placeholder(value: str) -> bool:
    """A secret no one chose: a word from the docs' examples, `xxx`, `your-…`, `<…>`, `{{…}}`."""
    text = value.strip()
    if text.lower().startswith("bearer "):
        text = text[7:].strip()
    word = re.sub(r"[^a-z0-9]", "", text.lower())
    if not word:
        return False  # an empty value is no secret at all: `'Bearer ' || (select …)`
    return (
        word in _PLACEHOLDERS
        or re.fullmatch(r"x{3,}", word) is not None
        or word.startswith("your")
        or (text.startswith("<") and text.endswith(">"))
        or text.startswith(("{{", "${"))
    )


def _called(stmt: Statement) -> set[str]:
    """Every function the statement calls, a trigger's included, as schema.name."""
    named = [node for key, node, _ in stmt.nodes if key == "FuncCall"]
    if stmt.node_type == "CreateTrigStmt":
        named.append(stmt.node)
    return {_name(node) for node in named}


def _name(node: dict[str, object]) -> str:
    parts = node.get("funcname")
    names = parts if isinstance(parts, list) else []
    return ".".join(str(s["String"]["sval"]) for s in names if "String" in s).lower()


def _texts(stmt: Statement) -> list[str]:
    """Every string of the statement: constants, a trigger's arguments, a body's source."""
    found = []
    for key, node, _ in stmt.nodes:
        if key == "A_Const" and "sval" in node:
            found.append(str(node["sval"].get("sval", "")))
        elif key == "String" and node.get("sval"):
            found.append(str(node["sval"]))
    return found


def _pairs(stmt: Statement) -> list[tuple[str, str]]:
    """(key, value) string constants side by side in json(b)_build_object calls: a header each."""
    out = []
    for key, node, _ in stmt.nodes:
        if key != "FuncCall":
            continue
        if _name(node).split(".")[-1] not in {"jsonb_build_object", "json_build_object"}:
            continue
        values = [a.get("A_Const", {}).get("sval", {}).get("sval") for a in node.get("args", ())]
        out += [
            (str(k), str(v)) for k, v in zip(values[::2], values[1::2], strict=False) if k and v is not None
        ]
    return out


def local_values(stmt: Statement) -> Iterator[str]:
    """What in a call out of the database only works on a developer's machine: a local URL, a
    placeholder secret. Only statements that make, schedule or keep such a call are read."""
    texts = _texts(stmt)
    if not (_called(stmt) & _OUTBOUND or any(_MENTIONED.search(t) for t in texts)):
        return
    for text in texts:
        for url in _URL.finditer(text):
            if local_host(url["host"]):
                yield f"local-only URL {url.group(0)}"
        tokens = [m["token"] for m in _BEARER.finditer(text)]
        tokens += [m["value"] for m in _HEADER.finditer(text)]
        if any(placeholder(t) for t in tokens):
            yield "placeholder secret in a header"
    if any(_SECRET_HEADER.match(name) and placeholder(value) for name, value in _pairs(stmt)):
        yield "placeholder secret in a header"
    if any(placeholder(value) for value in _vault_values(stmt)):
        yield "placeholder secret kept in Vault"


def _vault_values(stmt: Statement) -> Iterator[str]:
    """The secret a vault.create_secret or update_secret call keeps: its first string argument
    (update_secret's first is the secret's id)."""
    for key, node, _ in stmt.nodes:
        if key != "FuncCall":
            continue
        name = _name(node)
        args = [a.get("A_Const", {}).get("sval", {}).get("sval") for a in node.get("args", ())]
        position = {"vault.create_secret": 0, "vault.update_secret": 1}.get(name)
        if position is not None and len(args) > position and args[position] is not None:
            yield str(args[position])
