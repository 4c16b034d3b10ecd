-- schemagate stand-in for pgsodium 3.1.8: the pgsodium schema, its three roles, the key table and
-- the functions `db pull` baselines and Vault rely on. Random bytes are real (from
-- gen_random_uuid); "encryption" is a reversible placeholder that keeps round trips working.
-- The script runs as the superuser with the extension's schema first on the path, a schema the
-- project may have made: what runs here names pg_catalog.
DO $$
DECLARE
  role text;
BEGIN
  FOREACH role IN ARRAY ARRAY['pgsodium_keyiduser', 'pgsodium_keyholder', 'pgsodium_keymaker'] LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role) THEN
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', role);
    END IF;
  END LOOP;
END
$$;
GRANT pgsodium_keyiduser TO pgsodium_keyholder;
GRANT pgsodium_keyholder TO pgsodium_keymaker;

CREATE TYPE @extschema@.key_status AS ENUM ('default', 'valid', 'invalid', 'expired');
CREATE TYPE @extschema@.key_type AS ENUM ('aead-ietf', 'aead-det', 'hmacsha512', 'hmacsha256', 'auth',
  'shorthash', 'generichash', 'kdf', 'secretbox', 'secretstream', 'stream_xchacha20');

CREATE TABLE @extschema@.key (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status @extschema@.key_status DEFAULT 'valid',
  created timestamptz NOT NULL DEFAULT now(),
  expires timestamptz,
  key_type @extschema@.key_type,
  key_id bigserial,
  key_context bytea DEFAULT 'pgsodium',
  name text UNIQUE,
  associated_data text DEFAULT 'associated',
  raw_key bytea,
  raw_key_nonce bytea,
  parent_key uuid REFERENCES @extschema@.key (id),
  comment text,
  user_data text
);
CREATE VIEW @extschema@.valid_key AS
  SELECT id, name, status, key_type, key_id, key_context, created, expires, associated_data
  FROM @extschema@.key WHERE status IN ('valid', 'default') AND (expires IS NULL OR expires > now());

CREATE FUNCTION @extschema@.randombytes_buf(size integer) RETURNS bytea
  LANGUAGE sql VOLATILE AS $$
  SELECT substring(string_agg(decode(replace(gen_random_uuid()::text, '-', ''), 'hex'), ''::bytea), 1, size)
  FROM generate_series(1, (size + 15) / 16)
$$;
CREATE FUNCTION @extschema@.randombytes_random() RETURNS integer
  LANGUAGE sql VOLATILE AS $$ SELECT (random() * 2147483647)::integer $$;
CREATE FUNCTION @extschema@.crypto_aead_det_keygen() RETURNS bytea
  LANGUAGE sql VOLATILE AS $$ SELECT @extschema@.randombytes_buf(32) $$;
CREATE FUNCTION @extschema@.crypto_secretbox_keygen() RETURNS bytea
  LANGUAGE sql VOLATILE AS $$ SELECT @extschema@.randombytes_buf(32) $$;
CREATE FUNCTION @extschema@.crypto_secretbox_noncegen() RETURNS bytea
  LANGUAGE sql VOLATILE AS $$ SELECT @extschema@.randombytes_buf(24) $$;
CREATE FUNCTION @extschema@.crypto_aead_det_noncegen() RETURNS bytea
  LANGUAGE sql VOLATILE AS $$ SELECT @extschema@.randombytes_buf(16) $$;

-- The placeholder cipher: the message, reversed byte for byte behind a marker. Never secret.
CREATE FUNCTION @extschema@.crypto_aead_det_encrypt(message bytea, additional bytea, key_uuid uuid,
                                                     nonce bytea DEFAULT NULL) RETURNS bytea
  LANGUAGE sql IMMUTABLE AS $$
  SELECT '\x5347'::bytea || decode(reverse(encode(message, 'hex')), 'hex')
$$;
CREATE FUNCTION @extschema@.crypto_aead_det_decrypt(message bytea, additional bytea, key_uuid uuid,
                                                     nonce bytea DEFAULT NULL) RETURNS bytea
  LANGUAGE sql IMMUTABLE AS $$
  SELECT decode(reverse(encode(substring(message FROM 3), 'hex')), 'hex')
$$;

CREATE FUNCTION @extschema@.create_key(key_type @extschema@.key_type DEFAULT 'aead-det', name text DEFAULT NULL,
                                       raw_key bytea DEFAULT NULL, raw_key_nonce bytea DEFAULT NULL,
                                       parent_key uuid DEFAULT NULL, key_context bytea DEFAULT 'pgsodium',
                                       expires timestamptz DEFAULT NULL, associated_data text DEFAULT '')
  RETURNS @extschema@.valid_key LANGUAGE sql AS $$
  INSERT INTO @extschema@.key (key_type, name, raw_key, raw_key_nonce, parent_key, key_context, expires, associated_data)
  VALUES (key_type, name, raw_key, raw_key_nonce, parent_key, key_context, expires, associated_data)
  RETURNING id, name, status, key_type, key_id, key_context, created, expires, associated_data
$$;

GRANT USAGE ON SCHEMA @extschema@ TO pgsodium_keyiduser;
GRANT SELECT ON @extschema@.valid_key TO pgsodium_keyiduser;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.key TO pgsodium_keymaker;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA @extschema@ TO pgsodium_keyiduser;
