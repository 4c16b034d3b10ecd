-- Extensions as a real Supabase project enables them (dashboard or migrations).
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists citext with schema extensions;
create extension if not exists moddatetime with schema extensions;
create extension if not exists vector with schema extensions;
create extension if not exists pg_cron with schema pg_catalog;
create extension if not exists pg_net with schema extensions;
create extension if not exists http with schema extensions;
create extension if not exists pgmq;
create extension if not exists pgjwt with schema extensions;
create extension if not exists wrappers with schema extensions;
create extension if not exists hypopg with schema extensions;
create extension if not exists index_advisor with schema extensions;
create extension if not exists plpgsql_check with schema extensions;
create extension if not exists pg_stat_statements with schema extensions;
create extension if not exists pg_tle;
drop extension if exists pg_graphql;
