"""Row level security: RLS on every exposed table, and policies that mean what they say."""

from __future__ import annotations

from schemagate.findings import Rule, rule
from schemagate.findings.rules.catalog_rules import dual
from schemagate.findings.rules.catalog_rules.fragments import NAME, POLICY, POLICY_NAME, TABLE, TABLES

RLS_DISABLED = rule(
    "rls-disabled",
    "error",
    "rls",
    "RLS is enabled on every table",
    "Tables in an exposed schema are reachable through the Data API with the anon key; without "
    "row level security every row is readable and writable by anyone.",
    "ALTER TABLE public.things ENABLE ROW LEVEL SECURITY;",
    alias="rls_disabled_in_public",
    bad="create table if not exists public.things (id bigint primary key);",
    good=(
        "create table if not exists public.things (id bigint primary key);\n"
        "alter table public.things enable row level security;"
    ),
)

RLS_ENABLED_NO_POLICY = rule(
    "rls-enabled-no-policy",
    "warning",
    "policies",
    "Every RLS table has policies",
    "RLS with no policy denies everything to anon and authenticated: usually a forgotten policy.",
    'CREATE POLICY "owners read" ON public.things FOR SELECT TO authenticated\n'
    "  USING ((SELECT auth.uid()) = user_id);",
    alias="rls_enabled_no_policy",
    bad=(
        "create table if not exists public.notes (\n"
        "  id bigint primary key,\n"
        "  user_id uuid not null references auth.users (id) on delete cascade\n"
        ");\n"
        "alter table public.notes enable row level security;"
    ),
    good=(
        "create table if not exists public.notes (\n"
        "  id bigint primary key,\n"
        "  user_id uuid not null references auth.users (id) on delete cascade\n"
        ");\n"
        "alter table public.notes enable row level security;\n"
        'create policy "own notes" on public.notes for select to authenticated\n'
        "  using ((select auth.uid()) = user_id);"
    ),
)

POLICY_EXISTS_RLS_DISABLED = rule(
    "policy-exists-rls-disabled",
    "error",
    "rls",
    "Policies only exist where RLS is on",
    "Policies do nothing while RLS is disabled: the table looks protected and is not.",
    "ALTER TABLE public.things ENABLE ROW LEVEL SECURITY;",
    alias="policy_exists_rls_disabled",
    bad=(
        "create table if not exists public.notes (\n"
        "  id bigint primary key,\n"
        "  user_id uuid not null references auth.users (id) on delete cascade\n"
        ");\n"
        'create policy "own notes" on public.notes for select to authenticated\n'
        "  using ((select auth.uid()) = user_id);"
    ),
    good=(
        "create table if not exists public.notes (\n"
        "  id bigint primary key,\n"
        "  user_id uuid not null references auth.users (id) on delete cascade\n"
        ");\n"
        "alter table public.notes enable row level security;\n"
        'create policy "own notes" on public.notes for select to authenticated\n'
        "  using ((select auth.uid()) = user_id);"
    ),
)

POLICY_ALWAYS_TRUE_WRITE = rule(
    "policy-always-true-write",
    "error",
    "policies",
    "Write policies are not always true",
    "USING (true) / WITH CHECK (true) on INSERT, UPDATE or DELETE lets anyone the policy names "
    "change every row.",
    'CREATE POLICY "owners write" ON public.things FOR UPDATE TO authenticated\n'
    "  USING ((SELECT auth.uid()) = user_id) WITH CHECK ((SELECT auth.uid()) = user_id);",
    alias="rls_policy_always_true",
    bad=(
        "create table if not exists public.notes (\n"
        "  id bigint primary key,\n"
        "  user_id uuid not null references auth.users (id) on delete cascade\n"
        ");\n"
        "alter table public.notes enable row level security;\n"
        'create policy "anyone edits" on public.notes for update to authenticated using (true);'
    ),
    good=(
        "create table if not exists public.notes (\n"
        "  id bigint primary key,\n"
        "  user_id uuid not null references auth.users (id) on delete cascade\n"
        ");\n"
        "alter table public.notes enable row level security;\n"
        'create policy "owners edit" on public.notes for update to authenticated\n'
        "  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);"
    ),
)

MULTIPLE_PERMISSIVE_POLICIES = rule(
    "multiple-permissive-policies",
    "warning",
    "policies",
    "One permissive policy per role and action",
    "Every permissive policy is evaluated for every row; two for the same role and action cost "
    "twice and are easy to get wrong.",
    "-- merge them: USING (condition_a OR condition_b)",
    alias="multiple_permissive_policies",
    bad=(
        "create table if not exists public.notes (\n"
        "  id bigint primary key,\n"
        "  user_id uuid not null references auth.users (id) on delete cascade\n"
        ");\n"
        "alter table public.notes enable row level security;\n"
        'create policy "own" on public.notes for select to authenticated using ((select auth.uid()) = user_id);\n'
        'create policy "shared" on public.notes for select to authenticated using (id < 0);'
    ),
    good=(
        "create table if not exists public.notes (\n"
        "  id bigint primary key,\n"
        "  user_id uuid not null references auth.users (id) on delete cascade\n"
        ");\n"
        "alter table public.notes enable row level security;\n"
        'create policy "own or shared" on public.notes for select to authenticated\n'
        "  using ((select auth.uid()) = user_id or id < 0);"
    ),
)

