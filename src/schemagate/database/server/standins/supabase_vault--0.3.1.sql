-- schemagate stand-in for supabase_vault 0.3.1: the vault schema, its table, view and functions
-- with Vault's signatures. The throwaway database is discarded, so secrets are stored as given.

CREATE TABLE vault.secrets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text,
  description text NOT NULL DEFAULT '',
  secret text NOT NULL,
  key_id uuid,
  nonce bytea DEFAULT NULL,
  created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX secrets_name_idx ON vault.secrets (name) WHERE name IS NOT NULL;

CREATE VIEW vault.decrypted_secrets AS
  SELECT id, name, description, secret, secret AS decrypted_secret, key_id, nonce, created_at, updated_at
  FROM vault.secrets;

CREATE FUNCTION vault.create_secret(new_secret text, new_name text DEFAULT NULL,
                                    new_description text DEFAULT '', new_key_id uuid DEFAULT NULL)
  RETURNS uuid LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
  INSERT INTO vault.secrets (secret, name, description, key_id)
  VALUES (new_secret, new_name, new_description, new_key_id) RETURNING id
$$;

CREATE FUNCTION vault.update_secret(secret_id uuid, new_secret text DEFAULT NULL, new_name text DEFAULT NULL,
                                    new_description text DEFAULT NULL, new_key_id uuid DEFAULT NULL)
  RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
  UPDATE vault.secrets SET secret = coalesce(new_secret, secret), name = coalesce(new_name, name),
         description = coalesce(new_description, description), key_id = coalesce(new_key_id, key_id),
         updated_at = CURRENT_TIMESTAMP
  WHERE id = secret_id
$$;

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'anon') THEN
    GRANT USAGE ON SCHEMA vault TO postgres, service_role;
    -- as supabase/postgres nix/tests/expected/vault.out records them: postgres may read, delete,
    -- truncate and reference (a foreign key to vault.secrets), never insert or update
    GRANT SELECT, DELETE, REFERENCES, TRUNCATE ON vault.secrets, vault.decrypted_secrets TO postgres;
    GRANT SELECT, DELETE ON vault.secrets, vault.decrypted_secrets TO service_role;
    REVOKE EXECUTE ON FUNCTION vault.create_secret, vault.update_secret FROM public;
    GRANT EXECUTE ON FUNCTION vault.create_secret, vault.update_secret TO postgres, service_role;
    REVOKE ALL ON SCHEMA vault FROM public;
  END IF;
END
$$;
