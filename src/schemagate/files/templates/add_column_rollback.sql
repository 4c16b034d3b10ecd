-- Reviewed down migration for {filename}: undo it, newest statement first.
ALTER TABLE public.{table} DROP COLUMN IF EXISTS {column};
