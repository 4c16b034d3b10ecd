"""Security: functions that run with their owner's rights, views that bypass RLS, and what the
Data API and GraphQL show to the anon key."""

from __future__ import annotations

from schemagate.findings import Rule, rule
from schemagate.findings.rules.catalog_rules.fragments import EXPOSED, TABLE, TABLES

SECURITY_DEFINER_SEARCH_PATH = rule(
    "security-definer-search-path",
    "error",
    "security",
    "SECURITY DEFINER functions fix search_path",
    "A SECURITY DEFINER function resolves names through the caller's search_path, so a caller can "
    "shadow a table or function and run code with the owner's rights.",
    "CREATE OR REPLACE FUNCTION public.f() RETURNS ... LANGUAGE sql SECURITY DEFINER\n"
    "  SET search_path = ''\n  AS $$ ... $$;",
    alias="function_search_path_mutable",
    bad=(
        "create or replace function public.count_all() returns bigint language sql security definer\n"
        "  as $$ select count(*) from auth.users $$;"
    ),
    good=(
        "create or replace function public.count_all() returns bigint language sql security definer\n"
        "  set search_path = '' as $$ select count(*) from auth.users $$;"
    ),
)
# Supabase's advisor flags every function without a fixed search_path; the SECURITY DEFINER ones are
# the dangerous ones, so they are an error above and the others only a warning here.
FUNCTION_SEARCH_PATH_MUTABLE = rule(
    "function-search-path-mutable",
    "warning",
    "security",
    "Functions fix search_path",
    "A function without a fixed search_path resolves names through whichever search_path the "
    "caller has: the same call can reach different tables, and becomes an attack if it is ever "
    "made SECURITY DEFINER.",
    "CREATE OR REPLACE FUNCTION public.f() RETURNS ... LANGUAGE plpgsql\n  SET search_path = ''\n  AS $$ ... $$;",
    alias="function_search_path_mutable",
    bad=(
        "create or replace function public.touch() returns trigger language plpgsql\n"
        "  as $$ begin new.updated_at = now(); return new; end $$;"
    ),
    good=(
        "create or replace function public.touch() returns trigger language plpgsql\n"
        "  set search_path = ''\n"
        "  as $$ begin new.updated_at = now(); return new; end $$;"
    ),
)
SECURITY_DEFINER_EXECUTABLE = rule(
    "security-definer-executable",
    "warning",
    "security",
    "SECURITY DEFINER functions are not public API",
    "anon/authenticated can call this SECURITY DEFINER function through the Data API (/rpc) and run "
    "it with its owner's rights, bypassing RLS.",
    "REVOKE EXECUTE ON FUNCTION public.f() FROM anon, authenticated, public;",
    alias="anon_security_definer_function_executable, authenticated_security_definer_function_executable",
    bad=(
        "create or replace function public.count_all() returns bigint language sql security definer\n"
        "  set search_path = '' as $$ select count(*) from auth.users $$;"
    ),
    good=(
        "create or replace function public.count_all() returns bigint language sql security definer\n"
        "  set search_path = '' as $$ select count(*) from auth.users $$;\n"
        "revoke execute on function public.count_all() from public, anon, authenticated;"
    ),
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
    bad=(
        "create table if not exists public.notes (id bigint primary key, body text);\n"
        "create or replace view public.note_bodies as select id, body from public.notes;"
    ),
    good=(
        "create table if not exists public.notes (id bigint primary key, body text);\n"
        "create or replace view public.note_bodies with (security_invoker = on) as\n"
        "  select id, body from public.notes;"
    ),
)
VIEW_EXPOSES_AUTH_USERS = rule(
    "view-exposes-auth-users",
    "error",
    "security",
    "No view exposes auth.users",
    "auth.users holds e-mails, phone numbers and metadata; a view of it in an exposed schema "
    "publishes them through the Data API.",
    "-- expose a public.profiles table filled by a trigger instead",
    alias="auth_users_exposed",
    bad=(
        "create or replace view public.members with (security_invoker = on) as\n"
        "  select id, email from auth.users;"
    ),
    good=(
        "create table if not exists public.profiles (id uuid primary key references auth.users (id) on delete cascade, name text);\n"
        "create or replace view public.members with (security_invoker = on) as\n"
        "  select id, name from public.profiles;"
    ),
)
EXTENSION_IN_PUBLIC = rule(
    "extension-in-public",
    "warning",
    "security",
    "Extensions live in the extensions schema",
    "Extensions in public expose their functions through the Data API and clutter the schema.",
    "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA extensions;",
    alias="extension_in_public",
    bad="create extension if not exists citext with schema public;",
    good="create extension if not exists citext with schema extensions;",
)
FOREIGN_TABLE_IN_API = rule(
    "foreign-table-in-api",
    "warning",
    "security",
    "Foreign tables stay out of the Data API",
    "A foreign table cannot have row level security: exposed to anon or authenticated, every row "
    "of the remote table is readable through the Data API.",
    "CREATE SCHEMA IF NOT EXISTS private;\nALTER FOREIGN TABLE public.remote SET SCHEMA private;",
    alias="foreign_table_in_api",
    bad=(
        "create foreign data wrapper files;\n"
        "create server files_server foreign data wrapper files;\n"
        "create foreign table public.remote (id int) server files_server;"
    ),
    good=(
        "create foreign data wrapper files;\n"
        "create server files_server foreign data wrapper files;\n"
        "create schema if not exists private;\n"
        "create foreign table private.remote (id int) server files_server;"
    ),
)
PUBLIC_BUCKET_ALLOWS_LISTING = rule(
    "public-bucket-allows-listing",
    "warning",
    "security",
    "Public buckets are not listable",
    "A public bucket serves its files by URL without any policy; a broad SELECT policy on "
    "storage.objects for it also lets anyone list every file in the bucket, names included.",
    "-- drop the broad SELECT policy: public URLs keep working without it\n"
    'DROP POLICY IF EXISTS "Public read" ON storage.objects;',
    alias="public_bucket_allows_listing",
    bad=(
        "insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);\n"
        "create policy \"avatars are public\" on storage.objects for select using (bucket_id = 'avatars');"
    ),
    good=(
        "insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);\n"
        'create policy "own avatars" on storage.objects for select to authenticated\n'
        "  using (bucket_id = 'avatars' and (select auth.uid()) = owner);"
    ),
)
GRAPHQL_ANON_TABLE_EXPOSED = rule(
    "graphql-anon-table-exposed",
    "info",
    "security",
    "GraphQL shows anon only what it should see",
    "With pg_graphql installed, every table, view and foreign table anon can SELECT appears in the "
    "GraphQL schema to anyone holding the public anon key: names, columns and relationships, "
    "whatever RLS then filters.",
    "REVOKE SELECT ON public.things FROM anon;",
    alias="pg_graphql_anon_table_exposed",
    bad=(
        "create extension if not exists pg_graphql;\n"
        "create table if not exists public.things (id bigint primary key);"
    ),
    good=(
        "create extension if not exists pg_graphql;\n"
        "create table if not exists public.things (id bigint primary key);\n"
        "revoke select on public.things from anon;"
    ),
)
GRAPHQL_AUTHENTICATED_TABLE_EXPOSED = rule(
    "graphql-authenticated-table-exposed",
    "info",
    "security",
    "GraphQL shows signed-in users only what they should see",
    "With pg_graphql installed, every table, view and foreign table authenticated can SELECT "
    "appears in the GraphQL schema to every signed-up user.",
    "REVOKE SELECT ON public.things FROM authenticated;",
    alias="pg_graphql_authenticated_table_exposed",
    bad=(
        "create extension if not exists pg_graphql;\n"
        "create table if not exists public.things (id bigint primary key);"
    ),
    good=(
        "create extension if not exists pg_graphql;\n"
        "create table if not exists public.things (id bigint primary key);\n"
        "revoke select on public.things from authenticated;"
    ),
)
SENSITIVE_COLUMNS_EXPOSED = rule(
    "sensitive-columns-exposed",
    "error",
    "security",
    "Sensitive columns are behind RLS",
    "A table the API roles can read, without row level security, holding columns named like "
    "passwords, tokens, card numbers or national ids: anyone with the anon key reads them.",
    "ALTER TABLE public.things ENABLE ROW LEVEL SECURITY;\n"
    "-- or keep secrets out of exposed schemas, e.g. in Vault",
    alias="sensitive_columns_exposed",
    bad="create table if not exists public.integrations (id bigint primary key, api_key text);",
    good=(
        "create table if not exists public.integrations (id bigint primary key, api_key text);\n"
        "alter table public.integrations enable row level security;"
    ),
)

