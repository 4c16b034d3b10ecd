-- Organizations and their members: the tenancy every other table hangs off.

CREATE TABLE IF NOT EXISTS public.organizations (
  id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
  name text NOT NULL,
  slug text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.organization_members (
  organization_id uuid NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  role text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, user_id)
);

CREATE INDEX IF NOT EXISTS organization_members_user_id_idx
  ON public.organization_members (user_id);

-- Membership check used by policies; SECURITY DEFINER so policies on
-- organization_members do not recurse, with a fixed search_path. It lives in a
-- schema the Data API does not expose, so nobody can call it through /rpc.
CREATE SCHEMA IF NOT EXISTS private;
GRANT USAGE ON SCHEMA private TO authenticated;

CREATE OR REPLACE FUNCTION private.is_member_of(org uuid)
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.organization_members m
    WHERE m.organization_id = org AND m.user_id = (SELECT auth.uid())
  );
$$;

ALTER TABLE public.organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.organization_members ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS "members read their organizations" ON public.organizations;
CREATE POLICY "members read their organizations" ON public.organizations
  FOR SELECT TO authenticated
  USING (private.is_member_of(id));

DROP POLICY IF EXISTS "members read their memberships" ON public.organization_members;
CREATE POLICY "members read their memberships" ON public.organization_members
  FOR SELECT TO authenticated
  USING (private.is_member_of(organization_id));

COMMENT ON TABLE public.organizations IS 'A tenant: every business row belongs to one organization.';
COMMENT ON TABLE public.organization_members IS 'Which users belong to which organization, and their role.';
