-- schemagate stand-in for pgmq 1.5.1. pgmq is itself plain SQL over tables, so the stand-in keeps
-- its behaviour: pgmq.q_<name> holds messages, pgmq.a_<name> archived ones, pgmq.meta the queues.
-- Its functions are hosted's, signature for signature: supabase/postgres
-- nix/tests/expected/z_17_ext_interface.out at 14d7f89 (pgmq as new projects get it; hosted builds
-- 1.4.4 too, nix/ext/pgmq/, and 1.4.4's functions are a subset). Partitioned queues need
-- pg_partman, which the throwaway database has not: those calls raise, saying so.

CREATE TABLE pgmq.meta (
  queue_name varchar UNIQUE NOT NULL,
  is_partitioned boolean NOT NULL,
  is_unlogged boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE pgmq.message_record AS (
  msg_id bigint, read_ct integer, enqueued_at timestamptz, vt timestamptz, message jsonb, headers jsonb
);
CREATE TYPE pgmq.metrics_result AS (
  queue_name text, queue_length bigint, newest_msg_age_sec integer, oldest_msg_age_sec integer,
  total_messages bigint, scrape_time timestamptz
);
CREATE TYPE pgmq.queue_record AS (
  queue_name varchar, is_partitioned boolean, is_unlogged boolean, created_at timestamptz
);

CREATE FUNCTION pgmq._table(prefix text, queue_name text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF queue_name !~ '^[A-Za-z0-9_]+$' OR length(queue_name) > 47 THEN
    RAISE EXCEPTION 'queue name contains invalid characters or is too long: %', queue_name;
  END IF;
  RETURN format('pgmq.%I', prefix || '_' || lower(queue_name));
END
$$;

CREATE FUNCTION pgmq._create(queue_name text, unlogged boolean) RETURNS void
  LANGUAGE plpgsql AS $$
DECLARE
  kind text := CASE WHEN unlogged THEN 'UNLOGGED ' ELSE '' END;
BEGIN
  EXECUTE format('CREATE %sTABLE IF NOT EXISTS %s (msg_id bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY, '
                 'read_ct integer NOT NULL DEFAULT 0, enqueued_at timestamptz NOT NULL DEFAULT now(), '
                 'vt timestamptz NOT NULL, message jsonb, headers jsonb)', kind, pgmq._table('q', queue_name));
  EXECUTE format('CREATE TABLE IF NOT EXISTS %s (msg_id bigint PRIMARY KEY, read_ct integer NOT NULL DEFAULT 0, '
                 'enqueued_at timestamptz NOT NULL DEFAULT now(), archived_at timestamptz NOT NULL DEFAULT now(), '
                 'vt timestamptz NOT NULL, message jsonb, headers jsonb)', pgmq._table('a', queue_name));
  INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged) VALUES (queue_name, false, unlogged)
  ON CONFLICT DO NOTHING;
END
$$;

CREATE FUNCTION pgmq.create(queue_name text) RETURNS void
  LANGUAGE sql AS $$ SELECT pgmq._create(queue_name, false) $$;
CREATE FUNCTION pgmq.create_unlogged(queue_name text) RETURNS void
  LANGUAGE sql AS $$ SELECT pgmq._create(queue_name, true) $$;

CREATE FUNCTION pgmq._send(queue_name text, msgs jsonb[], headers jsonb[], at timestamptz) RETURNS SETOF bigint
  LANGUAGE plpgsql AS $$
BEGIN
  IF headers IS NOT NULL AND cardinality(headers) <> cardinality(msgs) THEN
    RAISE EXCEPTION 'msgs and headers arrays must have the same length';
  END IF;
  RETURN QUERY EXECUTE format('INSERT INTO %s (vt, message, headers) SELECT $1, m.msg, m.header '
                              'FROM unnest($2, $3) AS m(msg, header) RETURNING msg_id', pgmq._table('q', queue_name))
    USING at, msgs, coalesce(headers, array_fill(NULL::jsonb, ARRAY[cardinality(msgs)]));
END
$$;

CREATE FUNCTION pgmq.send(queue_name text, msg jsonb) RETURNS SETOF bigint
  LANGUAGE sql AS $$ SELECT pgmq._send(queue_name, ARRAY[msg], NULL, now()) $$;
CREATE FUNCTION pgmq.send(queue_name text, msg jsonb, delay integer) RETURNS SETOF bigint
  LANGUAGE sql AS $$ SELECT pgmq._send(queue_name, ARRAY[msg], NULL, now() + make_interval(secs => delay)) $$;
CREATE FUNCTION pgmq.send(queue_name text, msg jsonb, delay timestamptz) RETURNS SETOF bigint
  LANGUAGE sql AS $$ SELECT pgmq._send(queue_name, ARRAY[msg], NULL, delay) $$;
CREATE FUNCTION pgmq.send(queue_name text, msg jsonb, headers jsonb) RETURNS SETOF bigint
  LANGUAGE sql AS $$ SELECT pgmq._send(queue_name, ARRAY[msg], ARRAY[headers], now()) $$;
CREATE FUNCTION pgmq.send(queue_name text, msg jsonb, headers jsonb, delay integer) RETURNS SETOF bigint
  LANGUAGE sql AS $$
    SELECT pgmq._send(queue_name, ARRAY[msg], ARRAY[headers], now() + make_interval(secs => delay)) $$;
CREATE FUNCTION pgmq.send(queue_name text, msg jsonb, headers jsonb, delay timestamptz) RETURNS SETOF bigint
  LANGUAGE sql AS $$ SELECT pgmq._send(queue_name, ARRAY[msg], ARRAY[headers], delay) $$;

CREATE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[]) RETURNS SETOF bigint
  LANGUAGE sql AS $$ SELECT pgmq._send(queue_name, msgs, NULL, now()) $$;
CREATE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], delay integer) RETURNS SETOF bigint
  LANGUAGE sql AS $$ SELECT pgmq._send(queue_name, msgs, NULL, now() + make_interval(secs => delay)) $$;
