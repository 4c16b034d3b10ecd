-- schemagate stand-in for pg_stat_statements 1.10 on a server without contrib: the view (empty)
-- and the reset function, so grants and monitoring views that read it are created.
CREATE FUNCTION @extschema@.pg_stat_statements(showtext boolean, OUT userid oid, OUT dbid oid,
    OUT toplevel boolean, OUT queryid bigint, OUT query text, OUT calls bigint,
    OUT total_exec_time double precision, OUT mean_exec_time double precision, OUT rows bigint)
  RETURNS SETOF record LANGUAGE sql AS $$
  SELECT NULL::oid, NULL::oid, NULL::boolean, NULL::bigint, NULL::text, NULL::bigint,
         NULL::double precision, NULL::double precision, NULL::bigint WHERE false
$$;
CREATE VIEW @extschema@.pg_stat_statements AS SELECT * FROM @extschema@.pg_stat_statements(true);
CREATE FUNCTION @extschema@.pg_stat_statements_reset(userid oid DEFAULT 0, dbid oid DEFAULT 0,
    queryid bigint DEFAULT 0) RETURNS void LANGUAGE sql AS $$ SELECT $$;
GRANT SELECT ON @extschema@.pg_stat_statements TO PUBLIC;
