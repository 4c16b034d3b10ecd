-- schemagate stand-in for pgcrypto 1.3 on a server without contrib. digest() and hmac() are real
-- for md5 and the SHA-2 family (core PostgreSQL has those); sha1 raises. gen_random_bytes() is
-- random. crypt()/gen_salt() keep the shape of a bcrypt hash but are a salted SHA-256: good for
-- seeds, not for logging in. PGP functions raise.
CREATE FUNCTION @extschema@.digest(data bytea, type text) RETURNS bytea
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  CASE lower(type)
    WHEN 'md5' THEN RETURN decode(md5(data), 'hex');
    WHEN 'sha224' THEN RETURN sha224(data);
    WHEN 'sha256' THEN RETURN sha256(data);
    WHEN 'sha384' THEN RETURN sha384(data);
    WHEN 'sha512' THEN RETURN sha512(data);
    ELSE RAISE EXCEPTION 'Cannot use "%": No such hash algorithm', type USING ERRCODE = 'external_routine_invocation_exception';
  END CASE;
END
$$;
CREATE FUNCTION @extschema@.digest(data text, type text) RETURNS bytea
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT @extschema@.digest(convert_to(data, 'UTF8'), type) $$;

CREATE FUNCTION @extschema@.hmac(data bytea, key bytea, type text) RETURNS bytea
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  block integer := CASE WHEN lower(type) IN ('sha384', 'sha512') THEN 128 ELSE 64 END;
  k bytea := key;
  inner_pad bytea;
  outer_pad bytea;
BEGIN
  IF octet_length(k) > block THEN
    k := @extschema@.digest(k, type);
  END IF;
  k := k || decode(repeat('00', block - octet_length(k)), 'hex');
  inner_pad := k;
  outer_pad := k;
  FOR i IN 0 .. block - 1 LOOP
    inner_pad := set_byte(inner_pad, i, get_byte(k, i) # 54);
    outer_pad := set_byte(outer_pad, i, get_byte(k, i) # 92);
  END LOOP;
  RETURN @extschema@.digest(outer_pad || @extschema@.digest(inner_pad || data, type), type);
END
$$;
CREATE FUNCTION @extschema@.hmac(data text, key text, type text) RETURNS bytea
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT @extschema@.hmac(convert_to(data, 'UTF8'), convert_to(key, 'UTF8'), type)
$$;

CREATE FUNCTION @extschema@.gen_random_bytes(integer) RETURNS bytea
  LANGUAGE sql VOLATILE STRICT PARALLEL SAFE AS $$
  SELECT substring(string_agg(uuid_send(pg_catalog.gen_random_uuid()), ''::bytea) FROM 1 FOR $1)
  FROM generate_series(1, ($1 + 15) / 16)
$$;
CREATE FUNCTION @extschema@.gen_random_uuid() RETURNS uuid
  LANGUAGE sql VOLATILE PARALLEL SAFE AS $$ SELECT pg_catalog.gen_random_uuid() $$;

CREATE FUNCTION @extschema@.gen_salt(text) RETURNS text
  LANGUAGE sql VOLATILE STRICT AS $$
  SELECT '$2a$06$' || substring(translate(encode(@extschema@.gen_random_bytes(18), 'base64'), '+', '.') FROM 1 FOR 22)
$$;
CREATE FUNCTION @extschema@.gen_salt(text, integer) RETURNS text
  LANGUAGE sql VOLATILE STRICT AS $$ SELECT @extschema@.gen_salt($1) $$;
CREATE FUNCTION @extschema@.crypt(password text, salt text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT substring(salt FROM 1 FOR 29)
         || substring(translate(encode(sha256(convert_to(substring(salt FROM 1 FOR 29) || password, 'UTF8')), 'base64'), '+', '.') FROM 1 FOR 31)
$$;

CREATE FUNCTION @extschema@.pgp_sym_encrypt(data text, psw text) RETURNS bytea
  LANGUAGE plpgsql STRICT AS $$
BEGIN
  RAISE EXCEPTION 'pgp_sym_encrypt() is not in the pgcrypto stand-in: install contrib to run this check'
    USING ERRCODE = 'feature_not_supported';
END
$$;
CREATE FUNCTION @extschema@.pgp_sym_decrypt(msg bytea, psw text) RETURNS text
  LANGUAGE plpgsql STRICT AS $$
BEGIN
  RAISE EXCEPTION 'pgp_sym_decrypt() is not in the pgcrypto stand-in: install contrib to run this check'
    USING ERRCODE = 'feature_not_supported';
END
$$;
CREATE FUNCTION @extschema@.armor(bytea) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT E'-----BEGIN PGP MESSAGE-----\n\n' || encode($1, 'base64') || E'\n-----END PGP MESSAGE-----\n'
$$;
