"""The throwaway database answers catalog questions as a fresh hosted project does.

The expected answers are facts read from Supabase's own record of a hosted database, the expected
output of supabase/postgres's tests (`nix/tests/expected/`), kept in `facts/*.json` with the file
and commit each came from. The queries are ours: small catalog questions whose answers those
files record.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from conftest import Database
from schemagate.database.server import binaries
from schemagate.database.server.sandbox import throwaway

FACTS = Path(__file__).with_name("facts")


def _facts(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FACTS / name).read_text())
    return loaded


def _rows(conn: psycopg.Connection[tuple[object, ...]], query: str, *params: object) -> set[tuple[str, ...]]:
    return {tuple(str(v) for v in row) for row in conn.execute(query.encode(), params).fetchall()}


def _functions(conn: psycopg.Connection[tuple[object, ...]], extension: str) -> set[tuple[str, ...]]:
    """(schema, name, identity arguments, result) of every function an extension made."""
    return _rows(
        conn,
        "select n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), "
        "pg_get_function_result(p.oid) "
        "from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
        "join pg_depend d on d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e' "
        "join pg_extension e on e.oid = d.refobjid where e.extname = %s",
        extension,
    )


def test_pgmq_has_every_function_hosted_has_with_its_signature(db: Database) -> None:
    """pgmq as a new hosted project gets it: every function, argument types and result, in the
    pgmq schema (z_17_ext_interface.out). The stand-in may add helpers of its own, named `_…`."""
    fact = _facts("ext_interface.json")["pgmq"]
    hosted = {(fact["schema"], f["name"], f["arguments"], f["result"]) for f in fact["functions"]}
    with db.connect() as conn:
        conn.execute(b"create extension pgmq")
        here = _functions(conn, "pgmq")
    assert hosted - here == set()
    helpers = {"_table", "_create", "_send", "_partman_gap"}
    assert {name for _schema, name, _args, _result in here - hosted} <= helpers


# the 29 roles roles.out lists: a role of ours beyond them (supabase_realtime_admin, made by the
# Realtime service on hosted) is not compared
RECORDED_ROLES = frozenset(
    {
        *_facts("fresh_project.json")["role_attributes"],
        "pg_checkpoint", "pg_database_owner", "pg_execute_server_program", "pg_monitor", "pg_read_all_data",
        "pg_read_all_settings", "pg_read_all_stats", "pg_read_server_files", "pg_signal_backend",
        "pg_stat_scan_tables", "pg_write_all_data", "pg_write_server_files", "pgsodium_keyholder",
        "pgsodium_keyiduser", "pgsodium_keymaker", "pgtle_admin", "supabase_auth_admin",
    }
)  # fmt: skip


@pytest.fixture(scope="module", params=[15, 16, 17])
def fresh(request: pytest.FixtureRequest) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A superuser's connection to a fresh throwaway database with the shim, on each major."""
    major = int(request.param)
    # only while the servers are looked up: left in the worker's environment, it made every later
    # test's project without a config run on 17, where pgTAP is not installed
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCHEMAGATE_PG_PATH", os.environ.get("SCHEMAGATE_TEST_PG_PATH", ""))
        found = [b for b in binaries.installed() if b.major == major]
    if not found:
        pytest.skip(f"PostgreSQL {major} is not installed")
    with (
        throwaway(supabase=True, pg_bin=str(found[0].bindir)) as box,
        psycopg.connect(box.admin_url, autocommit=True) as conn,
    ):
        yield conn


def test_roles_have_hosted_s_attributes(fresh: psycopg.Connection[tuple[object, ...]]) -> None:
    expected = _facts("fresh_project.json")["role_attributes"]
    columns = ", ".join(next(iter(expected.values())))
    found = {
        str(row[0]): dict(zip(next(iter(expected.values())), row[1:], strict=True))
        for row in fresh.execute(
            f"select rolname, {columns} from pg_roles where rolname = any(%s)".encode(), (list(expected),)
        )
    }
    assert found == expected


