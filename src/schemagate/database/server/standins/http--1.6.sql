-- schemagate stand-in for http (pgsql-http) 1.6: its domains, types and function signatures, so
-- functions and triggers that call it are created. A check sends no HTTP: a call raises.
CREATE DOMAIN @extschema@.http_method AS text
  CHECK (VALUE ILIKE ANY (ARRAY['get', 'post', 'put', 'delete', 'patch', 'head']));
CREATE DOMAIN @extschema@.content_type AS text CHECK (VALUE ~ '^\S+/\S+');
CREATE TYPE @extschema@.http_header AS (field varchar, value varchar);
CREATE TYPE @extschema@.http_response AS (
  status integer, content_type varchar, headers @extschema@.http_header[], content varchar
);
CREATE TYPE @extschema@.http_request AS (
  method @extschema@.http_method, uri varchar, headers @extschema@.http_header[],
  content_type varchar, content varchar
);

CREATE FUNCTION @extschema@.http(request @extschema@.http_request) RETURNS @extschema@.http_response
  LANGUAGE plpgsql AS $$
BEGIN
  -- hosted would send it, and what came back is unknown here: a gap of ours, not the project's fault
  RAISE EXCEPTION 'http % % was called while applying migrations: the check''s http stand-in sends no requests',
    upper(request.method), request.uri
    USING ERRCODE = 'feature_not_supported',
          DETAIL = 'schemagate stand-in for http: hosted Supabase would send the request';
END
$$;

CREATE FUNCTION @extschema@.http_header(field varchar, value varchar) RETURNS @extschema@.http_header
  LANGUAGE sql IMMUTABLE AS $$ SELECT ROW(field, value)::@extschema@.http_header $$;

CREATE FUNCTION @extschema@.http_get(uri varchar) RETURNS @extschema@.http_response
  LANGUAGE sql AS $$ SELECT @extschema@.http(('GET', uri, NULL, NULL, NULL)::@extschema@.http_request) $$;
CREATE FUNCTION @extschema@.http_get(uri varchar, data jsonb) RETURNS @extschema@.http_response
  LANGUAGE sql AS $$ SELECT @extschema@.http(('GET', uri, NULL, NULL, NULL)::@extschema@.http_request) $$;
CREATE FUNCTION @extschema@.http_post(uri varchar, content varchar, content_type varchar)
  RETURNS @extschema@.http_response
  LANGUAGE sql AS $$
  SELECT @extschema@.http(('POST', uri, NULL, content_type, content)::@extschema@.http_request)
$$;
CREATE FUNCTION @extschema@.http_post(uri varchar, data jsonb) RETURNS @extschema@.http_response
  LANGUAGE sql AS $$
  SELECT @extschema@.http(('POST', uri, NULL, 'application/json', data::text)::@extschema@.http_request)
$$;
CREATE FUNCTION @extschema@.http_put(uri varchar, content varchar, content_type varchar)
  RETURNS @extschema@.http_response
  LANGUAGE sql AS $$
  SELECT @extschema@.http(('PUT', uri, NULL, content_type, content)::@extschema@.http_request)
$$;
CREATE FUNCTION @extschema@.http_patch(uri varchar, content varchar, content_type varchar)
  RETURNS @extschema@.http_response
  LANGUAGE sql AS $$
  SELECT @extschema@.http(('PATCH', uri, NULL, content_type, content)::@extschema@.http_request)
$$;
CREATE FUNCTION @extschema@.http_delete(uri varchar) RETURNS @extschema@.http_response
  LANGUAGE sql AS $$ SELECT @extschema@.http(('DELETE', uri, NULL, NULL, NULL)::@extschema@.http_request) $$;
CREATE FUNCTION @extschema@.http_delete(uri varchar, content varchar, content_type varchar)
  RETURNS @extschema@.http_response
  LANGUAGE sql AS $$
  SELECT @extschema@.http(('DELETE', uri, NULL, content_type, content)::@extschema@.http_request)
$$;
CREATE FUNCTION @extschema@.http_head(uri varchar) RETURNS @extschema@.http_response
  LANGUAGE sql AS $$ SELECT @extschema@.http(('HEAD', uri, NULL, NULL, NULL)::@extschema@.http_request) $$;

CREATE FUNCTION @extschema@.http_set_curlopt(curlopt varchar, value varchar) RETURNS boolean
  LANGUAGE sql AS $$ SELECT true $$;
CREATE FUNCTION @extschema@.http_reset_curlopt() RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE FUNCTION @extschema@.http_list_curlopt() RETURNS TABLE (curlopt text, value text)
  LANGUAGE sql AS $$ SELECT NULL::text, NULL::text WHERE false $$;

-- percent-encoding is pure computation, so the stand-in does it for real
CREATE FUNCTION @extschema@.urlencode(string varchar) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT coalesce(string_agg(CASE WHEN b BETWEEN 48 AND 57 OR b BETWEEN 65 AND 90 OR b BETWEEN 97 AND 122
                              OR b IN (45, 46, 95, 126)
                         THEN chr(b) ELSE '%' || upper(lpad(to_hex(b), 2, '0')) END, '' ORDER BY i), '')
  FROM (SELECT i, get_byte(convert_to(string, 'UTF8'), i) AS b
        FROM generate_series(0, octet_length(convert_to(string, 'UTF8')) - 1) i) bytes
$$;
CREATE FUNCTION @extschema@.urlencode(data jsonb) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT string_agg(@extschema@.urlencode(key) || '=' || @extschema@.urlencode(value), '&' ORDER BY key)
  FROM jsonb_each_text(data)
$$;