CREATE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], delay timestamptz) RETURNS SETOF bigint
  LANGUAGE sql AS $$ SELECT pgmq._send(queue_name, msgs, NULL, delay) $$;
CREATE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[]) RETURNS SETOF bigint
  LANGUAGE sql AS $$ SELECT pgmq._send(queue_name, msgs, headers, now()) $$;
CREATE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay integer) RETURNS SETOF bigint
  LANGUAGE sql AS $$ SELECT pgmq._send(queue_name, msgs, headers, now() + make_interval(secs => delay)) $$;
CREATE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay timestamptz)
  RETURNS SETOF bigint
  LANGUAGE sql AS $$ SELECT pgmq._send(queue_name, msgs, headers, delay) $$;

CREATE FUNCTION pgmq.read(queue_name text, vt integer, qty integer, conditional jsonb DEFAULT '{}')
  RETURNS SETOF pgmq.message_record
  LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'WITH picked AS (SELECT msg_id FROM %1$s WHERE vt <= now() AND message @> $3 ORDER BY msg_id LIMIT $2 '
    'FOR UPDATE SKIP LOCKED) '
    'UPDATE %1$s q SET vt = now() + make_interval(secs => $1), read_ct = read_ct + 1 FROM picked '
    'WHERE q.msg_id = picked.msg_id RETURNING q.msg_id, q.read_ct, q.enqueued_at, q.vt, q.message, q.headers',
    pgmq._table('q', queue_name)) USING vt, qty, coalesce(conditional, '{}');
END
$$;

-- a migration does not wait on a queue: one read, no polling
CREATE FUNCTION pgmq.read_with_poll(queue_name text, vt integer, qty integer, max_poll_seconds integer DEFAULT 5,
                                    poll_interval_ms integer DEFAULT 100, conditional jsonb DEFAULT '{}')
  RETURNS SETOF pgmq.message_record
  LANGUAGE sql AS $$ SELECT * FROM pgmq.read(queue_name, vt, qty, conditional) $$;

