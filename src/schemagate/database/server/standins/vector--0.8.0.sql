-- schemagate stand-in for pgvector 0.8.0. The vector type keeps its text form ('[1,2,3]'), its
-- distance operators compute the real distances in SQL, and hnsw and ivfflat exist as index methods
-- built on the hash method so that CREATE INDEX ... USING hnsw (embedding vector_cosine_ops)
-- applies. What it does not do: check a value against vector(n)'s dimensions, or take index
-- parameters (WITH (m = 16)); the real pgvector does both.
CREATE TYPE @extschema@.vector;
CREATE FUNCTION @extschema@.vector_in(cstring, oid, integer) RETURNS @extschema@.vector
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textin';
CREATE FUNCTION @extschema@.vector_out(@extschema@.vector) RETURNS cstring
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textout';
CREATE FUNCTION @extschema@.vector_recv(internal, oid, integer) RETURNS @extschema@.vector
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textrecv';
CREATE FUNCTION @extschema@.vector_send(@extschema@.vector) RETURNS bytea
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textsend';
CREATE FUNCTION @extschema@.vector_typmod_in(cstring[]) RETURNS integer
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'varchartypmodin';
CREATE FUNCTION @extschema@.vector_typmod_out(integer) RETURNS cstring
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'varchartypmodout';
CREATE TYPE @extschema@.vector (
  INPUT = @extschema@.vector_in, OUTPUT = @extschema@.vector_out,
  RECEIVE = @extschema@.vector_recv, SEND = @extschema@.vector_send,
  TYPMOD_IN = @extschema@.vector_typmod_in, TYPMOD_OUT = @extschema@.vector_typmod_out,
  INTERNALLENGTH = VARIABLE, STORAGE = extended
);

CREATE CAST (@extschema@.vector AS text) WITHOUT FUNCTION;
CREATE CAST (text AS @extschema@.vector) WITHOUT FUNCTION;

