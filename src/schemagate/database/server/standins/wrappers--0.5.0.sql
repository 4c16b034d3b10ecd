-- schemagate stand-in for wrappers 0.5.0: for every wrapper Supabase ships, its handler,
-- validator and meta functions. A handler is the fdw_handler type's own input function, which
-- raises when called: foreign servers and tables are created, and reading one fails plainly.
CREATE TABLE @extschema@.wrappers_fdw_stats (
  fdw_name text PRIMARY KEY, create_times bigint, rows_in bigint, rows_out bigint,
  bytes_in bigint, bytes_out bigint, metadata jsonb, created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION @extschema@.airtable_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.airtable_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.airtable_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'airtable_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.auth0_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.auth0_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.auth0_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'auth0_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.bigquery_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.bigquery_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.bigquery_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'bigquery_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.cal_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.cal_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.cal_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'cal_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.calendly_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.calendly_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.calendly_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'calendly_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.clerk_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.clerk_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.clerk_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'clerk_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.clickhouse_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.clickhouse_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.clickhouse_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'clickhouse_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.cognito_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.cognito_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.cognito_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'cognito_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.duckdb_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.duckdb_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.duckdb_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'duckdb_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.firebase_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.firebase_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.firebase_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'firebase_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.gravatar_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.gravatar_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.gravatar_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'gravatar_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.hubspot_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.hubspot_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.hubspot_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'hubspot_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.iceberg_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.iceberg_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.iceberg_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'iceberg_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.logflare_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.logflare_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.logflare_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'logflare_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.mssql_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.mssql_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.mssql_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'mssql_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.notion_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.notion_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.notion_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'notion_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.orb_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.orb_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.orb_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'orb_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.paddle_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.paddle_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.paddle_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'paddle_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.redis_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.redis_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.redis_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'redis_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.s3_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.s3_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.s3_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 's3_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.s3_vectors_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.s3_vectors_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.s3_vectors_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 's3_vectors_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.stripe_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.stripe_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.stripe_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'stripe_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

CREATE FUNCTION @extschema@.wasm_fdw_handler() RETURNS fdw_handler LANGUAGE internal AS 'fdw_handler_in';
CREATE FUNCTION @extschema@.wasm_fdw_validator(options text[], catalog oid) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION @extschema@.wasm_fdw_meta() RETURNS TABLE (name text, version text, author text, website text)
  LANGUAGE sql AS $$ SELECT 'wasm_fdw', '0.5.0', 'schemagate stand-in', 'https://github.com/supabase/wrappers' $$;

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'anon') THEN
    GRANT ALL ON @extschema@.wrappers_fdw_stats TO postgres, service_role;
  END IF;
END
$$;
