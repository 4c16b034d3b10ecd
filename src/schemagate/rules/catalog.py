"""Rules that ask the catalog after the migrations ran: one set-based query per rule.

Each query takes the tables (and functions, views, extensions) that the change's new migrations
created or touched, so a 2,000-table schema costs the same dozen queries as a 2-table one.
Where a rule matches a Supabase database-advisor lint (splinter), `alias` carries its name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from schemagate.rules import Rule, rule

if TYPE_CHECKING:
    from schemagate.connection import Connection


@dataclass
class Scope:
    tables: list[int] = field(default_factory=list)  # oids of judged tables
    created: list[int] = field(default_factory=list)  # oids of tables the change created
    functions: list[str] = field(default_factory=list)  # schema.name created or replaced
    views: list[str] = field(default_factory=list)
    extensions: list[str] = field(default_factory=list)
    schemas: list[str] = field(default_factory=lambda: ["public"])


RLS_DISABLED = rule(
    "rls-disabled",
    "error",
    "rls",
    "RLS is enabled on every table",
    "Tables in an exposed schema are reachable through the Data API with the anon key; without "
    "row level security every row is readable and writable by anyone.",
    "ALTER TABLE public.things ENABLE ROW LEVEL SECURITY;",
    alias="rls_disabled_in_public",
)
RLS_NO_POLICY = rule(
    "rls-enabled-no-policy",
    "warning",
    "policies",
    "Every RLS table has policies",
    "RLS with no policy denies everything to anon and authenticated: usually a forgotten policy.",
    'CREATE POLICY "owners read" ON public.things FOR SELECT TO authenticated\n'
    "  USING ((SELECT auth.uid()) = user_id);",
    alias="rls_enabled_no_policy",
)
POLICY_RLS_OFF = rule(
    "policy-exists-rls-disabled",
    "error",
    "rls",
    "Policies only exist where RLS is on",
    "Policies do nothing while RLS is disabled: the table looks protected and is not.",
    "ALTER TABLE public.things ENABLE ROW LEVEL SECURITY;",
    alias="policy_exists_rls_disabled",
)
UNINDEXED_FK = rule(
    "unindexed-foreign-key",
    "warning",
    "fk-index",
    "Foreign keys are indexed",
    "Joins and ON DELETE checks on an unindexed foreign key scan the whole child table (the seed's "
    "mistake 3).",
    "CREATE INDEX IF NOT EXISTS orders_customer_id_idx ON public.orders (customer_id);",
    alias="unindexed_foreign_keys",
)
NO_PRIMARY_KEY = rule(
    "no-primary-key",
    "warning",
    "safety",
    "Tables have a primary key",
    "Without a primary key rows cannot be addressed reliably, and logical replication (realtime) "
    "cannot send updates or deletes.",
    "ALTER TABLE public.things ADD COLUMN IF NOT EXISTS id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;",
    alias="no_primary_key",
)
DUPLICATE_INDEX = rule(
    "duplicate-index",
    "warning",
    "fk-index",
    "No duplicate indexes",
    "Identical indexes double the write cost and storage for nothing.",
    "DROP INDEX IF EXISTS public.things_x_idx1;",
    alias="duplicate_index",
)
TIMESTAMPS = rule(
    "missing-timestamps",
    "warning",
    "timestamps",
    "New tables have created_at and updated_at",
    "The seed's checklist asks for timestamptz created_at/updated_at on every table: they answer "
    "'when did this change' in every incident.",
    "created_at timestamptz NOT NULL DEFAULT now(),\nupdated_at timestamptz NOT NULL DEFAULT now()",
)
TABLE_COMMENT = rule(
    "missing-table-comment",
    "warning",
    "comments",
    "New tables have a COMMENT",
    "The seed's checklist: comments document what a row means, where the next reader looks.",
    "COMMENT ON TABLE public.things IS 'What one row of things means';",
)
DEFINER_SEARCH_PATH = rule(
    "security-definer-search-path",
    "error",
    "security",
    "SECURITY DEFINER functions fix search_path",
    "A SECURITY DEFINER function resolves names through the caller's search_path, so a caller can "
    "shadow a table or function and run code with the owner's rights.",
    "CREATE OR REPLACE FUNCTION public.f() RETURNS ... LANGUAGE sql SECURITY DEFINER\n  SET search_path = ''\n  AS $$ ... $$;",
    alias="function_search_path_mutable",
)
# Supabase's advisor flags every function without a fixed search_path; the SECURITY DEFINER ones are
# the dangerous ones, so they are an error above and the others only a warning here.
INVOKER_SEARCH_PATH = rule(
    "function-search-path-mutable",
    "warning",
    "security",
    "Functions fix search_path",
    "A function without a fixed search_path resolves names through whichever search_path the "
    "caller has: the same call can reach different tables, and becomes an attack if it is ever "
    "made SECURITY DEFINER.",
    "CREATE OR REPLACE FUNCTION public.f() RETURNS ... LANGUAGE plpgsql\n  SET search_path = ''\n  AS $$ ... $$;",
    alias="function_search_path_mutable",
)
DEFINER_EXPOSED = rule(
    "security-definer-executable",
    "warning",
    "security",
    "SECURITY DEFINER functions are not public API",
    "anon/authenticated can call this SECURITY DEFINER function through the Data API (/rpc) and run "
    "it with its owner's rights, bypassing RLS.",
    "REVOKE EXECUTE ON FUNCTION public.f() FROM anon, authenticated, public;",
)
VIEW_BYPASSES_RLS = rule(
    "view-bypasses-rls",
    "error",
    "rls",
    "Views respect RLS (security_invoker)",
    "A view runs with its owner's rights by default, so it returns rows that the table's RLS would "
    "hide from the caller.",
    "CREATE OR REPLACE VIEW public.v WITH (security_invoker = on) AS ...;",
    alias="security_definer_view",
)
VIEW_AUTH_USERS = rule(
    "view-exposes-auth-users",
    "error",
    "security",
    "No view exposes auth.users",
    "auth.users holds e-mails, phone numbers and metadata; a view of it in an exposed schema "
    "publishes them through the Data API.",
    "-- expose a public.profiles table filled by a trigger instead",
    alias="auth_users_exposed",
)
ALWAYS_TRUE = rule(
    "policy-always-true-write",
    "error",
    "policies",
    "Write policies are not always true",
    "USING (true) / WITH CHECK (true) on INSERT, UPDATE or DELETE lets anyone the policy names "
    "change every row.",
    'CREATE POLICY "owners write" ON public.things FOR UPDATE TO authenticated\n'
    "  USING ((SELECT auth.uid()) = user_id) WITH CHECK ((SELECT auth.uid()) = user_id);",
    alias="rls_policy_always_true",
)
MULTIPLE_PERMISSIVE = rule(
    "multiple-permissive-policies",
    "warning",
    "policies",
    "One permissive policy per role and action",
    "Every permissive policy is evaluated for every row; two for the same role and action cost "
    "twice and are easy to get wrong.",
    "-- merge them: USING (condition_a OR condition_b)",
    alias="multiple_permissive_policies",
)
USER_METADATA = rule(
    "policy-uses-user-metadata",
    "error",
    "security",
    "Policies do not trust user_metadata",
    "user_metadata (raw_user_meta_data) is editable by the user; a policy that reads it lets "
    "users grant themselves access.",
    "-- use app_metadata, which only the service role can write:\n"
    "USING ((SELECT auth.jwt() -> 'app_metadata' ->> 'org_id')::uuid = org_id)",
    alias="rls_references_user_metadata",
)
EXTENSION_IN_PUBLIC = rule(
    "extension-in-public",
    "warning",
    "security",
    "Extensions live in the extensions schema",
    "Extensions in public expose their functions through the Data API and clutter the schema.",
    "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA extensions;",
    alias="extension_in_public",
)

_EXPOSED = "c.relnamespace::regnamespace::text = ANY(%(schemas)s)"
_TABLES = "c.oid = ANY(%(tables)s::oid[]) AND c.relkind IN ('r', 'p') AND " + _EXPOSED

# Each query yields (object, message) rows.
QUERIES: list[tuple[Rule, str]] = [
    (
        RLS_DISABLED,
        f"""
        SELECT format('%s.%s', c.relnamespace::regnamespace, c.relname), format('table %s has row level security disabled', format('%s.%s', c.relnamespace::regnamespace, c.relname))
        FROM pg_class c WHERE {_TABLES} AND NOT c.relrowsecurity""",
    ),
    (
        RLS_NO_POLICY,
        f"""
        SELECT format('%s.%s', c.relnamespace::regnamespace, c.relname), format('table %s has RLS enabled but no policy', format('%s.%s', c.relnamespace::regnamespace, c.relname))
        FROM pg_class c WHERE {_TABLES} AND c.relrowsecurity
          AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)""",
    ),
    (
        POLICY_RLS_OFF,
        f"""
        SELECT format('%s.%s', c.relnamespace::regnamespace, c.relname), format('table %s has policies but RLS is disabled', format('%s.%s', c.relnamespace::regnamespace, c.relname))
        FROM pg_class c WHERE {_TABLES} AND NOT c.relrowsecurity
          AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)""",
    ),
    (
        UNINDEXED_FK,
        f"""
        SELECT format('%s.%s', c.relnamespace::regnamespace, c.relname), format('foreign key %s on %s (%s) has no index',
               k.conname, format('%s.%s', c.relnamespace::regnamespace, c.relname),
               (SELECT string_agg(a.attname, ', ' ORDER BY a.attnum) FROM pg_attribute a
                WHERE a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey)))
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        WHERE {_TABLES} AND k.contype = 'f' AND NOT EXISTS (
          SELECT 1 FROM pg_index i WHERE i.indrelid = k.conrelid AND i.indisvalid
            AND (SELECT array_agg(x ORDER BY x)
                 FROM unnest((string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(k.conkey)]) x)
              = (SELECT array_agg(x ORDER BY x) FROM unnest(k.conkey) x))""",
    ),
    (
        NO_PRIMARY_KEY,
        f"""
        SELECT format('%s.%s', c.relnamespace::regnamespace, c.relname), format('table %s has no primary key', format('%s.%s', c.relnamespace::regnamespace, c.relname))
        FROM pg_class c WHERE {_TABLES}
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')""",
    ),
    (
        DUPLICATE_INDEX,
        f"""
        SELECT format('%s.%s', c.relnamespace::regnamespace, c.relname), format('indexes %s on %s are identical',
               string_agg(i.indexrelid::regclass::text, ', ' ORDER BY i.indexrelid::regclass::text), format('%s.%s', c.relnamespace::regnamespace, c.relname))
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE {_TABLES}
        GROUP BY c.oid, ic.relam, i.indisunique, i.indoption::text, i.indkey::text, i.indclass::text, i.indcollation::text,
                 coalesce(pg_get_expr(i.indexprs, i.indrelid), ''), coalesce(pg_get_expr(i.indpred, i.indrelid), '')
        HAVING count(*) > 1""",
    ),
    (
        TIMESTAMPS,
        f"""
        SELECT format('%s.%s', c.relnamespace::regnamespace, c.relname), format('new table %s lacks %s', format('%s.%s', c.relnamespace::regnamespace, c.relname),
               concat_ws(' and ', CASE WHEN NOT has_created THEN 'created_at timestamptz' END,
                                  CASE WHEN NOT has_updated THEN 'updated_at timestamptz' END))
        FROM pg_class c CROSS JOIN LATERAL (SELECT
          EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'created_at'
                  AND a.atttypid = 'timestamptz'::regtype AND NOT a.attisdropped) AS has_created,
          EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'updated_at'
                  AND a.atttypid = 'timestamptz'::regtype AND NOT a.attisdropped) AS has_updated) t
        WHERE {_TABLES} AND c.oid = ANY(%(created)s::oid[]) AND NOT (has_created AND has_updated)""",
    ),
    (
        TABLE_COMMENT,
        f"""
        SELECT format('%s.%s', c.relnamespace::regnamespace, c.relname), format('new table %s has no COMMENT ON TABLE', format('%s.%s', c.relnamespace::regnamespace, c.relname))
        FROM pg_class c WHERE {_TABLES} AND c.oid = ANY(%(created)s::oid[])
          AND obj_description(c.oid, 'pg_class') IS NULL""",
    ),
    (
        DEFINER_SEARCH_PATH,
        """
        SELECT format('%s.%s', n.nspname, p.proname), format('SECURITY DEFINER function %s(%s) has no fixed search_path',
               p.oid::regproc, pg_get_function_identity_arguments(p.oid))
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE format('%s.%s', n.nspname, p.proname) = ANY(%(functions)s) AND p.prosecdef
          AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) s WHERE s LIKE 'search_path=%')""",
    ),
    (
        INVOKER_SEARCH_PATH,
        """
        SELECT format('%s.%s', n.nspname, p.proname), format('function %s(%s) has no fixed search_path',
               p.oid::regproc, pg_get_function_identity_arguments(p.oid))
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE format('%s.%s', n.nspname, p.proname) = ANY(%(functions)s) AND NOT p.prosecdef
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
          AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) s WHERE s LIKE 'search_path=%')""",
    ),
    (
        DEFINER_EXPOSED,
        """
        SELECT format('%s.%s', n.nspname, p.proname), format('SECURITY DEFINER function %s(%s) is executable by %s',
               p.oid::regproc, pg_get_function_identity_arguments(p.oid),
               concat_ws(' and ', CASE WHEN has_function_privilege('anon', p.oid, 'EXECUTE') THEN 'anon' END,
                                  CASE WHEN has_function_privilege('authenticated', p.oid, 'EXECUTE')
                                       THEN 'authenticated' END))
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE format('%s.%s', n.nspname, p.proname) = ANY(%(functions)s) AND p.prosecdef
          AND n.nspname = ANY(%(schemas)s)
          AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon')
          AND (has_function_privilege('anon', p.oid, 'EXECUTE')
               OR has_function_privilege('authenticated', p.oid, 'EXECUTE'))""",
    ),
    (
        VIEW_BYPASSES_RLS,
        f"""
        SELECT format('%s.%s', c.relnamespace::regnamespace, c.relname), format('view %s runs with its owner''s rights (no security_invoker)', format('%s.%s', c.relnamespace::regnamespace, c.relname))
        FROM pg_class c WHERE c.relkind = 'v' AND {_EXPOSED} AND format('%s.%s', c.relnamespace::regnamespace, c.relname) = ANY(%(views)s)
          AND NOT coalesce(c.reloptions @> ARRAY['security_invoker=true']
                           OR c.reloptions @> ARRAY['security_invoker=on']
                           OR c.reloptions @> ARRAY['security_invoker=1'], false)""",
    ),
    (
        VIEW_AUTH_USERS,
        f"""
        SELECT DISTINCT format('%s.%s', c.relnamespace::regnamespace, c.relname), format('view %s exposes auth.users', format('%s.%s', c.relnamespace::regnamespace, c.relname))
        FROM pg_class c JOIN pg_rewrite r ON r.ev_class = c.oid JOIN pg_depend d ON d.objid = r.oid
        WHERE c.relkind IN ('v', 'm') AND {_EXPOSED} AND format('%s.%s', c.relnamespace::regnamespace, c.relname) = ANY(%(views)s)
          AND d.refobjid = to_regclass('auth.users')""",
    ),
    (
        ALWAYS_TRUE,
        f"""
        SELECT format('%s.%s', c.relnamespace::regnamespace, c.relname), format('policy %I on %s is always true for %s', p.polname, format('%s.%s', c.relnamespace::regnamespace, c.relname),
               CASE p.polcmd WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END)
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
        CROSS JOIN LATERAL (SELECT pg_get_expr(p.polqual, p.polrelid) AS qual,
                                   pg_get_expr(p.polwithcheck, p.polrelid) AS checked) e
        WHERE {_TABLES} AND c.relrowsecurity AND p.polpermissive AND p.polcmd IN ('a', 'w', 'd', '*')
          AND (p.polroles = '{{0}}' OR p.polroles && ARRAY(SELECT oid FROM pg_roles
                                                         WHERE rolname IN ('anon', 'authenticated')))
          AND (coalesce(e.qual, 'true') IN ('true', '(1 = 1)') AND p.polcmd <> 'a'
               OR e.checked IN ('true', '(1 = 1)')
               OR e.checked IS NULL AND p.polcmd = 'a')""",
    ),
    (
        MULTIPLE_PERMISSIVE,
        f"""
        SELECT format('%s.%s', c.relnamespace::regnamespace, c.relname), format('%s permissive policies on %s for %s %s: %s', count(*), format('%s.%s', c.relnamespace::regnamespace, c.relname),
               r.rolname, a.action, string_agg(quote_ident(p.polname), ', ' ORDER BY p.polname))
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
        CROSS JOIN LATERAL unnest(CASE p.polcmd WHEN '*' THEN ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']
               WHEN 'r' THEN ARRAY['SELECT'] WHEN 'a' THEN ARRAY['INSERT'] WHEN 'w' THEN ARRAY['UPDATE']
               ELSE ARRAY['DELETE'] END) a(action)
        -- A policy TO public applies to every role; roles that bypass RLS never evaluate policies.
        JOIN pg_roles r ON (p.polroles @> ARRAY[r.oid] OR p.polroles = '{{0}}') AND NOT r.rolbypassrls
             AND r.rolname NOT LIKE 'pg\\_%' AND r.rolname NOT LIKE 'supabase%admin'
        WHERE {_TABLES} AND p.polpermissive
        GROUP BY c.oid, r.rolname, a.action HAVING count(*) > 1""",
    ),
    (
        USER_METADATA,
        f"""
        SELECT format('%s.%s', c.relnamespace::regnamespace, c.relname), format('policy %I on %s reads user_metadata', p.polname, format('%s.%s', c.relnamespace::regnamespace, c.relname))
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
        WHERE {_TABLES} AND (coalesce(pg_get_expr(p.polqual, p.polrelid), '')
                             || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')) ~* 'user_meta_?data'""",
    ),
    (
        EXTENSION_IN_PUBLIC,
        """
        SELECT e.extname::text, format('extension %s is installed in schema public', e.extname)
        FROM pg_extension e WHERE e.extnamespace = 'public'::regnamespace AND e.extname = ANY(%(extensions)s)""",
    ),
]


_NOT_TABLES = {
    DEFINER_SEARCH_PATH.id: "function",
    INVOKER_SEARCH_PATH.id: "function",
    DEFINER_EXPOSED.id: "function",
    VIEW_BYPASSES_RLS.id: "view",
    VIEW_AUTH_USERS.id: "view",
    EXTENSION_IN_PUBLIC.id: "extension",
}


def object_kind(made: Rule) -> str:
    """What a finding's object names: a table, or a function, view or extension."""
    return _NOT_TABLES.get(made.id, "table")


def check(conn: Connection, scope: Scope) -> list[tuple[Rule, str, str]]:
    """(rule, object, message) for every catalog rule broken within the scope."""
    params = {
        "tables": scope.tables,
        "created": scope.created,
        "functions": scope.functions,
        "views": scope.views,
        "extensions": scope.extensions,
        "schemas": scope.schemas,
    }
    found = []
    for made, query in QUERIES:
        # Queries are written with plain % (format(), LIKE); only %(name)s are parameters.
        sql = query.replace("%", "%%").replace("%%(", "%(")
        for obj, message in conn.execute(sql.encode(), params).fetchall():
            found.append((made, str(obj), str(message)))
    return found
