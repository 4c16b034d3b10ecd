"""What a failed statement means: where in the file it failed, and whether hosted Supabase would
refuse it too, said only where that is known.

The engine hands over the server's error and the statement; this turns them into a
MigrationFailed whose fields (sqlstate, message, hint, outcome) the front ends compose.
"""

from __future__ import annotations

import re

import psycopg
from pglast import parser as pg_parser
from psycopg.errors import (
    FeatureNotSupported,
    InsufficientPrivilege,
    UndefinedFunction,
    UndefinedObject,
    UnsafeNewEnumValueUsage,
)

from schemagate.database.server.extensions import PRIVILEGED, STANDIN_MARK
from schemagate.database.server.hardening import SERVER_ACCESS_ROLES
from schemagate.database.server.hosted import ALLOWED_SETTING_FAMILIES, ALLOWED_SETTINGS, MANAGED_SCHEMAS
from schemagate.errors import MigrationFailed, Unverified
from schemagate.statements.sql import LineIndex, ParsedMigration, Statement
from schemagate.statements.tree import mappings

_PLPGSQL_LINE = re.compile(r"PL/pgSQL function (?P<fn>\S+) line (?P<line>\d+)")
_PARAMETER = re.compile(r'permission denied to set parameter "(?P<name>[^"]+)"')
_EXTENSION = re.compile(r'extension "(?P<name>[^"]+)" is not available')
_REFUSED_OBJECT = re.compile(
    r"(?:permission denied for|must be owner of) "
    r'(?P<kind>table|relation|schema|view|sequence|function) "?(?P<name>[^"\s]+)'
)
_ANN_METHOD = re.compile(r"\busing\s+(hnsw|ivfflat)\b", re.IGNORECASE)
# pgvector's half-precision and sparse types, which hosted's vector has (vector_to_halfvec and
# vector_to_sparsevec in supabase/postgres nix/tests/expected/z_17_ext_interface.out at 14d7f89)
# and the stand-in, or a pgvector before 0.7, has not
_VECTOR_TYPE = re.compile(
    r'(?:type|operator class) "(?:[^"]+\.)?(?P<name>(?:halfvec|sparsevec)\w*)" does not exist'
)
_CREATE_EXTENSION = re.compile(r'permission denied to create extension "(?P<name>[^"]+)"')


def statement_line(parsed: ParsedMigration, stmt: Statement, exc: psycopg.Error, sent_at: int) -> int:
    """The file line of the error: the server's position is relative to the text sent at sent_at."""
    diag = exc.diag
    if diag.statement_position:
        offset = sent_at + int(diag.statement_position) - 1
        return LineIndex(parsed.migration.text).position(offset)[0]
    match = _PLPGSQL_LINE.search(diag.context or "")
    body = _body_line(stmt) if match else None
    if match and body is not None:
        return body + int(match["line"]) - 1
    return stmt.line


def _body_line(stmt: Statement) -> int | None:
    """The file line where a DO block's or function's body string begins."""
    if stmt.node_type not in {"DoStmt", "CreateFunctionStmt"}:
        return None
    try:
        tokens = pg_parser.scan(stmt.text)
    except Exception:
        return None
    for token in tokens:
        if token.name == "SCONST" and stmt.text[token.start] == "$":
            return stmt.line + stmt.text.count("\n", 0, token.start)
    return None


