-- {filename}
-- What this migration does, and why. Checked by `schemagate check` against the checklist:
-- idempotent, a default that needs no table rewrite, comments.

ALTER TABLE public.{table} ADD COLUMN IF NOT EXISTS {column} text;

COMMENT ON COLUMN public.{table}.{column} IS 'TODO: what {column} holds';