CREATE FUNCTION @extschema@.vector_to_float8(v @extschema@.vector) RETURNS double precision[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT string_to_array(btrim(v::text, '[] '), ',')::double precision[]
$$;
CREATE FUNCTION @extschema@.array_to_vector(a real[]) RETURNS @extschema@.vector
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT ('[' || array_to_string(a, ',') || ']')::text::@extschema@.vector $$;
CREATE FUNCTION @extschema@.array_to_vector(a double precision[]) RETURNS @extschema@.vector
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT ('[' || array_to_string(a, ',') || ']')::text::@extschema@.vector $$;
CREATE FUNCTION @extschema@.array_to_vector(a integer[]) RETURNS @extschema@.vector
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT ('[' || array_to_string(a, ',') || ']')::text::@extschema@.vector $$;
CREATE FUNCTION @extschema@.vector_to_float4(v @extschema@.vector) RETURNS real[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT @extschema@.vector_to_float8(v)::real[] $$;
CREATE CAST (real[] AS @extschema@.vector) WITH FUNCTION @extschema@.array_to_vector(real[]) AS ASSIGNMENT;
CREATE CAST (double precision[] AS @extschema@.vector)
  WITH FUNCTION @extschema@.array_to_vector(double precision[]) AS ASSIGNMENT;
CREATE CAST (integer[] AS @extschema@.vector) WITH FUNCTION @extschema@.array_to_vector(integer[]) AS ASSIGNMENT;
CREATE CAST (@extschema@.vector AS real[]) WITH FUNCTION @extschema@.vector_to_float4(@extschema@.vector) AS IMPLICIT;

-- the pairs of coordinates of two vectors, refusing vectors of different dimensions as pgvector does
CREATE FUNCTION @extschema@._pairs(a @extschema@.vector, b @extschema@.vector)
  RETURNS TABLE (x double precision, y double precision)
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  xs double precision[] := @extschema@.vector_to_float8(a);
  ys double precision[] := @extschema@.vector_to_float8(b);
BEGIN
  IF cardinality(xs) <> cardinality(ys) THEN
    RAISE EXCEPTION 'different vector dimensions % and %', cardinality(xs), cardinality(ys)
      USING ERRCODE = 'data_exception';
  END IF;
  RETURN QUERY SELECT * FROM unnest(xs, ys);
END
$$;

CREATE FUNCTION @extschema@.l2_distance(a @extschema@.vector, b @extschema@.vector) RETURNS double precision
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sqrt(sum((x - y) ^ 2)) FROM @extschema@._pairs(a, b) $$;
CREATE FUNCTION @extschema@.l1_distance(a @extschema@.vector, b @extschema@.vector) RETURNS double precision
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sum(abs(x - y)) FROM @extschema@._pairs(a, b) $$;
CREATE FUNCTION @extschema@.inner_product(a @extschema@.vector, b @extschema@.vector) RETURNS double precision
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sum(x * y) FROM @extschema@._pairs(a, b) $$;
CREATE FUNCTION @extschema@.vector_negative_inner_product(a @extschema@.vector, b @extschema@.vector)
  RETURNS double precision
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT -sum(x * y) FROM @extschema@._pairs(a, b) $$;
CREATE FUNCTION @extschema@.cosine_distance(a @extschema@.vector, b @extschema@.vector) RETURNS double precision
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT 1 - sum(x * y) / nullif(sqrt(sum(x * x)) * sqrt(sum(y * y)), 0) FROM @extschema@._pairs(a, b)
$$;
CREATE FUNCTION @extschema@.vector_dims(v @extschema@.vector) RETURNS integer
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT cardinality(@extschema@.vector_to_float8(v)) $$;
CREATE FUNCTION @extschema@.vector_norm(v @extschema@.vector) RETURNS double precision
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT sqrt(sum(x * x)) FROM unnest(@extschema@.vector_to_float8(v)) x
$$;

CREATE OPERATOR @extschema@.<-> (LEFTARG = @extschema@.vector, RIGHTARG = @extschema@.vector,
  FUNCTION = @extschema@.l2_distance, COMMUTATOR = OPERATOR(@extschema@.<->));
CREATE OPERATOR @extschema@.<#> (LEFTARG = @extschema@.vector, RIGHTARG = @extschema@.vector,
  FUNCTION = @extschema@.vector_negative_inner_product, COMMUTATOR = OPERATOR(@extschema@.<#>));
CREATE OPERATOR @extschema@.<=> (LEFTARG = @extschema@.vector, RIGHTARG = @extschema@.vector,
  FUNCTION = @extschema@.cosine_distance, COMMUTATOR = OPERATOR(@extschema@.<=>));
CREATE OPERATOR @extschema@.<+> (LEFTARG = @extschema@.vector, RIGHTARG = @extschema@.vector,
  FUNCTION = @extschema@.l1_distance, COMMUTATOR = OPERATOR(@extschema@.<+>));

-- equality and hashing on the stored form: what the stand-in index methods need
CREATE FUNCTION @extschema@.vector_eq(@extschema@.vector, @extschema@.vector) RETURNS boolean
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'byteaeq';
CREATE FUNCTION @extschema@.vector_hash(@extschema@.vector) RETURNS integer
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'hashvarlena';
CREATE OPERATOR @extschema@.= (LEFTARG = @extschema@.vector, RIGHTARG = @extschema@.vector,
  FUNCTION = @extschema@.vector_eq, COMMUTATOR = OPERATOR(@extschema@.=), HASHES);

CREATE FUNCTION @extschema@.hnswhandler(internal) RETURNS index_am_handler
  LANGUAGE internal AS 'hashhandler';
CREATE FUNCTION @extschema@.ivfflathandler(internal) RETURNS index_am_handler
  LANGUAGE internal AS 'hashhandler';
CREATE ACCESS METHOD hnsw TYPE INDEX HANDLER @extschema@.hnswhandler;
CREATE ACCESS METHOD ivfflat TYPE INDEX HANDLER @extschema@.ivfflathandler;

CREATE OPERATOR CLASS @extschema@.vector_ops DEFAULT FOR TYPE @extschema@.vector USING hash AS
  OPERATOR 1 @extschema@.= , FUNCTION 1 @extschema@.vector_hash(@extschema@.vector);
CREATE OPERATOR CLASS @extschema@.vector_l2_ops DEFAULT FOR TYPE @extschema@.vector USING hnsw AS
  OPERATOR 1 @extschema@.= , FUNCTION 1 @extschema@.vector_hash(@extschema@.vector);
CREATE OPERATOR CLASS @extschema@.vector_ip_ops FOR TYPE @extschema@.vector USING hnsw AS
  OPERATOR 1 @extschema@.= , FUNCTION 1 @extschema@.vector_hash(@extschema@.vector);
CREATE OPERATOR CLASS @extschema@.vector_cosine_ops FOR TYPE @extschema@.vector USING hnsw AS
  OPERATOR 1 @extschema@.= , FUNCTION 1 @extschema@.vector_hash(@extschema@.vector);
CREATE OPERATOR CLASS @extschema@.vector_l1_ops FOR TYPE @extschema@.vector USING hnsw AS
  OPERATOR 1 @extschema@.= , FUNCTION 1 @extschema@.vector_hash(@extschema@.vector);
CREATE OPERATOR CLASS @extschema@.vector_l2_ops DEFAULT FOR TYPE @extschema@.vector USING ivfflat AS
  OPERATOR 1 @extschema@.= , FUNCTION 1 @extschema@.vector_hash(@extschema@.vector);
CREATE OPERATOR CLASS @extschema@.vector_ip_ops FOR TYPE @extschema@.vector USING ivfflat AS
  OPERATOR 1 @extschema@.= , FUNCTION 1 @extschema@.vector_hash(@extschema@.vector);
CREATE OPERATOR CLASS @extschema@.vector_cosine_ops FOR TYPE @extschema@.vector USING ivfflat AS
  OPERATOR 1 @extschema@.= , FUNCTION 1 @extschema@.vector_hash(@extschema@.vector);
