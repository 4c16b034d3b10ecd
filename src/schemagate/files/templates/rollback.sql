-- Reviewed down migration for {filename}: undo it, newest statement first.
DROP TABLE IF EXISTS public.{table};
