"""The throwaway database answers catalog questions as a fresh hosted project does.

The expected answers are facts read from Supabase's own record of a hosted database, the expected
output of supabase/postgres's tests (`nix/tests/expected/`), kept in `facts/*.json` with the file
and commit each came from. The queries are ours: small catalog questions whose answers those
files record.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg

from conftest import Database

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