POLICY_USES_USER_METADATA = rule(
    "policy-uses-user-metadata",
    "error",
    "security",
    "Policies do not trust user_metadata",
    "user_metadata (raw_user_meta_data) is editable by the user; a policy that reads it lets "
    "users grant themselves access.",
    "-- use app_metadata, which only the service role can write:\n"
    "USING ((SELECT auth.jwt() -> 'app_metadata' ->> 'org_id')::uuid = org_id)",
    alias="rls_references_user_metadata",
    bad=(
        "create table if not exists public.docs (id bigint primary key, team text);\n"
        "alter table public.docs enable row level security;\n"
        'create policy "team" on public.docs for select to authenticated\n'
        "  using (team = (select auth.jwt() -> 'user_metadata' ->> 'team'));"
    ),
    good=(
        "create table if not exists public.docs (id bigint primary key, team text);\n"
        "alter table public.docs enable row level security;\n"
        'create policy "team" on public.docs for select to authenticated\n'
        "  using (team = (select auth.jwt() -> 'app_metadata' ->> 'team'));"
    ),
)


QUERIES: list[tuple[Rule, str]] = [
    (
        RLS_DISABLED,
        f"""
        SELECT 'table', {TABLE}, {TABLE}, format('table %s has row level security disabled', {TABLE}), NULL,
               format('alter table %s enable row level security;', {NAME})
        FROM pg_class c WHERE {TABLES} AND NOT c.relrowsecurity""",
    ),
    (
        RLS_ENABLED_NO_POLICY,
        f"""
        SELECT 'table', {TABLE}, {TABLE}, format('table %s has RLS enabled but no policy', {TABLE}), NULL
        FROM pg_class c WHERE {TABLES} AND c.relrowsecurity
          AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)""",
    ),
    (
        POLICY_EXISTS_RLS_DISABLED,
        f"""
        SELECT 'table', {TABLE}, {TABLE}, format('table %s has policies but RLS is disabled', {TABLE}), NULL,
               format('alter table %s enable row level security;', {NAME})
        FROM pg_class c WHERE {TABLES} AND NOT c.relrowsecurity
          AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)""",
    ),
    (
        POLICY_ALWAYS_TRUE_WRITE,
        f"""
        SELECT 'policy', {POLICY}, {TABLE}, format('policy %s on %s is always true for %s', {POLICY_NAME}, {TABLE},
               CASE p.polcmd WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END),
               NULL
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
        CROSS JOIN LATERAL (SELECT pg_get_expr(p.polqual, p.polrelid) AS qual,
                                   pg_get_expr(p.polwithcheck, p.polrelid) AS checked) e
        WHERE {TABLES} AND c.relrowsecurity AND p.polpermissive AND p.polcmd IN ('a', 'w', 'd', '*')
          AND (p.polroles = '{{0}}' OR p.polroles && ARRAY(SELECT oid FROM pg_roles
                                                         WHERE rolname IN ('anon', 'authenticated')))
          AND (coalesce(e.qual, 'true') IN ('true', '(1 = 1)') AND p.polcmd <> 'a'
               OR e.checked IN ('true', '(1 = 1)')
               OR e.checked IS NULL AND p.polcmd = 'a')""",
    ),
    (
        MULTIPLE_PERMISSIVE_POLICIES,
        f"""
        SELECT 'policy', {TABLE} || '|' || min(p.polname), {TABLE},
               format('%s permissive policies on %s for %s %s: %s', count(*), {TABLE},
               r.rolname, a.action, string_agg({POLICY_NAME}, ', ' ORDER BY p.polname)), NULL
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
        CROSS JOIN LATERAL unnest(CASE p.polcmd WHEN '*' THEN ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']
               WHEN 'r' THEN ARRAY['SELECT'] WHEN 'a' THEN ARRAY['INSERT'] WHEN 'w' THEN ARRAY['UPDATE']
               ELSE ARRAY['DELETE'] END) a(action)
        -- A policy TO public applies to every role; roles that bypass RLS never evaluate policies.
        JOIN pg_roles r ON (p.polroles @> ARRAY[r.oid] OR p.polroles = '{{0}}') AND NOT r.rolbypassrls
             AND r.rolname NOT LIKE 'pg\\_%' AND r.rolname NOT LIKE 'supabase%admin'
        WHERE {TABLES} AND p.polpermissive
        GROUP BY c.oid, r.rolname, a.action HAVING count(*) > 1""",
    ),
    (
        POLICY_USES_USER_METADATA,
        f"""
        SELECT 'policy', {POLICY}, {TABLE}, format('policy %s on %s reads user_metadata', {POLICY_NAME}, {TABLE}), NULL
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
        WHERE {TABLES} AND (coalesce(pg_get_expr(p.polqual, p.polrelid), '')
                             || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')) ~* 'user_meta_?data'""",
    ),
    (dual.AUTH_CALL_PER_ROW, dual.QUERIES[dual.AUTH_CALL_PER_ROW]),
]
