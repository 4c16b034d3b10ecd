-- schemagate stand-in for pg_cron 1.6: same schema, tables and function signatures; jobs are
-- recorded in cron.job and never run.
CREATE SCHEMA cron;

CREATE TABLE cron.job (
  jobid bigserial PRIMARY KEY,
  schedule text NOT NULL,
  command text NOT NULL,
  nodename text NOT NULL DEFAULT 'localhost',
  nodeport int NOT NULL DEFAULT 5432,
  database text NOT NULL DEFAULT current_database(),
  username text NOT NULL DEFAULT current_user,
  active boolean NOT NULL DEFAULT true,
  jobname text,
  UNIQUE (jobname, username)
);

CREATE TABLE cron.job_run_details (
  jobid bigint,
  runid bigserial PRIMARY KEY,
  job_pid integer,
  database text,
  username text,
  command text,
  status text,
  return_message text,
  start_time timestamptz,
  end_time timestamptz
);

-- pg_cron refuses a schedule it cannot parse: so does the stand-in
CREATE FUNCTION cron._check_schedule(schedule text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF schedule IS NULL THEN
    RETURN NULL;
  END IF;
  IF schedule ~ '^\s*\d{1,2}\s+seconds?\s*$'
     OR schedule ~ '^\s*@(yearly|annually|monthly|weekly|daily|midnight|hourly|reboot)\s*$'
     OR schedule ~ '^\s*\S+\s+\S+\s+\S+\s+\S+\s+\S+\s*$' THEN
    RETURN schedule;
  END IF;
  RAISE EXCEPTION 'invalid schedule: %', schedule USING ERRCODE = 'invalid_parameter_value';
END
$$;

CREATE FUNCTION cron.schedule(schedule text, command text) RETURNS bigint
  LANGUAGE sql AS $$
  INSERT INTO cron.job (schedule, command) VALUES (cron._check_schedule(schedule), command)
  RETURNING jobid
$$;

CREATE FUNCTION cron.schedule(job_name text, schedule text, command text) RETURNS bigint
  LANGUAGE sql AS $$
  INSERT INTO cron.job (jobname, schedule, command)
  VALUES (job_name, cron._check_schedule(schedule), command)
  ON CONFLICT (jobname, username) DO UPDATE SET schedule = excluded.schedule, command = excluded.command
  RETURNING jobid
$$;

CREATE FUNCTION cron.schedule_in_database(job_name text, schedule text, command text, database text,
                                          username text DEFAULT NULL, active boolean DEFAULT true)
  RETURNS bigint LANGUAGE sql AS $$
  INSERT INTO cron.job (jobname, schedule, command, database, username, active)
  VALUES (job_name, cron._check_schedule(schedule), command, database,
          coalesce(username, current_user), active)
  ON CONFLICT (jobname, username) DO UPDATE SET schedule = excluded.schedule, command = excluded.command
  RETURNING jobid
$$;

CREATE FUNCTION cron.unschedule(job_id bigint) RETURNS boolean
  LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM cron.job WHERE jobid = job_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'could not find valid entry for job %', job_id;
  END IF;
  RETURN true;
END
$$;

CREATE FUNCTION cron.unschedule(job_name text) RETURNS boolean
  LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM cron.job WHERE jobname = job_name AND username = current_user;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'could not find valid entry for job ''%''', job_name;
  END IF;
  RETURN true;
END
$$;

CREATE FUNCTION cron.alter_job(job_id bigint, schedule text DEFAULT NULL, command text DEFAULT NULL,
                               database text DEFAULT NULL, username text DEFAULT NULL,
                               active boolean DEFAULT NULL) RETURNS void
  LANGUAGE sql AS $$
  UPDATE cron.job SET schedule = coalesce(cron._check_schedule(alter_job.schedule), job.schedule),
                      command = coalesce(alter_job.command, job.command),
                      database = coalesce(alter_job.database, job.database),
                      username = coalesce(alter_job.username, job.username),
                      active = coalesce(alter_job.active, job.active)
  WHERE jobid = job_id
$$;

-- hosted Supabase gives postgres the cron schema
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'postgres') THEN
    GRANT USAGE ON SCHEMA cron TO postgres;
    GRANT ALL ON ALL TABLES IN SCHEMA cron TO postgres;
    GRANT ALL ON ALL SEQUENCES IN SCHEMA cron TO postgres;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA cron TO postgres;
  END IF;
END
$$;
