-- schemagate stand-in for pg_jsonschema 0.3.3. The signatures are hosted Supabase's
-- (supabase/postgres nix/tests/expected/z_15_ext_interface.out). JSON Schema validation is not
-- written again here: a call raises, so a CHECK constraint or trigger that validates rows makes
-- the check say "could not verify" instead of passing or failing rows it cannot judge.
CREATE FUNCTION @extschema@.json_matches_schema(schema json, instance json) RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'json_matches_schema() was called: the throwaway database''s pg_jsonschema is a schemagate stand-in that validates nothing'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION @extschema@.jsonb_matches_schema(schema json, instance jsonb) RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'jsonb_matches_schema() was called: the throwaway database''s pg_jsonschema is a schemagate stand-in that validates nothing'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION @extschema@.jsonschema_is_valid(schema json) RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'jsonschema_is_valid() was called: the throwaway database''s pg_jsonschema is a schemagate stand-in that validates nothing'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION @extschema@.jsonschema_validation_errors(schema json, instance json) RETURNS text[]
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'jsonschema_validation_errors() was called: the throwaway database''s pg_jsonschema is a schemagate stand-in that validates nothing'
    USING ERRCODE = 'feature_not_supported';
END
$$;
