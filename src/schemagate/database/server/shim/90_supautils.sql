-- What supautils (Supabase's server extension) lets postgres do that vanilla PostgreSQL reserves for
-- owners or superusers, emulated with parameter privileges and event triggers. The settings are
-- Supabase's (supabase/postgres, ansible/files/postgresql_config/supautils.conf.j2).
--
-- postgres is never a member of a superuser role here: a migration cannot SET ROLE its way out.
-- Where supautils runs one command as the superuser, the event triggers below lift exactly that
-- command, for its own duration, in its own transaction.

CREATE SCHEMA IF NOT EXISTS schemagate AUTHORIZATION supabase_admin;
REVOKE ALL ON SCHEMA schemagate FROM PUBLIC;
-- a shim from before version 3 let postgres SET ROLE to a superuser for foreign data wrappers
DROP EVENT TRIGGER IF EXISTS schemagate_fdw_start;
DROP EVENT TRIGGER IF EXISTS schemagate_fdw_end;
DROP FUNCTION IF EXISTS schemagate.fdw_command_start();
DROP FUNCTION IF EXISTS schemagate.fdw_command_end();
DO $shim$
BEGIN
  IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'schemagate_supautils') THEN
    DROP ROLE schemagate_supautils;
  END IF;
END
$shim$;

-- privileged_role_allowed_configs: the superuser-only settings postgres may SET (pg_dump's
-- session_replication_role among them) and ALTER ROLE ... SET. The list is schemagate.database.server.hosted's
-- ALLOWED_SETTINGS, handed over by the installer in schemagate.allowed_settings.
DO $shim$
DECLARE
  setting text;
BEGIN
  FOREACH setting IN ARRAY string_to_array(current_setting('schemagate.allowed_settings'), ',') LOOP
    EXECUTE format('GRANT SET ON PARAMETER %I TO postgres', setting);
  END LOOP;
END
$shim$;

-- policy_grants and drop_trigger_grants: postgres manages policies on, and drops triggers of,
-- these tables without owning them.
CREATE TABLE IF NOT EXISTS schemagate.policy_grants (name text PRIMARY KEY, owner name NOT NULL);
INSERT INTO schemagate.policy_grants VALUES
  ('auth.audit_log_entries', 'supabase_auth_admin'), ('auth.identities', 'supabase_auth_admin'),
  ('auth.refresh_tokens', 'supabase_auth_admin'), ('auth.sessions', 'supabase_auth_admin'),
  ('auth.users', 'supabase_auth_admin'), ('realtime.messages', 'supabase_realtime_admin'),
  ('storage.buckets', 'supabase_storage_admin'), ('storage.migrations', 'supabase_storage_admin'),
  ('storage.objects', 'supabase_storage_admin'), ('storage.s3_multipart_uploads', 'supabase_storage_admin'),
  ('storage.s3_multipart_uploads_parts', 'supabase_storage_admin')
ON CONFLICT (name) DO NOTHING;

