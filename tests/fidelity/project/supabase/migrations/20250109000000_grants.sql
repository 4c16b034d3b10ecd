-- Grants and default privileges for the API roles.
grant usage on schema public to anon, authenticated, service_role;
grant select on public.profiles to anon;
grant all on all tables in schema public to service_role;
alter default privileges in schema public grant select on tables to authenticated;
alter default privileges in schema public grant execute on functions to service_role;
