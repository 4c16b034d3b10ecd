-- {filename}
-- What this migration does, and why. Checked by `schemagate check` against the checklist:
-- idempotent, RLS with policies, indexed foreign keys, timestamps, ON DELETE, comments.

CREATE TABLE IF NOT EXISTS public.{table} (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS "{table}: owners read" ON public.{table};
CREATE POLICY "{table}: owners read" ON public.{table}
  FOR SELECT TO authenticated
  USING ((SELECT auth.uid()) = user_id);

CREATE INDEX IF NOT EXISTS {table}_user_id_idx ON public.{table} (user_id);

COMMENT ON TABLE public.{table} IS 'TODO: what one row of {table} means';
