-- schemagate stand-in for pg_net 0.14: the net schema, its queue and response tables and the
-- request functions with pg_net's signatures. Requests are queued; no worker sends them.
CREATE SCHEMA IF NOT EXISTS net;

CREATE TYPE net.request_status AS ENUM ('PENDING', 'SUCCESS', 'ERROR');

CREATE UNLOGGED TABLE net.http_request_queue (
  id bigserial,
  method text NOT NULL,
  url text NOT NULL,
  headers jsonb NOT NULL,
  body bytea,
  timeout_milliseconds integer NOT NULL
);

CREATE UNLOGGED TABLE net._http_response (
  id bigint,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out boolean,
  error_msg text,
  created timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION net.http_get(url text, params jsonb DEFAULT '{}'::jsonb, headers jsonb DEFAULT '{}'::jsonb,
                             timeout_milliseconds integer DEFAULT 5000) RETURNS bigint
  LANGUAGE sql SECURITY DEFINER SET search_path = net AS $$
  INSERT INTO net.http_request_queue (method, url, headers, timeout_milliseconds)
  VALUES ('GET', url, headers, timeout_milliseconds) RETURNING id
$$;

CREATE FUNCTION net.http_post(url text, body jsonb DEFAULT '{}'::jsonb, params jsonb DEFAULT '{}'::jsonb,
                              headers jsonb DEFAULT '{"Content-Type": "application/json"}'::jsonb,
                              timeout_milliseconds integer DEFAULT 5000) RETURNS bigint
  LANGUAGE sql SECURITY DEFINER SET search_path = net AS $$
  INSERT INTO net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  VALUES ('POST', url, headers, convert_to(body::text, 'UTF8'), timeout_milliseconds) RETURNING id
$$;

CREATE FUNCTION net.http_delete(url text, params jsonb DEFAULT '{}'::jsonb, headers jsonb DEFAULT '{}'::jsonb,
                                timeout_milliseconds integer DEFAULT 5000, body jsonb DEFAULT NULL) RETURNS bigint
  LANGUAGE sql SECURITY DEFINER SET search_path = net AS $$
  INSERT INTO net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  VALUES ('DELETE', url, headers, convert_to(body::text, 'UTF8'), timeout_milliseconds) RETURNING id
$$;

CREATE FUNCTION net._http_collect_response(request_id bigint, async boolean DEFAULT true)
  RETURNS TABLE (status net.request_status, message text, response jsonb)
  LANGUAGE sql AS $$
  SELECT 'PENDING'::net.request_status, 'schemagate stand-in: requests are never sent', NULL::jsonb
$$;

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'anon') THEN
    GRANT USAGE ON SCHEMA net TO postgres, anon, authenticated, service_role;
    -- not TRIGGER: the request functions write the queue as the superuser that owns them
    GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES ON ALL TABLES IN SCHEMA net TO postgres;
    GRANT ALL ON ALL SEQUENCES IN SCHEMA net TO postgres, anon, authenticated, service_role;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA net TO postgres, anon, authenticated, service_role;
  END IF;
  -- as Supabase's grant_pg_net_access: the webhooks' trigger function calls pg_net as this role
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'supabase_functions_admin') THEN
    GRANT USAGE ON SCHEMA net TO supabase_functions_admin;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA net TO supabase_functions_admin;
  END IF;
END
$$;
