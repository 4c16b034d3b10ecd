-- schemagate stand-in for index_advisor 0.2.0: the function with its signature; no advice.
CREATE FUNCTION @extschema@.index_advisor(query text)
  RETURNS TABLE (startup_cost_before jsonb, startup_cost_after jsonb, total_cost_before jsonb,
                 total_cost_after jsonb, index_statements text[], errors text[])
  LANGUAGE sql AS $$
  SELECT NULL::jsonb, NULL::jsonb, NULL::jsonb, NULL::jsonb, ARRAY[]::text[],
         ARRAY['schemagate stand-in for index_advisor: no advice in the throwaway database']
$$;