def test_roles_are_members_of_what_hosted_makes_them(fresh: psycopg.Connection[tuple[object, ...]]) -> None:
    """Membership as the record has it, and none of the service admins for postgres (it can
    become none of them, with SET or by inheriting)."""
    facts = _facts("fresh_project.json")
    members = _rows(
        fresh,
        "select r.rolname, g.rolname from pg_auth_members m join pg_roles r on r.oid = m.member "
        "join pg_roles g on g.oid = m.roleid",
    )
    assert {tuple(pair) for pair in facts["memberships"]} <= members
    sixteen = int(str(fresh.execute(b"show server_version_num").fetchone()[0])) >= 160000  # type: ignore[index]
    can_become = _rows(
        fresh,
        "select g.rolname from pg_roles g where pg_has_role('postgres', g.oid, 'USAGE') "
        + ("or pg_has_role('postgres', g.oid, 'SET')" if sixteen else ""),
    )
    assert {(role,) for role in facts["not_members"]["postgres"]} & can_become == set()


def test_role_settings_are_hosted_s(fresh: psycopg.Connection[tuple[object, ...]]) -> None:
    expected = _facts("fresh_project.json")["role_settings"]
    found = {
        str(row[0]): sorted(str(v) for v in row[1] or [])  # type: ignore[attr-defined]
        for row in fresh.execute(
            b"select r.rolname, s.setconfig from pg_roles r join pg_db_role_setting s "
            b"on s.setrole = r.oid and s.setdatabase = 0 where r.rolname = any(%s)",
            (list(expected),),
        )
    }
    assert found == {role: sorted(settings) for role, settings in expected.items()}


def test_public_and_extensions_schemas_grant_what_hosted_grants(
    fresh: psycopg.Connection[tuple[object, ...]],
) -> None:
    facts = _facts("fresh_project.json")
    for privilege, key in (("USAGE", "schema_usage"), ("CREATE", "schema_create")):
        for schema, grantees in facts[key].items():
            found = _rows(
                fresh,
                "select a.grantee::regrole::text from pg_namespace n "
                "cross join lateral aclexplode(n.nspacl) a "
                "where n.nspname = %s and a.privilege_type = %s and a.grantee not in (0, n.nspowner) "
                "and a.grantee::regrole::text = any(%s)",
                schema,
                privilege,
                sorted(RECORDED_ROLES - {"postgres", "supabase_admin"}),
            )
            assert found == {(g,) for g in grantees}, (schema, privilege)
    for schema, privileges in facts["schema_postgres_has"].items():
        for privilege in privileges:
            assert fresh.execute(
                b"select has_schema_privilege('postgres', %s, %s)", (schema, privilege)
            ).fetchone() == (True,)


def test_default_privileges_are_hosted_s(fresh: psycopg.Connection[tuple[object, ...]]) -> None:
    """What postgres and supabase_admin (a privileged extension's objects) make in public and
    extensions is granted as on hosted (MAINTAIN, new in 17, left out as the record does)."""
    facts = _facts("fresh_project.json")["default_privileges"]
    expected = {
        (d["schema"], d["for_role"], d["objects"], d["grantee"], ",".join(sorted(d["privileges"])))
        for d in facts
    }
    found = _rows(
        fresh,
        "select n.nspname, d.defaclrole::regrole::text, d.defaclobjtype::text, a.grantee::regrole::text, "
        "string_agg(a.privilege_type, ',' order by a.privilege_type) "
        "from pg_default_acl d join pg_namespace n on n.oid = d.defaclnamespace "
        "cross join lateral aclexplode(d.defaclacl) a "
        "where n.nspname = any(%s) and a.privilege_type <> 'MAINTAIN' and a.grantee::regrole::text = any(%s) "
        "group by 1, 2, 3, 4",
        sorted({d["schema"] for d in facts}),
        ["anon", "authenticated", "postgres", "service_role"],
    )
    assert expected <= found
