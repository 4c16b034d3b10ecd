-- An append-only event log per organization, written by the app and read by members.

CREATE TABLE IF NOT EXISTS public.events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
  actor_id uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  kind text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS events_organization_id_created_at_idx
  ON public.events (organization_id, created_at DESC);
CREATE INDEX IF NOT EXISTS events_actor_id_idx ON public.events (actor_id);

ALTER TABLE public.events ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS "members read their events" ON public.events;
CREATE POLICY "members read their events" ON public.events
  FOR SELECT TO authenticated
  USING (private.is_member_of(organization_id));

DROP POLICY IF EXISTS "members write their events" ON public.events;
CREATE POLICY "members write their events" ON public.events
  FOR INSERT TO authenticated
  WITH CHECK (private.is_member_of(organization_id) AND actor_id = (SELECT auth.uid()));

COMMENT ON TABLE public.events IS 'Append-only log of what happened in an organization.';