CREATE FUNCTION pgmq.set_vt(queue_name text, msg_id bigint, vt integer) RETURNS SETOF pgmq.message_record
  LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'UPDATE %s SET vt = now() + make_interval(secs => $2) WHERE msg_id = $1 '
    'RETURNING msg_id, read_ct, enqueued_at, vt, message, headers', pgmq._table('q', queue_name)) USING msg_id, vt;
END
$$;

CREATE FUNCTION pgmq.pop(queue_name text) RETURNS SETOF pgmq.message_record
  LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'DELETE FROM %1$s WHERE msg_id = (SELECT msg_id FROM %1$s WHERE vt <= now() ORDER BY msg_id LIMIT 1 '
    'FOR UPDATE SKIP LOCKED) RETURNING msg_id, read_ct, enqueued_at, vt, message, headers',
    pgmq._table('q', queue_name));
END
$$;

CREATE FUNCTION pgmq.delete(queue_name text, msg_id bigint) RETURNS boolean
  LANGUAGE plpgsql AS $$
DECLARE
  gone bigint;
BEGIN
  EXECUTE format('DELETE FROM %s WHERE msg_id = $1 RETURNING msg_id', pgmq._table('q', queue_name))
    INTO gone USING msg_id;
  RETURN gone IS NOT NULL;
END
$$;

CREATE FUNCTION pgmq.delete(queue_name text, msg_ids bigint[]) RETURNS SETOF bigint
  LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format('DELETE FROM %s WHERE msg_id = ANY($1) RETURNING msg_id',
                              pgmq._table('q', queue_name)) USING msg_ids;
END
$$;

CREATE FUNCTION pgmq.archive(queue_name text, msg_id bigint) RETURNS boolean
  LANGUAGE plpgsql AS $$
DECLARE
  moved boolean;
BEGIN
  SELECT count(*) > 0 INTO STRICT moved FROM pgmq.archive(queue_name, ARRAY[msg_id]);
  RETURN moved;
END
$$;

CREATE FUNCTION pgmq.archive(queue_name text, msg_ids bigint[]) RETURNS SETOF bigint
  LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format('WITH gone AS (DELETE FROM %s WHERE msg_id = ANY($1) RETURNING *) '
                              'INSERT INTO %s (msg_id, read_ct, enqueued_at, vt, message, headers) '
                              'SELECT msg_id, read_ct, enqueued_at, vt, message, headers FROM gone RETURNING msg_id',
                              pgmq._table('q', queue_name), pgmq._table('a', queue_name)) USING msg_ids;
END
$$;

CREATE FUNCTION pgmq.purge_queue(queue_name text) RETURNS bigint
  LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE format('WITH gone AS (DELETE FROM %s RETURNING 1) SELECT count(*) FROM gone',
                 pgmq._table('q', queue_name)) INTO n;
  RETURN n;
END
$$;

CREATE FUNCTION pgmq.drop_queue(queue_name text) RETURNS boolean
  LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DROP TABLE IF EXISTS %s', pgmq._table('q', queue_name));
  EXECUTE format('DROP TABLE IF EXISTS %s', pgmq._table('a', queue_name));
  DELETE FROM pgmq.meta WHERE meta.queue_name = drop_queue.queue_name;
  RETURN FOUND;
END
$$;

CREATE FUNCTION pgmq.drop_queue(queue_name text, partitioned boolean) RETURNS boolean
  LANGUAGE sql AS $$ SELECT pgmq.drop_queue(queue_name) $$;

CREATE FUNCTION pgmq.create_non_partitioned(queue_name text) RETURNS void
  LANGUAGE sql AS $$ SELECT pgmq._create(queue_name, false) $$;

CREATE FUNCTION pgmq.format_table_name(queue_name text, prefix text) RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT prefix || '_' || lower(queue_name) $$;

CREATE FUNCTION pgmq.validate_queue_name(queue_name text) RETURNS void
  LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pgmq._table('q', queue_name);
END
$$;