_FUNCTION = "format('%s.%s', n.nspname, p.proname)"
# the fix: the function's own search_path, empty, so that every name in it must be qualified
_SET_SEARCH_PATH = (
    "format('alter %s %I.%I(%s) set search_path = '''';', "
    "CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, "
    "n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))"
)
_VIEW = "format('%s.%s', c.relnamespace::regnamespace, c.relname)"
_NO_SEARCH_PATH = (
    "NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) s WHERE s LIKE 'search_path=%')"
)
# The advisor's sensitive column names (splinter 0023), compared lower-cased, '-' read as '_'.
_SENSITIVE = (
    "password passwd pwd passphrase secret secret_key private_key api_key apikey auth_key token jwt "
    "access_token refresh_token oauth_token session_token bearer_token auth_code session_id session_key "
    "session_secret recovery_code backup_code verification_code otp two_factor 2fa_secret 2fa_code ssn "
    "social_security social_security_number driver_license drivers_license license_number passport_number "
    "passport_id national_id tax_id credit_card card_number cvv cvc cvn bank_account account_number "
    "routing_number iban swift_code bic health_record medical_record patient_id insurance_number "
    "health_insurance medical_insurance treatment mac_address macaddr imei device_uuid pgp_key gpg_key "
    "ssh_key certificate license_key activation_key facial_recognition"
)
# A bucket-only policy on storage.objects, as the advisor recognizes one: bucket_id = '<id>'.
_BUCKET_ONLY = r"\A\s*\(*\s*bucket_id\s*=\s*('(?:[^']|'')*')(\s*::\s*[[:alnum:]_\.]+)?\s*\)*\s*\Z"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _graphql(role: str) -> str:
    """Relations `role` can see through pg_graphql's introspection: any column it may SELECT."""
    return f"""
        SELECT 'table', {TABLE}, {TABLE},
               format('%s is in the GraphQL schema for {role}: it can SELECT it', {TABLE}), NULL
        FROM pg_class c
        WHERE c.oid = ANY(%(tables)s::oid[]) AND c.relkind IN ('r', 'v', 'm', 'f') AND {EXPOSED}
          AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_graphql')
          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
                      AND NOT a.attisdropped AND has_column_privilege('{role}', c.oid, a.attnum, 'SELECT'))"""


