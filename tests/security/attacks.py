"""Attacks a pull request's migration can make on the server, shared by the security tests."""

from __future__ import annotations

# Each ends by writing {mark} from the server, which only a superuser (or a member of
# pg_execute_server_program) can do.
ATTACKS = {
    "grant-in-do-block": """
        do $$ begin execute 'grant pg_execute_server_program to postgres'; end $$;
        copy (select 1) to program 'touch {mark}';
    """,
    "grant-plain": """
        grant pg_execute_server_program to postgres;
        copy (select 1) to program 'touch {mark}';
    """,
    "role-in-reserved-role": """
        create role escape_hatch in role pg_execute_server_program;
        grant escape_hatch to postgres;
        set role escape_hatch;
        copy (select 1) to program 'touch {mark}';
    """,
    "grant-to-api-role": """
        grant pg_execute_server_program to authenticated;
        set role authenticated;
        copy (select 1) to program 'touch {mark}';
    """,
    "fdw-validator": """
        create function public.v(text[], oid) returns void language plpgsql as $f$
        begin
          execute 'copy (select 1) to program ''touch {mark}''';
        end $f$;
        create foreign data wrapper w validator public.v options (a 'b');
    """,
    "self-superuser": """
        alter role postgres superuser;
        copy (select 1) to program 'touch {mark}';
    """,
    "direct": """
        copy (select 1) to program 'touch {mark}';
    """,
    "read-server-files": """
        select length(pg_read_file('/etc/passwd'));
        copy (select 1) to program 'touch {mark}';
    """,
}
