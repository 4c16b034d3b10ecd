-- Private broadcast channels per note: members read and write `note:<id>` topics, and a trigger
-- broadcasts each change of a note to its channel (Realtime's database broadcast).
drop policy if exists "note members receive" on realtime.messages;
create policy "note members receive" on realtime.messages
  for select to authenticated
  using (
    realtime.topic() like 'note:%'
    and exists (
      select 1 from public.notes n
      where n.id::text = split_part(realtime.topic(), ':', 2) and n.owner_id = (select auth.uid())
    )
  );

drop policy if exists "note members send" on realtime.messages;
create policy "note members send" on realtime.messages
  for insert to authenticated
  with check (realtime.topic() like 'note:%');

create or replace function public.broadcast_note_change() returns trigger
  language plpgsql security definer set search_path = '' as $$
begin
  perform realtime.broadcast_changes(
    'note:' || coalesce(new.id, old.id)::text, tg_op, tg_op, tg_table_name, tg_table_schema, new, old
  );
  return null;
end
$$;
revoke execute on function public.broadcast_note_change() from public, anon, authenticated;

drop trigger if exists notes_broadcast on public.notes;
create trigger notes_broadcast
  after insert or update or delete on public.notes
  for each row execute function public.broadcast_note_change();
