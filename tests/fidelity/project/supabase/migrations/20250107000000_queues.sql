-- A queue of e-mails to send, filled by a trigger (pgmq).
select pgmq.create('emails');

create or replace function public.enqueue_welcome() returns trigger
  language plpgsql security definer set search_path = ''
as $$
begin
  perform pgmq.send('emails', jsonb_build_object('profile', new.id, 'template', 'welcome'));
  return new;
end;
$$;
revoke execute on function public.enqueue_welcome() from public, anon, authenticated;

drop trigger if exists profiles_welcome on public.profiles;
create trigger profiles_welcome after insert on public.profiles
  for each row execute function public.enqueue_welcome();
