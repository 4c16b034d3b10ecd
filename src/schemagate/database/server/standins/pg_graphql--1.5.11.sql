-- schemagate stand-in for pg_graphql 1.5.11: the schemas and entry points, no GraphQL engine.
CREATE FUNCTION graphql.resolve(query text, variables jsonb DEFAULT '{}', "operationName" text DEFAULT NULL,
                                extensions jsonb DEFAULT NULL) RETURNS jsonb
  LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('errors', jsonb_build_array(jsonb_build_object(
    'message', 'schemagate stand-in for pg_graphql: no GraphQL engine in the throwaway database')))
$$;
DO $$
BEGIN
  IF pg_catalog.to_regnamespace('graphql_public') IS NULL THEN
    CREATE SCHEMA graphql_public;
  END IF;
END
$$;
CREATE FUNCTION graphql_public.graphql("operationName" text DEFAULT NULL, query text DEFAULT NULL,
                                       variables jsonb DEFAULT NULL, extensions jsonb DEFAULT NULL) RETURNS jsonb
  LANGUAGE sql STABLE AS $$ SELECT graphql.resolve(query, coalesce(variables, '{}'), "operationName", extensions) $$;
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'anon') THEN
    GRANT USAGE ON SCHEMA graphql, graphql_public TO postgres, anon, authenticated, service_role;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA graphql, graphql_public TO postgres, anon, authenticated, service_role;
  END IF;
END
$$;
