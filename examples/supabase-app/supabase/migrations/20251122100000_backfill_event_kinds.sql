-- The seed's data-migration scenario: one transaction, data first, then the constraint.
BEGIN;

UPDATE public.events
SET kind = lower(kind)
WHERE kind <> lower(kind);

DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_constraint WHERE conname = 'events_kind_lowercase'
  ) THEN
    ALTER TABLE public.events
      ADD CONSTRAINT events_kind_lowercase CHECK (kind = lower(kind));
  END IF;
END $$;

COMMIT;
