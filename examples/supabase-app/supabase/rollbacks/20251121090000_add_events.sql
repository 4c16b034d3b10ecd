-- Reviewed down migration for 20251121090000_add_events.sql.
DROP TABLE IF EXISTS public.events;
