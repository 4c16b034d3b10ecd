-- A nightly job that calls an Edge Function with a URL kept in Vault (Supabase's cron guide).
select vault.create_secret('http://localhost:54321', 'project_url', 'where Edge Functions live');

select cron.schedule(
  'nightly-digest',
  '0 3 * * *',
  $$
  select net.http_post(
    url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url') || '/functions/v1/digest',
    headers := jsonb_build_object('Content-Type', 'application/json'),
    body := jsonb_build_object('time', now())
  ) as request_id;
  $$
);

select cron.schedule('purge-old-notes', '30 seconds', $$ delete from public.notes where created_at < now() - interval '1 year' $$);
