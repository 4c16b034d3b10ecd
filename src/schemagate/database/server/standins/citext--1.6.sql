-- schemagate stand-in for citext 1.6 on a server without contrib: a text type whose comparisons,
-- unique indexes and hashing ignore case (through lower()), castable to and from text.
CREATE TYPE @extschema@.citext;
CREATE FUNCTION @extschema@.citextin(cstring) RETURNS @extschema@.citext
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textin';
CREATE FUNCTION @extschema@.citextout(@extschema@.citext) RETURNS cstring
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textout';
CREATE FUNCTION @extschema@.citextrecv(internal) RETURNS @extschema@.citext
  LANGUAGE internal STABLE STRICT PARALLEL SAFE AS 'textrecv';
CREATE FUNCTION @extschema@.citextsend(@extschema@.citext) RETURNS bytea
  LANGUAGE internal STABLE STRICT PARALLEL SAFE AS 'textsend';
CREATE TYPE @extschema@.citext (
  INPUT = @extschema@.citextin, OUTPUT = @extschema@.citextout,
  RECEIVE = @extschema@.citextrecv, SEND = @extschema@.citextsend,
  INTERNALLENGTH = VARIABLE, STORAGE = extended, CATEGORY = 'S', PREFERRED = false, COLLATABLE = true
);
CREATE CAST (@extschema@.citext AS text) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (@extschema@.citext AS varchar) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (text AS @extschema@.citext) WITHOUT FUNCTION AS ASSIGNMENT;
CREATE CAST (varchar AS @extschema@.citext) WITHOUT FUNCTION AS ASSIGNMENT;

CREATE FUNCTION @extschema@.citext_cmp(a @extschema@.citext, b @extschema@.citext) RETURNS integer
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT bttextcmp(lower(a::text), lower(b::text)) $$;
CREATE FUNCTION @extschema@.citext_hash(a @extschema@.citext) RETURNS integer
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT hashtext(lower(a::text)) $$;
CREATE FUNCTION @extschema@.citext_eq(a @extschema@.citext, b @extschema@.citext) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT lower(a::text) = lower(b::text) $$;
CREATE FUNCTION @extschema@.citext_ne(a @extschema@.citext, b @extschema@.citext) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT lower(a::text) <> lower(b::text) $$;
CREATE FUNCTION @extschema@.citext_lt(a @extschema@.citext, b @extschema@.citext) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT lower(a::text) < lower(b::text) $$;
CREATE FUNCTION @extschema@.citext_le(a @extschema@.citext, b @extschema@.citext) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT lower(a::text) <= lower(b::text) $$;
CREATE FUNCTION @extschema@.citext_gt(a @extschema@.citext, b @extschema@.citext) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT lower(a::text) > lower(b::text) $$;
CREATE FUNCTION @extschema@.citext_ge(a @extschema@.citext, b @extschema@.citext) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT lower(a::text) >= lower(b::text) $$;

CREATE OPERATOR @extschema@.= (LEFTARG = @extschema@.citext, RIGHTARG = @extschema@.citext,
  FUNCTION = @extschema@.citext_eq, COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR @extschema@.<> (LEFTARG = @extschema@.citext, RIGHTARG = @extschema@.citext,
  FUNCTION = @extschema@.citext_ne, COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=),
  RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR @extschema@.< (LEFTARG = @extschema@.citext, RIGHTARG = @extschema@.citext,
  FUNCTION = @extschema@.citext_lt, COMMUTATOR = OPERATOR(@extschema@.>), NEGATOR = OPERATOR(@extschema@.>=));
CREATE OPERATOR @extschema@.<= (LEFTARG = @extschema@.citext, RIGHTARG = @extschema@.citext,
  FUNCTION = @extschema@.citext_le, COMMUTATOR = OPERATOR(@extschema@.>=), NEGATOR = OPERATOR(@extschema@.>));
CREATE OPERATOR @extschema@.> (LEFTARG = @extschema@.citext, RIGHTARG = @extschema@.citext,
  FUNCTION = @extschema@.citext_gt, COMMUTATOR = OPERATOR(@extschema@.<), NEGATOR = OPERATOR(@extschema@.<=));
CREATE OPERATOR @extschema@.>= (LEFTARG = @extschema@.citext, RIGHTARG = @extschema@.citext,
  FUNCTION = @extschema@.citext_ge, COMMUTATOR = OPERATOR(@extschema@.<=), NEGATOR = OPERATOR(@extschema@.<));

CREATE OPERATOR CLASS @extschema@.citext_ops DEFAULT FOR TYPE @extschema@.citext USING btree AS
  OPERATOR 1 @extschema@.<, OPERATOR 2 @extschema@.<=, OPERATOR 3 @extschema@.=,
  OPERATOR 4 @extschema@.>=, OPERATOR 5 @extschema@.>,
  FUNCTION 1 @extschema@.citext_cmp(@extschema@.citext, @extschema@.citext);
CREATE OPERATOR CLASS @extschema@.citext_ops DEFAULT FOR TYPE @extschema@.citext USING hash AS
  OPERATOR 1 @extschema@.=, FUNCTION 1 @extschema@.citext_hash(@extschema@.citext);
