-- An avatars bucket whose objects live under the owner's folder.
insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true)
  on conflict (id) do nothing;

create policy "avatar images are public" on storage.objects
  for select using (bucket_id = 'avatars');
create policy "users upload into their folder" on storage.objects
  for insert to authenticated
  with check (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);
create policy "users update their own avatar" on storage.objects
  for update to authenticated
  using (bucket_id = 'avatars' and storage.filename(name) like '%.png'
         and storage.extension(name) = 'png' and (select auth.uid()) = owner);
