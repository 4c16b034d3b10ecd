-- Each user's private notes: RLS through the JWT claims.
create table if not exists public.notes (
  id uuid primary key default extensions.uuid_generate_v4(),
  owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  body text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.notes is 'Private notes.';
create index if not exists notes_owner_id_idx on public.notes (owner_id);
alter table public.notes enable row level security;
create policy "owners read notes" on public.notes for select to authenticated
  using ((select auth.uid()) = owner_id);
create policy "owners write notes" on public.notes for insert to authenticated
  with check ((select auth.uid()) = owner_id);
grant select, insert, update, delete on public.notes to authenticated;
