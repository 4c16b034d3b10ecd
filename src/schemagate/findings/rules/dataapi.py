"""The Data API's rule: every exposed table can be queried as anon and authenticated.

Proven by findings/api_queries.py on the check's database (this module loads no database driver:
`lint` reads every rule).
"""

from __future__ import annotations

from schemagate.findings import rule

DATA_API_QUERY_FAILS = rule(
    "data-api-query-fails",
    "error",
    "policies",
    "The Data API's roles can query every exposed table",
    "A policy that reads its own table recurses forever (42P17), and one that calls a function the "
    "caller may not execute is denied (42501): every catalog rule passes, and the app's first "
    "`select` fails in production.",
    "-- read the table inside a SECURITY DEFINER function the policy calls, outside RLS:\n"
    "create or replace function private.is_member(org uuid) returns boolean\n"
    "  language sql stable security definer set search_path = '' as $$\n"
    "    select exists (select 1 from public.org_members m\n"
    "                   where m.org_id = org and m.user_id = (select auth.uid()))\n"
    "  $$;",
    bad=(
        "create table if not exists public.org_members (org_id uuid, user_id uuid);\n"
        "alter table public.org_members enable row level security;\n"
        'create policy "members see their org" on public.org_members for select to authenticated\n'
        "  using (org_id in (select org_id from public.org_members where user_id = (select auth.uid())));"
    ),
    good=(
        "create table if not exists public.org_members (org_id uuid, user_id uuid);\n"
        "alter table public.org_members enable row level security;\n"
        'create policy "members see themselves" on public.org_members for select to authenticated\n'
        "  using (user_id = (select auth.uid()));"
    ),
)