# Queries that read a table plain PostgreSQL may not have: run only where it exists.
# What a rule's query needs to exist (a relation, or role:<name>): without it, as on a plain
# PostgreSQL project, the rule has nothing to judge and its query would fail.
_API_ROLES = ("role:anon", "role:authenticated")
NEEDS = {
    PUBLIC_BUCKET_ALLOWS_LISTING.id: ("storage.buckets",),
    FOREIGN_TABLE_IN_API.id: _API_ROLES,
    SENSITIVE_COLUMNS_EXPOSED.id: _API_ROLES,
}

QUERIES: list[tuple[Rule, str]] = [
    (
        SECURITY_DEFINER_SEARCH_PATH,
        f"""
        SELECT 'function', {_FUNCTION}, {_FUNCTION},
               format('SECURITY DEFINER function %s(%s) has no fixed search_path',
                      p.oid::regproc, pg_get_function_identity_arguments(p.oid)), NULL, {_SET_SEARCH_PATH}
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE {_FUNCTION} = ANY(%(functions)s) AND p.prosecdef AND {_NO_SEARCH_PATH}""",
    ),
    (
        FUNCTION_SEARCH_PATH_MUTABLE,
        f"""
        SELECT 'function', {_FUNCTION}, {_FUNCTION}, format('function %s(%s) has no fixed search_path',
               p.oid::regproc, pg_get_function_identity_arguments(p.oid)), NULL, {_SET_SEARCH_PATH}
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE {_FUNCTION} = ANY(%(functions)s) AND NOT p.prosecdef
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
          AND {_NO_SEARCH_PATH}""",
    ),
    (
        SECURITY_DEFINER_EXECUTABLE,
        f"""
        SELECT 'function', {_FUNCTION}, {_FUNCTION},
               format('SECURITY DEFINER function %s(%s) is executable by %s',
                      p.oid::regproc, pg_get_function_identity_arguments(p.oid), r.rolname),
               r.rolname || '_security_definer_function_executable'
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_roles r ON r.rolname IN ('anon', 'authenticated')
        WHERE {_FUNCTION} = ANY(%(functions)s) AND p.prosecdef AND n.nspname = ANY(%(schemas)s)
          AND has_function_privilege(r.oid, p.oid, 'EXECUTE')""",
    ),
    (
        VIEW_BYPASSES_RLS,
        f"""
        SELECT 'view', {_VIEW}, {_VIEW},
               format('view %s runs with its owner''s rights (no security_invoker)', {_VIEW}), NULL
        FROM pg_class c WHERE c.relkind = 'v' AND {EXPOSED} AND {_VIEW} = ANY(%(views)s)
          AND NOT coalesce(c.reloptions @> ARRAY['security_invoker=true']
                           OR c.reloptions @> ARRAY['security_invoker=on']
                           OR c.reloptions @> ARRAY['security_invoker=1'], false)""",
    ),
    (
        VIEW_EXPOSES_AUTH_USERS,
        f"""
        SELECT DISTINCT 'view', {_VIEW}, {_VIEW}, format('view %s exposes auth.users', {_VIEW}), NULL::text
        FROM pg_class c JOIN pg_rewrite r ON r.ev_class = c.oid JOIN pg_depend d ON d.objid = r.oid
        WHERE c.relkind IN ('v', 'm') AND {EXPOSED} AND {_VIEW} = ANY(%(views)s)
          AND d.refobjid = to_regclass('auth.users')""",
    ),
    (
        EXTENSION_IN_PUBLIC,
        """
        SELECT 'extension', e.extname::text, e.extname::text,
               format('extension %s is installed in schema public', e.extname), NULL
        FROM pg_extension e WHERE e.extnamespace = 'public'::regnamespace AND e.extname = ANY(%(extensions)s)""",
    ),
    (
        FOREIGN_TABLE_IN_API,
        f"""
        SELECT 'table', {TABLE}, {TABLE}, format('foreign table %s is readable by the API roles', {TABLE}), NULL
        FROM pg_class c WHERE c.oid = ANY(%(tables)s::oid[]) AND c.relkind = 'f' AND {EXPOSED}
          AND (has_table_privilege('anon', c.oid, 'SELECT')
               OR has_table_privilege('authenticated', c.oid, 'SELECT'))""",
    ),
    (
        SENSITIVE_COLUMNS_EXPOSED,
        f"""
        SELECT 'table', {TABLE}, {TABLE}, format('table %s has no RLS and exposes %s', {TABLE},
               string_agg(DISTINCT a.attname, ', ' ORDER BY a.attname)), NULL
        FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE {TABLES} AND c.relkind = 'r' AND NOT c.relrowsecurity
          AND (has_table_privilege('anon', c.oid, 'SELECT')
               OR has_table_privilege('authenticated', c.oid, 'SELECT'))
          AND replace(lower(a.attname), '-', '_') = ANY(string_to_array('{_SENSITIVE}', ' '))
        GROUP BY c.oid, c.relnamespace, c.relname""",
    ),
    (
        PUBLIC_BUCKET_ALLOWS_LISTING,
        f"""
        SELECT 'bucket', b.id, b.id, format('public bucket %s can be listed: %s', b.id,
               string_agg(quote_ident(p.policyname), ', ' ORDER BY p.policyname)), NULL
        FROM storage.buckets b
        JOIN pg_policies p ON p.schemaname = 'storage' AND p.tablename = 'objects' AND p.cmd IN ('SELECT', 'ALL')
          AND p.permissive = 'PERMISSIVE' AND p.roles && ARRAY['public', 'anon', 'authenticated']::name[]
        WHERE b.public AND to_regclass('storage.objects') = ANY(%(tables)s::oid[])
          AND (p.qual IS NULL
           OR replace(replace(replace(lower(p.qual), ' ', ''), E'\\n', ''), E'\\t', '')
              IN ('true', '(true)', '1=1', '(1=1)')
           OR (regexp_match(p.qual, {_literal(_BUCKET_ONLY)}, 'i'))[1] = quote_literal(b.id))
        GROUP BY b.id""",
    ),
    (GRAPHQL_ANON_TABLE_EXPOSED, _graphql("anon")),
    (GRAPHQL_AUTHENTICATED_TABLE_EXPOSED, _graphql("authenticated")),
]
