-- schemagate stand-in for pg_tle 1.4.0: the pgtle schema and its install functions; extensions
-- handed to it are recorded in pgtle.extensions, not installed.
CREATE TABLE pgtle.extensions (name text, version text, description text, ext text, requires text[],
                               PRIMARY KEY (name, version));
CREATE FUNCTION pgtle.install_extension(name text, version text, description text, ext text,
                                        requires text[] DEFAULT NULL) RETURNS boolean
  LANGUAGE sql AS $$ INSERT INTO pgtle.extensions VALUES (name, version, description, ext, requires) RETURNING true $$;
CREATE FUNCTION pgtle.install_update_path(name text, fromvers text, tovers text, ext text) RETURNS boolean
  LANGUAGE sql AS $$ SELECT true $$;
CREATE FUNCTION pgtle.set_default_version(name text, version text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE FUNCTION pgtle.uninstall_extension(extname text) RETURNS boolean
  LANGUAGE sql AS $$ WITH gone AS (DELETE FROM pgtle.extensions WHERE name = extname RETURNING 1)
                     SELECT count(*) > 0 FROM gone $$;
-- database.dev's install recipe removes an earlier copy first
CREATE FUNCTION pgtle.uninstall_extension_if_exists(extname text) RETURNS boolean
  LANGUAGE sql AS $$ WITH gone AS (DELETE FROM pgtle.extensions WHERE name = extname RETURNING 1)
                     SELECT count(*) > 0 FROM gone $$;
CREATE FUNCTION pgtle.available_extensions(OUT name name, OUT default_version text, OUT comment text)
  RETURNS SETOF record LANGUAGE sql AS $$ SELECT name::name, max(version), max(description) FROM pgtle.extensions GROUP BY name $$;
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'anon') THEN
    GRANT USAGE ON SCHEMA pgtle TO postgres;
    GRANT ALL ON pgtle.extensions TO postgres;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pgtle TO postgres;
  END IF;
END
$$;
