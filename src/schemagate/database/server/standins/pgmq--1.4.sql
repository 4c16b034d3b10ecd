-- schemagate stand-in for pgmq 1.4. pgmq is itself plain SQL over tables, so the stand-in keeps
-- its behaviour: pgmq.q_<name> holds messages, pgmq.a_<name> archived ones, pgmq.meta the queues.

CREATE TABLE pgmq.meta (
  queue_name varchar UNIQUE NOT NULL,
  is_partitioned boolean NOT NULL,
  is_unlogged boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE pgmq.message_record AS (
  msg_id bigint, read_ct integer, enqueued_at timestamptz, vt timestamptz, message jsonb
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
                 'vt timestamptz NOT NULL, message jsonb)', kind, pgmq._table('q', queue_name));
  EXECUTE format('CREATE TABLE IF NOT EXISTS %s (msg_id bigint PRIMARY KEY, read_ct integer NOT NULL DEFAULT 0, '
                 'enqueued_at timestamptz NOT NULL DEFAULT now(), archived_at timestamptz NOT NULL DEFAULT now(), '
                 'vt timestamptz NOT NULL, message jsonb)', pgmq._table('a', queue_name));
  INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged) VALUES (queue_name, false, unlogged)
  ON CONFLICT DO NOTHING;
END
$$;

CREATE FUNCTION pgmq.create(queue_name text) RETURNS void
  LANGUAGE sql AS $$ SELECT pgmq._create(queue_name, false) $$;
CREATE FUNCTION pgmq.create_unlogged(queue_name text) RETURNS void
  LANGUAGE sql AS $$ SELECT pgmq._create(queue_name, true) $$;

CREATE FUNCTION pgmq.send(queue_name text, msg jsonb, delay integer DEFAULT 0) RETURNS SETOF bigint
  LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format('INSERT INTO %s (vt, message) VALUES (now() + make_interval(secs => $1), $2) '
                              'RETURNING msg_id', pgmq._table('q', queue_name)) USING delay, msg;
END
$$;

CREATE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], delay integer DEFAULT 0) RETURNS SETOF bigint
  LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format('INSERT INTO %s (vt, message) SELECT now() + make_interval(secs => $1), m '
                              'FROM unnest($2) m RETURNING msg_id', pgmq._table('q', queue_name))
    USING delay, msgs;
END
$$;

CREATE FUNCTION pgmq.read(queue_name text, vt integer, qty integer) RETURNS SETOF pgmq.message_record
  LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'WITH picked AS (SELECT msg_id FROM %1$s WHERE vt <= now() ORDER BY msg_id LIMIT $2 FOR UPDATE SKIP LOCKED) '
    'UPDATE %1$s q SET vt = now() + make_interval(secs => $1), read_ct = read_ct + 1 FROM picked '
    'WHERE q.msg_id = picked.msg_id RETURNING q.msg_id, q.read_ct, q.enqueued_at, q.vt, q.message',
    pgmq._table('q', queue_name)) USING vt, qty;
END
$$;

CREATE FUNCTION pgmq.pop(queue_name text) RETURNS SETOF pgmq.message_record
  LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'DELETE FROM %1$s WHERE msg_id = (SELECT msg_id FROM %1$s WHERE vt <= now() ORDER BY msg_id LIMIT 1 '
    'FOR UPDATE SKIP LOCKED) RETURNING msg_id, read_ct, enqueued_at, vt, message', pgmq._table('q', queue_name));
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
  moved bigint;
BEGIN
  EXECUTE format('WITH gone AS (DELETE FROM %s WHERE msg_id = $1 RETURNING *) '
                 'INSERT INTO %s (msg_id, read_ct, enqueued_at, vt, message) '
                 'SELECT msg_id, read_ct, enqueued_at, vt, message FROM gone RETURNING msg_id',
                 pgmq._table('q', queue_name), pgmq._table('a', queue_name)) INTO moved USING msg_id;
  RETURN moved IS NOT NULL;
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