CREATE FUNCTION pgmq._belongs_to_pgmq(table_name text) RETURNS boolean
  LANGUAGE sql AS $$
    SELECT EXISTS (SELECT FROM pgmq.meta WHERE table_name IN ('q_' || lower(queue_name), 'a_' || lower(queue_name))) $$;

CREATE FUNCTION pgmq._extension_exists(extension_name text) RETURNS boolean
  LANGUAGE sql AS $$ SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = extension_name) $$;

CREATE FUNCTION pgmq.metrics(queue_name text) RETURNS pgmq.metrics_result
  LANGUAGE plpgsql AS $$
DECLARE
  result pgmq.metrics_result;
BEGIN
  EXECUTE format('SELECT $1, count(*), extract(epoch FROM now() - max(enqueued_at))::integer, '
                 'extract(epoch FROM now() - min(enqueued_at))::integer, '
                 'coalesce((SELECT max(msg_id) FROM %1$s), 0), now() FROM %1$s', pgmq._table('q', queue_name))
    INTO result USING queue_name;
  RETURN result;
END
$$;

CREATE FUNCTION pgmq.metrics_all() RETURNS SETOF pgmq.metrics_result
  LANGUAGE sql AS $$ SELECT (pgmq.metrics(queue_name)).* FROM pgmq.meta ORDER BY queue_name $$;

-- Partitioned queues are pg_partman's: the throwaway database has no pg_partman, so these raise.
CREATE FUNCTION pgmq._partman_gap() RETURNS void
  LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'schemagate stand-in for pgmq: partitioned queues need pg_partman, which the throwaway '
                  'database has not'
    USING ERRCODE = 'feature_not_supported';
END
$$;
CREATE FUNCTION pgmq.create_partitioned(queue_name text, partition_interval text DEFAULT '10000',
                                        retention_interval text DEFAULT '100000') RETURNS void
  LANGUAGE sql AS $$ SELECT pgmq._partman_gap() $$;
CREATE FUNCTION pgmq.convert_archive_partitioned(table_name text, partition_interval text DEFAULT '10000',
                                                 retention_interval text DEFAULT '100000',
                                                 leading_partition integer DEFAULT 10) RETURNS void
  LANGUAGE sql AS $$ SELECT pgmq._partman_gap() $$;
CREATE FUNCTION pgmq.detach_archive(queue_name text) RETURNS void
  LANGUAGE sql AS $$ SELECT pgmq._partman_gap() $$;
CREATE FUNCTION pgmq._ensure_pg_partman_installed() RETURNS void
  LANGUAGE sql AS $$ SELECT pgmq._partman_gap() $$;
CREATE FUNCTION pgmq._get_pg_partman_schema() RETURNS text
  LANGUAGE sql AS $$ SELECT pgmq._partman_gap(); SELECT NULL::text $$;
CREATE FUNCTION pgmq._get_pg_partman_major_version() RETURNS integer
  LANGUAGE sql AS $$ SELECT pgmq._partman_gap(); SELECT NULL::integer $$;
CREATE FUNCTION pgmq._get_partition_col(partition_interval text) RETURNS text
  LANGUAGE sql AS $$ SELECT CASE WHEN partition_interval ~ '^[0-9]+$' THEN 'msg_id' ELSE 'enqueued_at' END $$;

CREATE FUNCTION pgmq.list_queues() RETURNS SETOF pgmq.queue_record
  LANGUAGE sql AS $$ SELECT queue_name, is_partitioned, is_unlogged, created_at FROM pgmq.meta ORDER BY 1 $$;

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'anon') THEN
    GRANT USAGE, CREATE ON SCHEMA pgmq TO postgres;
    GRANT USAGE ON SCHEMA pgmq TO service_role;
    GRANT ALL ON ALL TABLES IN SCHEMA pgmq TO postgres, service_role;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pgmq TO postgres, service_role;
    ALTER DEFAULT PRIVILEGES IN SCHEMA pgmq GRANT ALL ON TABLES TO postgres, service_role;
  END IF;
END
$$;
