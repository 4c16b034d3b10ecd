-- storage: the schema Supabase Storage owns. postgres uses its tables and manages policies on
-- them (supautils' policy grants, see 90_supautils.sql), but since April 2025 it may neither
-- create in the schema nor alter its tables (revoke_admin_roles_from_postgres).

CREATE SCHEMA IF NOT EXISTS storage AUTHORIZATION supabase_admin;
GRANT ALL ON SCHEMA storage TO supabase_storage_admin, dashboard_user;
GRANT USAGE ON SCHEMA storage TO anon, authenticated, service_role;
-- grant_storage_schema_to_postgres_with_grant_option
GRANT USAGE ON SCHEMA storage TO postgres WITH GRANT OPTION;
REVOKE CREATE ON SCHEMA storage FROM postgres;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage
  GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage
  GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage
  GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
SET ROLE supabase_storage_admin;

DO $shim$
BEGIN
  IF to_regtype('storage.buckettype') IS NULL THEN
    CREATE TYPE storage.buckettype AS ENUM ('STANDARD', 'ANALYTICS');
  END IF;
END
$shim$;

CREATE TABLE IF NOT EXISTS storage.migrations (
  id integer NOT NULL PRIMARY KEY,
  name varchar(100) NOT NULL UNIQUE,
  hash varchar(40) NOT NULL,
  executed_at timestamp DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS storage.buckets (
  id text NOT NULL PRIMARY KEY,
  name text NOT NULL,
  owner uuid,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  public boolean DEFAULT false,
  avif_autodetection boolean DEFAULT false,
  file_size_limit bigint,
  allowed_mime_types text[],
  owner_id text,
  type storage.buckettype NOT NULL DEFAULT 'STANDARD'
);
CREATE UNIQUE INDEX IF NOT EXISTS bname ON storage.buckets (name);

CREATE TABLE IF NOT EXISTS storage.objects (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  bucket_id text REFERENCES storage.buckets (id),
  name text,
  owner uuid,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  last_accessed_at timestamptz DEFAULT now(),
  metadata jsonb,
  path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
  version text,
  owner_id text,
  user_metadata jsonb,
  level integer
);
CREATE UNIQUE INDEX IF NOT EXISTS bucketid_objname ON storage.objects (bucket_id, name);
CREATE INDEX IF NOT EXISTS name_prefix_search ON storage.objects (name text_pattern_ops);

CREATE TABLE IF NOT EXISTS storage.s3_multipart_uploads (
  id text NOT NULL PRIMARY KEY,
  in_progress_size bigint NOT NULL DEFAULT 0,
  upload_signature text NOT NULL,
  bucket_id text NOT NULL REFERENCES storage.buckets (id),
  key text COLLATE "C" NOT NULL,
  version text NOT NULL,
  owner_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  user_metadata jsonb
);

CREATE TABLE IF NOT EXISTS storage.s3_multipart_uploads_parts (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  upload_id text NOT NULL REFERENCES storage.s3_multipart_uploads (id) ON DELETE CASCADE,
  size bigint NOT NULL DEFAULT 0,
  part_number integer NOT NULL,
  bucket_id text NOT NULL REFERENCES storage.buckets (id),
  key text COLLATE "C" NOT NULL,
  etag text NOT NULL,
  owner_id text,
  version text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE storage.migrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.s3_multipart_uploads ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.s3_multipart_uploads_parts ENABLE ROW LEVEL SECURITY;

CREATE OR REPLACE FUNCTION storage.foldername(name text) RETURNS text[]
  LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  parts text[];
BEGIN
  SELECT string_to_array(name, '/') INTO parts;
  RETURN parts[1:array_length(parts, 1) - 1];
END
$$;

CREATE OR REPLACE FUNCTION storage.filename(name text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  parts text[];
BEGIN
  SELECT string_to_array(name, '/') INTO parts;
  RETURN parts[array_length(parts, 1)];
END
$$;

CREATE OR REPLACE FUNCTION storage.extension(name text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  parts text[];
  filename text;
BEGIN
  SELECT string_to_array(name, '/') INTO parts;
  SELECT parts[array_length(parts, 1)] INTO filename;
  RETURN reverse(split_part(reverse(filename), '.', 1));
END
$$;

-- The objects of one folder of a bucket, as the dashboard and storage-js list them.
CREATE OR REPLACE FUNCTION storage.search(prefix text, bucketname text, limits integer DEFAULT 100,
                                          levels integer DEFAULT 1, offsets integer DEFAULT 0,
                                          search text DEFAULT '', sortcolumn text DEFAULT 'name',
                                          sortorder text DEFAULT 'asc')
  RETURNS TABLE (name text, id uuid, updated_at timestamptz, created_at timestamptz,
                 last_accessed_at timestamptz, metadata jsonb)
  LANGUAGE sql STABLE AS $$
  SELECT o.name, o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata
  FROM storage.objects o
  WHERE o.bucket_id = bucketname AND o.name LIKE prefix || '%' AND o.name ILIKE '%' || search || '%'
  ORDER BY o.name
  LIMIT limits OFFSET offsets
$$;

-- Since supabase/storage's prevent-direct-deletes migration (migrations/tenant/0055-prevent-direct-deletes.sql
-- at 4fa61fb; 0050 when it was merged in December 2025), a DELETE on buckets or objects that does
-- not come from the Storage API fails, once per statement and whether or not a row matches: the
-- files behind the rows would be orphaned. The API sets storage.allow_delete_query to 'true' first.
CREATE OR REPLACE FUNCTION storage.protect_delete() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('storage.allow_delete_query', true), 'false') <> 'true' THEN
    RAISE EXCEPTION 'Direct deletion from storage tables is not allowed. Use the Storage API instead.'
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'This prevents accidental data loss from orphaned objects.';
  END IF;
  RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER protect_buckets_delete BEFORE DELETE ON storage.buckets
  FOR EACH STATEMENT EXECUTE FUNCTION storage.protect_delete();
CREATE OR REPLACE TRIGGER protect_objects_delete BEFORE DELETE ON storage.objects
  FOR EACH STATEMENT EXECUTE FUNCTION storage.protect_delete();

RESET ROLE;
-- tmp_grant_storage_tables_to_postgres_with_grant_option; the rest through default privileges
GRANT ALL ON storage.buckets, storage.objects TO postgres WITH GRANT OPTION;
GRANT ALL ON storage.buckets, storage.objects, storage.s3_multipart_uploads,
  storage.s3_multipart_uploads_parts TO anon, authenticated, service_role;
GRANT ALL ON storage.s3_multipart_uploads, storage.s3_multipart_uploads_parts TO postgres;
-- revoke_admin_roles_from_postgres: storage.migrations is the storage service's alone
REVOKE ALL ON storage.migrations FROM anon, authenticated, service_role, postgres;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA storage TO postgres, anon, authenticated, service_role;