-- Lifted at the start of one of supautils' commands: for the policy and trigger commands,
-- postgres owns the granted tables; for the superuser-only ones, postgres is a superuser. The
-- command's own permission checks then pass, and the end trigger (or the command's failure,
-- which rolls the transaction back) puts everything back.
--
-- While postgres is a superuser no code of the project's may run, or it would run with the
-- runner's rights. CREATE and ALTER PUBLICATION call none (a row filter may use built-in functions
-- and operators only). CREATE FOREIGN DATA WRAPPER calls its validator with the options given:
-- hosted Supabase runs it as its superuser whoever wrote it; here the command is lifted only when
-- no function the project could name as a validator exists that a superuser did not install.
-- The wrapper made must also pair its handler with that handler's own validator (the end trigger
-- checks): postgres_fdw's handler beside no validator, or another's, would take a user mapping's
-- password_required 'false', and a loopback login as the superuser with it. A stand-in's handler,
-- which can connect nowhere, may go without one, as hosted lets every wrapper (supautils).
CREATE OR REPLACE FUNCTION schemagate.supautils_start() RETURNS event_trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF session_user <> 'postgres' OR (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = 'postgres') THEN
    RETURN;
  END IF;
  IF tg_tag = 'CREATE FOREIGN DATA WRAPPER' AND EXISTS (
    SELECT FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_roles r ON r.oid = p.proowner
    WHERE p.proargtypes = '1009 26'::pg_catalog.oidvector AND NOT r.rolsuper
  ) THEN
    RAISE EXCEPTION 'schemagate runs CREATE FOREIGN DATA WRAPPER only with validators a superuser installed'
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'a function of the project''s takes a validator''s arguments (text[], oid)',
            HINT = 'hosted Supabase would run that validator as its superuser; here that would give the '
                   'pull request''s SQL the runner''s rights: use a wrapper''s own validator';
  END IF;
  PERFORM pg_catalog.set_config('schemagate.lifted', tg_tag, true);
  IF tg_tag IN ('CREATE FOREIGN DATA WRAPPER', 'CREATE PUBLICATION', 'ALTER PUBLICATION') THEN
    UPDATE pg_catalog.pg_authid SET rolsuper = true WHERE rolname = 'postgres';
  ELSE
    UPDATE pg_catalog.pg_class c SET relowner = 'postgres'::regrole
    FROM schemagate.policy_grants g WHERE c.oid = pg_catalog.to_regclass(g.name);
  END IF;
  -- a further command makes the change visible to the permission checks that follow
  PERFORM FROM pg_catalog.pg_roles WHERE rolname = 'postgres';
END
$$;

CREATE OR REPLACE FUNCTION schemagate.supautils_end() RETURNS event_trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  lifted text := pg_catalog.current_setting('schemagate.lifted', true);
  made record;
BEGIN
  IF tg_tag = 'CREATE EXTENSION' THEN
    -- extensions_parameter_overrides: pg_cron lands in pg_catalog whatever schema was asked
    UPDATE pg_catalog.pg_extension SET extnamespace = 'pg_catalog'::regnamespace
    WHERE extname = 'pg_cron' AND extnamespace <> 'pg_catalog'::regnamespace;
    RETURN;
  END IF;
  IF coalesce(lifted, '') = '' THEN
    RETURN;
  END IF;
  PERFORM pg_catalog.set_config('schemagate.lifted', '', true);
  IF lifted = 'CREATE FOREIGN DATA WRAPPER' AND EXISTS (
    SELECT FROM pg_catalog.pg_event_trigger_ddl_commands() d
    JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = d.objid
    WHERE d.classid = 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass
      AND w.fdwhandler <> 0 AND NOT EXISTS (
        SELECT FROM pg_catalog.pg_depend h JOIN pg_catalog.pg_depend v
          ON v.refclassid = h.refclassid AND v.refobjid = h.refobjid
        WHERE h.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND h.objid = w.fdwhandler
          AND v.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND v.objid = w.fdwvalidator
          AND h.deptype = 'e' AND v.deptype = 'e')
      -- a stand-in's handler (the wrappers stand-in) is fdw_handler's own input function, which
      -- raises when called: its wrapper never connects anywhere, whatever options it is given
      AND NOT EXISTS (
        SELECT FROM pg_catalog.pg_proc h JOIN pg_catalog.pg_language l ON l.oid = h.prolang
        WHERE h.oid = w.fdwhandler AND l.lanname = 'internal' AND h.prosrc = 'fdw_handler_in')
  ) THEN
    RAISE EXCEPTION 'schemagate runs CREATE FOREIGN DATA WRAPPER only with a handler''s own validator'
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'the wrapper''s handler and validator are not of one extension',
            HINT = 'without its own validator a handler takes options only a superuser may set '
                   '(postgres_fdw''s password_required), giving the pull request''s SQL the runner''s '
                   'rights: name the validator the handler''s extension ships';
  END IF;
  IF lifted IN ('CREATE FOREIGN DATA WRAPPER', 'CREATE PUBLICATION', 'ALTER PUBLICATION') THEN
    UPDATE pg_catalog.pg_authid SET rolsuper = false WHERE rolname = 'postgres';
    RETURN;
  END IF;
  UPDATE pg_catalog.pg_class c SET relowner = g.owner::regrole
  FROM schemagate.policy_grants g WHERE c.oid = pg_catalog.to_regclass(g.name);
  -- COMMENT is lifted for policies only: a comment on the table, a column or a trigger of a granted
  -- table needs its owner, as on Supabase
  IF tg_tag = 'COMMENT' THEN
    FOR made IN SELECT d.classid, d.objid, d.object_identity FROM pg_catalog.pg_event_trigger_ddl_commands() d LOOP
      IF made.classid = 'pg_catalog.pg_class'::regclass
         AND made.objid IN (SELECT pg_catalog.to_regclass(name) FROM schemagate.policy_grants)
         OR made.classid = 'pg_catalog.pg_trigger'::regclass
         AND (SELECT tgrelid FROM pg_catalog.pg_trigger WHERE oid = made.objid)
             IN (SELECT pg_catalog.to_regclass(name) FROM schemagate.policy_grants) THEN
        RAISE EXCEPTION 'must be owner of relation %', pg_catalog.split_part(made.object_identity, '.', 2)
          USING ERRCODE = 'insufficient_privilege';
      END IF;
    END LOOP;
  END IF;
