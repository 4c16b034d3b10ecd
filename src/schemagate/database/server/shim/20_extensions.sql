-- The extensions schema and the extensions a new hosted project has installed, real where this
-- server has them and as schemagate's stand-ins otherwise (see ../standins/).

CREATE SCHEMA IF NOT EXISTS extensions;
-- demote-postgres and grant_extensions_perms_for_postgres: postgres has everything in extensions
GRANT ALL ON SCHEMA extensions TO postgres, dashboard_user;
GRANT USAGE ON SCHEMA extensions TO anon, authenticated, service_role, supabase_realtime_admin;
ALTER DEFAULT PRIVILEGES IN SCHEMA extensions GRANT ALL ON TABLES TO postgres WITH GRANT OPTION;
ALTER DEFAULT PRIVILEGES IN SCHEMA extensions GRANT ALL ON ROUTINES TO postgres WITH GRANT OPTION;
ALTER DEFAULT PRIVILEGES IN SCHEMA extensions GRANT ALL ON SEQUENCES TO postgres WITH GRANT OPTION;
ALTER DEFAULT PRIVILEGES IN SCHEMA extensions GRANT EXECUTE ON FUNCTIONS TO anon, authenticated, service_role;

-- pg_graphql's schemas exist on every project; the extension itself is off by default on new
-- projects since April 2026 (pg_graphql-off-by-default), and a migration may create it.
CREATE SCHEMA IF NOT EXISTS graphql;
CREATE SCHEMA IF NOT EXISTS graphql_public;
GRANT USAGE ON SCHEMA graphql, graphql_public TO postgres WITH GRANT OPTION;
GRANT USAGE ON SCHEMA graphql, graphql_public TO anon, authenticated, service_role;

DO $shim$
DECLARE
  wanted text[] := ARRAY['uuid-ossp', 'pgcrypto', 'pg_stat_statements', 'supabase_vault'];
  ext text;
BEGIN
  -- PostgreSQL 15 projects also come with pgsodium and pgjwt (supabase/postgres, schema-15.sql);
  -- 17 dropped both.
  IF current_setting('server_version_num')::int < 170000 THEN
    wanted := wanted || ARRAY['pgsodium', 'pgjwt'];
  END IF;
  FOREACH ext IN ARRAY wanted LOOP
    CONTINUE WHEN NOT EXISTS (SELECT FROM pg_catalog.pg_available_extensions a WHERE a.name = ext);
    CASE ext
      WHEN 'supabase_vault' THEN CREATE EXTENSION IF NOT EXISTS supabase_vault;
      WHEN 'pgsodium' THEN CREATE EXTENSION IF NOT EXISTS pgsodium;
      ELSE EXECUTE format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA extensions', ext);
    END CASE;
  END LOOP;
  -- where contrib is missing: a real random (v4) UUID, as uuid-ossp gives
  IF to_regprocedure('extensions.uuid_generate_v4()') IS NULL THEN
    CREATE FUNCTION extensions.uuid_generate_v4() RETURNS uuid
      LANGUAGE sql VOLATILE PARALLEL SAFE SET search_path = '' AS 'SELECT pg_catalog.gen_random_uuid()';
  END IF;
  IF to_regnamespace('pgsodium') IS NOT NULL THEN
    GRANT pgsodium_keyiduser, pgsodium_keyholder, pgsodium_keymaker TO postgres WITH ADMIN OPTION;
    GRANT pgsodium_keyholder TO service_role;
  END IF;
END
$shim$;

-- postgres may use, grant and drop what is in extensions (supautils lets it manage privileged
-- extensions as if it owned them)
GRANT ALL ON ALL TABLES IN SCHEMA extensions TO postgres WITH GRANT OPTION;
GRANT ALL ON ALL SEQUENCES IN SCHEMA extensions TO postgres WITH GRANT OPTION;
GRANT ALL ON ALL ROUTINES IN SCHEMA extensions TO postgres WITH GRANT OPTION;
UPDATE pg_catalog.pg_extension SET extowner = 'postgres'::regrole
WHERE extname IN ('uuid-ossp', 'pgcrypto', 'pg_stat_statements', 'supabase_vault', 'pgsodium', 'pgjwt');
