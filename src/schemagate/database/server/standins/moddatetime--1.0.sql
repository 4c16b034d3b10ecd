-- schemagate stand-in for moddatetime 1.0 on a server without contrib: the same trigger function
-- (moddatetime(column)), doing the same thing, written in PL/pgSQL.
CREATE FUNCTION @extschema@.moddatetime() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_NARGS <> 1 THEN
    RAISE EXCEPTION 'moddatetime (%): A single argument was expected', TG_RELNAME;
  END IF;
  IF TG_OP <> 'UPDATE' OR TG_LEVEL <> 'ROW' OR TG_WHEN <> 'BEFORE' THEN
    RAISE EXCEPTION 'moddatetime: must be fired before update, for each row';
  END IF;
  NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[0], CURRENT_TIMESTAMP));
  RETURN NEW;
END
$$;