END
$$;

-- A trigger runs as whoever writes the row. A superuser's table that postgres may put a trigger on
-- (GRANT ALL includes TRIGGER; the extensions schema's default privileges give it on every table an
-- extension's script makes) runs the project's function as that superuser when a SECURITY DEFINER
-- function of the superuser's writes there, as pg_net's do on their queue. Such a trigger is refused.
CREATE OR REPLACE FUNCTION schemagate.superuser_tables_end() RETURNS event_trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  made record;
BEGIN
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = session_user) THEN
    RETURN;
  END IF;
  FOR made IN
    SELECT c.oid::pg_catalog.regclass AS rel FROM pg_catalog.pg_event_trigger_ddl_commands() d
    JOIN pg_catalog.pg_trigger t ON t.oid = d.objid JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
    JOIN pg_catalog.pg_roles r ON r.oid = c.relowner
    WHERE d.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND r.rolsuper
  LOOP
    RAISE EXCEPTION 'schemagate refuses a trigger on %, a superuser''s table', made.rel
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'a trigger runs as whoever writes the row, a superuser''s function among them',
            HINT = 'such a trigger would give the pull request''s SQL the runner''s rights: put it on '
                   'a table of the project''s';
  END LOOP;
END
$$;

REVOKE ALL ON FUNCTION schemagate.supautils_start(), schemagate.supautils_end(),
  schemagate.superuser_tables_end() FROM PUBLIC;

DO $shim$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger WHERE evtname = 'schemagate_superuser_tables') THEN
    CREATE EVENT TRIGGER schemagate_superuser_tables ON ddl_command_end WHEN TAG IN ('CREATE TRIGGER')
      EXECUTE FUNCTION schemagate.superuser_tables_end();
    ALTER EVENT TRIGGER schemagate_superuser_tables ENABLE ALWAYS;
  END IF;
END
$shim$;

DO $shim$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger WHERE evtname = 'schemagate_supautils_start') THEN
    CREATE EVENT TRIGGER schemagate_supautils_start ON ddl_command_start
      WHEN TAG IN ('CREATE POLICY', 'ALTER POLICY', 'DROP POLICY', 'COMMENT', 'DROP TRIGGER',
                   'CREATE FOREIGN DATA WRAPPER', 'CREATE PUBLICATION', 'ALTER PUBLICATION')
      EXECUTE FUNCTION schemagate.supautils_start();
    CREATE EVENT TRIGGER schemagate_supautils_end ON ddl_command_end
      WHEN TAG IN ('CREATE POLICY', 'ALTER POLICY', 'DROP POLICY', 'COMMENT', 'DROP TRIGGER',
                   'CREATE FOREIGN DATA WRAPPER', 'CREATE PUBLICATION', 'ALTER PUBLICATION',
                   'CREATE EXTENSION')
      EXECUTE FUNCTION schemagate.supautils_end();
    -- pg_dump baselines run with session_replication_role = replica, which silences ordinary
    -- event triggers; supautils is no event trigger and is never silenced
    ALTER EVENT TRIGGER schemagate_supautils_start ENABLE ALWAYS;
    ALTER EVENT TRIGGER schemagate_supautils_end ENABLE ALWAYS;
  END IF;
END
$shim$;
