-- A database webhook on new notes (as the dashboard writes it), and notes over Realtime.
drop trigger if exists notes_webhook on public.notes;
create trigger notes_webhook
  after insert on public.notes
  for each row execute function supabase_functions.http_request(
    'http://localhost:54321/functions/v1/on-note', 'POST', '{"Content-Type":"application/json"}', '{}', '1000'
  );

alter publication supabase_realtime add table public.notes;