def failure(
    parsed: ParsedMigration,
    stmt: Statement | None,
    exc: psycopg.Error,
    *,
    shim: bool,
    already_ran: int = 0,
    sent_at: int | None = None,
) -> MigrationFailed:
    m = parsed.migration
    line = statement_line(parsed, stmt, exc, stmt.start if sent_at is None else sent_at) if stmt else None
    primary = exc.diag.message_primary or (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    lost = isinstance(exc, psycopg.OperationalError) and not (exc.sqlstate or "").startswith(("55", "57014"))
    if parsed.transaction_splits() and already_ran:
        outcome = f"the parts of {m.filename} its own COMMITs ended before this stay applied"
    elif not parsed.transactional and already_ran:
        outcome = f"{already_ran} statement(s) before it ran outside a transaction and stay applied"
    elif lost:
        outcome = f"the connection was lost; {m.filename} was not committed, rerun to continue"
    else:
        outcome = f"{m.filename} was rolled back"
    kind = Unverified if shim and ours(stmt, exc, primary) else MigrationFailed
    return kind(
        primary,
        path=m.path,
        line=line,
        sqlstate=exc.sqlstate or "connection",
        hint=_remedy(exc)
        or _server_access(stmt, primary)
        or (supabase_verdict(stmt, exc, primary) if shim else _plain_verdict(exc)),
        detail=exc.diag.message_detail,
        outcome=outcome,
    )


def ours(stmt: Statement | None, exc: psycopg.Error, message: str) -> bool:
    """Whether the failure is a gap of the throwaway database's rather than the project's fault:
    an extension hosted Supabase offers that this server lacks, a stand-in's limit, or what
    supautils allows and the shim cannot emulate. Then nothing is known of hosted's verdict."""
    if isinstance(exc, FeatureNotSupported) and (found := _EXTENSION.search(message)):
        return found["name"] in PRIVILEGED
    said = " ".join(part or "" for part in (message, exc.diag.message_detail, exc.diag.context))
    if STANDIN_MARK in said:
        return True
    if stmt is not None and _standin_index_parameters(stmt, message):
        return True
    if _family_setting(message) and not _database_setting(stmt):
        return True
    if isinstance(exc, UndefinedObject | UndefinedFunction) and _VECTOR_TYPE.search(message):
        return True
    if _refused_for_the_runner(exc):
        return True
    return isinstance(exc, InsufficientPrivilege) and "event trigger" in message


# The hint of the shim's own refusals of a route to the runner's superuser (90_supautils.sql): a
# CREATE FOREIGN DATA WRAPPER whose validator is not its handler's own, a trigger on a superuser's
# table. Hosted Supabase runs CREATE FOREIGN DATA WRAPPER as its superuser whatever the validator
# (supabase/supautils src/supautils.c, case T_CreateFdwStmt), so the refusal is a gap of the
# throwaway database's, not the project's fault. Raised by the shim's own functions only: a
# project's RAISE with the same hint must not pass for a gap of ours (the schemagate schema is
# supabase_admin's, so no function of the project's is named there).
_RUNNER_RIGHTS = "the runner's rights"
_SHIM_FUNCTION = "PL/pgSQL function schemagate."


def _refused_for_the_runner(exc: psycopg.Error) -> bool:
    return (
        isinstance(exc, InsufficientPrivilege)
        and _RUNNER_RIGHTS in (exc.diag.message_hint or "")
        and (exc.diag.context or "").startswith(_SHIM_FUNCTION)
    )


def _database_setting(stmt: Statement | None) -> bool:
    """ALTER DATABASE ... SET: supautils lifts it for no setting (supabase/supautils src/supautils.c
    has no case for it), so a setting PostgreSQL keeps from postgres is refused on hosted too."""
    return stmt is not None and stmt.node_type == "AlterDatabaseSetStmt"


def _family_setting(message: str) -> str | None:
    """The family hosted lets postgres set (`pgrst.`) that a refused setting belongs to."""
    found = _PARAMETER.search(message)
    name = found["name"] if found else ""
    return next((family for family in ALLOWED_SETTING_FAMILIES if name.startswith(family)), None)


def _remedy(exc: psycopg.Error) -> str | None:
    """The way out of a failure every PostgreSQL gives, where there is one."""
    if isinstance(exc, UnsafeNewEnumValueUsage):
        return (
            "a new enum value cannot be used in the transaction that adds it, and each migration is "
            "one transaction (here and in supabase db push): move the ALTER TYPE … ADD VALUE into a "
            "migration of its own, before this one"
        )
    return None


def _server_access(stmt: Statement | None, message: str) -> str | None:
    """A grant of a role that reaches the server's OS, refused: say which and why, shim or not."""
    if message != "must be superuser to alter superusers" or stmt is None:
        return None
    named = [role for role in SERVER_ACCESS_ROLES if role in stmt.text.lower()]
    if not named:
        return None
    return (
        f'"{named[0]}" role memberships are reserved, only superusers can grant them: hosted Supabase '
        "refuses it too (supautils' reserved_memberships), as do managed PostgreSQL services"
    )


def _plain_verdict(exc: psycopg.Error) -> str | None:
    """A plain project's migration refused for want of a superuser's rights."""
    if not isinstance(exc, InsufficientPrivilege):
        return None
    return (
        "migrations run as the database's owner, which is no superuser (as on RDS or Cloud SQL); "
        "a project whose migrations need one says superuser: true in .github/schemagate.yml"
    )


def supabase_verdict(stmt: Statement | None, exc: psycopg.Error, message: str) -> str | None:
    """What hosted Supabase does with a statement the throwaway database refused, where known."""
    if stmt is not None and _standin_index_parameters(stmt, message):
        return (
            "the throwaway server's vector is a stand-in, which takes no index parameters: install "
            "pgvector for it, or run the check on a server whose pgvector is real (the bundled "
            "PostgreSQL 16)"
        )
    if found := _VECTOR_TYPE.search(message):
        return (
            f"hosted Supabase's pgvector (0.8) has {found['name']}; this server's vector (the stand-in, or "
            "a pgvector before 0.7) has not: install pgvector 0.7 or later for it"
        )
    if isinstance(exc, FeatureNotSupported) and (found := _EXTENSION.search(message)):
        if found["name"] in PRIVILEGED:
            return (
                f"hosted Supabase offers {found['name']}, this server does not have it: install it "
                "(docs/throwaway-database.md lists which are real where), or use a server that has it"
            )
        return f"hosted Supabase does not offer {found['name']} either"
    if not isinstance(exc, InsufficientPrivilege):
        return None
    if (family := _family_setting(message)) and _database_setting(stmt):
        return (
            f"hosted Supabase refuses it too: supautils lets postgres set {family}* for a role (ALTER "
            "ROLE … SET), not for the database, and PostgreSQL keeps a setting it does not know for "
            "superusers: use ALTER ROLE authenticator SET, as Supabase's guides do"
        )
    if family:
        return (
            f"hosted Supabase lets postgres set {family}* (supautils' privileged_role_allowed_configs); "
            "PostgreSQL grants a setting by its name only, so the throwaway database cannot"
        )
    return _refused(stmt, message, exc.diag.message_hint or "")


# storage.protect_delete's message (supabase/storage migrations/tenant/0055-prevent-direct-deletes.sql)
STORAGE_DELETE_REFUSED = "Direct deletion from storage tables is not allowed"


def _refused(stmt: Statement | None, message: str, hint: str) -> str | None:
    if (found := _PARAMETER.search(message)) and found["name"] not in ALLOWED_SETTINGS:
        return (
            "hosted Supabase refuses it too: postgres may set only the superuser settings supautils "
            f"allows ({', '.join(sorted(ALLOWED_SETTINGS)[:4])}, …)"
        )
    if (found := _CREATE_EXTENSION.search(message)) and found["name"] not in PRIVILEGED:
        return (
            f"hosted Supabase refuses it too: {found['name']} is not among the extensions supautils "
            "lets postgres create"
        )
    if "event trigger" in message:
        return (
            "hosted Supabase lets postgres create event triggers (supautils); the throwaway "
            "database cannot yet, so this is no verdict on Supabase"
        )
    if message.startswith(STORAGE_DELETE_REFUSED):
        return (
            "hosted Supabase refuses it too: supabase/storage's protect_delete triggers refuse a DELETE on "
            "storage.buckets or storage.objects that does not come from the Storage API, even when no "
            "row matches (the stored files would be orphaned): delete through the Storage API"
        )
    if _RUNNER_RIGHTS in hint:
        hosted = (
            "hosted Supabase runs it as its superuser whatever the validator (supautils)"
            if "FOREIGN DATA WRAPPER" in message
            else "what hosted Supabase does with it is not known here"
        )
        return f"{hosted}, and schemagate refuses it: {hint}"
    if "superuser" in (message + hint).lower() or message.startswith("permission denied to set role"):
        return "hosted Supabase refuses it too: migrations run as postgres, which is no superuser there"
    schema = _refused_schema(stmt, message) if stmt is not None else None
    if schema:
        return (
            f"hosted Supabase refuses it too: schema {schema} belongs to Supabase's own services, "
            "and postgres may use its tables but not create in it or alter them"
        )
    return None


def _refused_schema(stmt: Statement, message: str) -> str | None:
    """The managed schema of the object the server refused, named by the message ("permission
    denied for table secrets" in a statement that also names auth.users is vault's refusal); the
    statement's only managed schema where the message names no object of it."""
    named = _schemas(stmt) & MANAGED_SCHEMAS
    found = _REFUSED_OBJECT.search(message)
    if found and found["kind"] == "schema":
        return found["name"] if found["name"] in MANAGED_SCHEMAS else None
    owners = {schema for schema, relation in _relations(stmt) if found and relation == found["name"]}
    if owners:  # the statement names the refused object: its schema decides
        return min(owners & MANAGED_SCHEMAS, default=None)
    return next(iter(named)) if len(named) == 1 else None


def _relations(stmt: Statement) -> set[tuple[str, str]]:
    """The schema-qualified relations a statement names, as (schema, relation)."""
    return {
        (current["schemaname"], current["relname"])
        for current in mappings(stmt.node)
        if isinstance(current.get("schemaname"), str) and isinstance(current.get("relname"), str)
    }


def _schemas(stmt: Statement) -> set[str]:
    """The schemas a statement names: of its relations (RangeVars, typed or not), functions and
    types."""
    found = set()
    for current in mappings(stmt.node):
        if isinstance(current.get("schemaname"), str):
            found.add(current["schemaname"])
        names = current.get("List", {}).get("items") if isinstance(current.get("List"), dict) else None
        if names and len(names) > 1 and "String" in names[0]:  # a qualified name: schema first
            found.add(str(names[0]["String"]["sval"]))
    for key in ("funcname", "defnames", "typeName"):
        names = stmt.node.get(key)
        if isinstance(names, list) and len(names) > 1 and "String" in names[0]:
            found.add(str(names[0]["String"]["sval"]))
    return found


def _standin_index_parameters(stmt: Statement, message: str) -> bool:
    """An hnsw/ivfflat index with WITH (m = ..) refused by the vector stand-in's index method,
    written as a CREATE INDEX or run by a DO block's or function's EXECUTE (real pgvector takes
    these parameters, so the refusal can only be the stand-in's)."""
    if not message.startswith("unrecognized parameter"):
        return False
    if stmt.node_type == "IndexStmt":
        return stmt.node.get("accessMethod") in {"hnsw", "ivfflat"}
    return _ANN_METHOD.search(stmt.text) is not None
