-- Roles and memberships of a hosted Supabase project, as Supabase's own setup migrations leave them
-- (supabase/postgres, migrations/db/init-scripts and migrations/db/migrations).
-- Run as a superuser; every file of the shim is idempotent.

DO $shim$
DECLARE
  spec text[];
BEGIN
  FOREACH spec SLICE 1 IN ARRAY ARRAY[
    -- demote-postgres: no SUPERUSER, exactly these attributes
    ARRAY['postgres', 'LOGIN CREATEDB CREATEROLE REPLICATION BYPASSRLS'],
    -- the API roles inherit since alter_api_roles_for_inherit
    ARRAY['anon', 'NOLOGIN INHERIT'],
    ARRAY['authenticated', 'NOLOGIN INHERIT'],
    ARRAY['service_role', 'NOLOGIN INHERIT BYPASSRLS'],
    ARRAY['authenticator', 'LOGIN NOINHERIT'],
    -- the services' own roles; NOCREATEROLE for auth since revoke_createrole_from_auth_admin
    ARRAY['supabase_auth_admin', 'LOGIN NOINHERIT NOCREATEROLE NOREPLICATION'],
    ARRAY['supabase_storage_admin', 'LOGIN NOINHERIT CREATEROLE NOREPLICATION'],
    ARRAY['supabase_functions_admin', 'LOGIN NOINHERIT CREATEROLE NOREPLICATION'],
    ARRAY['supabase_realtime_admin', 'LOGIN NOINHERIT CREATEROLE REPLICATION'],
    ARRAY['supabase_replication_admin', 'LOGIN REPLICATION'],
    ARRAY['supabase_etl_admin', 'LOGIN REPLICATION'],
    ARRAY['supabase_read_only_user', 'LOGIN BYPASSRLS'],
    ARRAY['dashboard_user', 'NOLOGIN CREATEDB CREATEROLE REPLICATION'],
    ARRAY['pgbouncer', 'LOGIN'],
    ARRAY['supabase_superuser', 'NOLOGIN'],
    -- The project's superuser. In a throwaway cluster it is the bootstrap user and exists already;
    -- created here (in a database the workflow named), it cannot log in: no passwordless
    -- superuser is ever left behind.
    ARRAY['supabase_admin', 'NOLOGIN SUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS']
  ] LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = spec[1]) THEN
      EXECUTE format('CREATE ROLE %I %s', spec[1], spec[2]);
    END IF;
  END LOOP;
  -- An existing non-superuser postgres gets exactly Supabase's attributes; a superuser postgres
  -- (a services: container the workflow named) is left as it is.
  IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = 'postgres') THEN
    ALTER ROLE postgres NOSUPERUSER CREATEDB CREATEROLE LOGIN REPLICATION BYPASSRLS;
  END IF;
END
$shim$;

GRANT anon, authenticated, service_role TO authenticator;
GRANT anon, authenticated, service_role TO postgres;
GRANT authenticator TO supabase_storage_admin;
GRANT anon, authenticated, service_role TO supabase_realtime_admin;
GRANT supabase_auth_admin, supabase_storage_admin TO supabase_admin;
GRANT pg_read_all_data TO supabase_read_only_user;
-- the read-only and ETL roles monitor and read (nix/tests/expected/z_15_roles.out)
GRANT pg_monitor TO supabase_read_only_user;
GRANT pg_monitor, pg_read_all_data TO supabase_etl_admin;
-- grant_pg_monitor_to_postgres, grant_predefined_roles_to_postgres, supabase_superuser
GRANT pg_monitor, pg_read_all_data, pg_signal_backend TO postgres;
GRANT supabase_superuser TO postgres;
-- enable_webhooks_by_default: postgres may act as the webhooks' owner
GRANT supabase_functions_admin TO postgres;
-- Since April 2025 (revoke_admin_roles_from_postgres) postgres is no member of the auth, storage
-- and realtime admin roles: a shim from before that is corrected here.
REVOKE supabase_auth_admin, supabase_storage_admin, supabase_realtime_admin FROM postgres;

DO $shim$
BEGIN
  -- grant_with_admin_to_postgres_16_and_above: from PostgreSQL 16 CREATEROLE alone no longer lets
  -- postgres manage other roles, so it holds the API roles WITH ADMIN OPTION.
  IF current_setting('server_version_num')::int >= 160000 THEN
    GRANT anon, authenticated, service_role TO postgres WITH ADMIN OPTION;
    -- supautils' reserved_roles mark authenticator `*`: postgres may change its settings (ALTER
    -- ROLE authenticator SET pgrst.db_aggregates_enabled, as Supabase's PostgREST guide has it),
    -- which supautils runs as the superuser. PostgreSQL 16 asks for ADMIN OPTION for that; without
    -- INHERIT or SET it gives no use of the role's rights. Granting authenticator on stays
    -- refused by the supabase-reserved-role rule (reserved_memberships).
    EXECUTE 'GRANT authenticator TO postgres WITH ADMIN TRUE, INHERIT FALSE, SET FALSE';
  END IF;
  EXECUTE format('ALTER DATABASE %I OWNER TO postgres', current_database());
  EXECUTE format('GRANT ALL ON DATABASE %I TO postgres, dashboard_user', current_database());
  EXECUTE format('GRANT CREATE ON DATABASE %I TO supabase_realtime_admin', current_database());
  EXECUTE format('ALTER DATABASE %I SET search_path = "$user", public, extensions', current_database());
END
$shim$;

ALTER ROLE postgres SET search_path = "$user", public, extensions;
ALTER ROLE anon SET statement_timeout = '3s';
ALTER ROLE authenticated SET statement_timeout = '8s';
ALTER ROLE authenticator SET statement_timeout = '8s';
-- 20231130133139_set_lock_timeout_to_authenticator_role
ALTER ROLE authenticator SET lock_timeout = '8s';
ALTER ROLE supabase_functions_admin SET search_path = supabase_functions;
