-- schemagate stand-in for pg_hashids 1.3. The signatures are hosted Supabase's
-- (supabase/postgres nix/tests/expected/z_15_ext_interface.out): id_encode of a bigint or a
-- bigint[], id_decode and id_decode_once of text, each with an optional salt, minimum length and
-- alphabet. Hashids are not computed here: a call raises, so a trigger or default that encodes
-- ids makes the check say "could not verify" instead of storing ids hosted would not store.

CREATE FUNCTION id_encode(bigint) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'id_encode() was called: the throwaway database''s pg_hashids is a schemagate stand-in that computes no hashids'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION id_encode(bigint, text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'id_encode() was called: the throwaway database''s pg_hashids is a schemagate stand-in that computes no hashids'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION id_encode(bigint, text, integer) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'id_encode() was called: the throwaway database''s pg_hashids is a schemagate stand-in that computes no hashids'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION id_encode(bigint, text, integer, text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'id_encode() was called: the throwaway database''s pg_hashids is a schemagate stand-in that computes no hashids'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION id_encode(bigint[]) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'id_encode() was called: the throwaway database''s pg_hashids is a schemagate stand-in that computes no hashids'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION id_encode(bigint[], text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'id_encode() was called: the throwaway database''s pg_hashids is a schemagate stand-in that computes no hashids'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION id_encode(bigint[], text, integer) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'id_encode() was called: the throwaway database''s pg_hashids is a schemagate stand-in that computes no hashids'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION id_encode(bigint[], text, integer, text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'id_encode() was called: the throwaway database''s pg_hashids is a schemagate stand-in that computes no hashids'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION id_decode(text) RETURNS bigint[]
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'id_decode() was called: the throwaway database''s pg_hashids is a schemagate stand-in that computes no hashids'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION id_decode(text, text) RETURNS bigint[]
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'id_decode() was called: the throwaway database''s pg_hashids is a schemagate stand-in that computes no hashids'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION id_decode(text, text, integer) RETURNS bigint[]
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'id_decode() was called: the throwaway database''s pg_hashids is a schemagate stand-in that computes no hashids'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION id_decode(text, text, integer, text) RETURNS bigint[]
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'id_decode() was called: the throwaway database''s pg_hashids is a schemagate stand-in that computes no hashids'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION id_decode_once(text) RETURNS bigint
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'id_decode_once() was called: the throwaway database''s pg_hashids is a schemagate stand-in that computes no hashids'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION id_decode_once(text, text) RETURNS bigint
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'id_decode_once() was called: the throwaway database''s pg_hashids is a schemagate stand-in that computes no hashids'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION id_decode_once(text, text, integer) RETURNS bigint
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'id_decode_once() was called: the throwaway database''s pg_hashids is a schemagate stand-in that computes no hashids'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION id_decode_once(text, text, integer, text) RETURNS bigint
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RAISE EXCEPTION 'id_decode_once() was called: the throwaway database''s pg_hashids is a schemagate stand-in that computes no hashids'
    USING ERRCODE = 'feature_not_supported';
END
$$;
