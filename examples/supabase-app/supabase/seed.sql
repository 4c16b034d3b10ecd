-- Local and throwaway data only: never loaded into production.
INSERT INTO auth.users (id, email, raw_user_meta_data, created_at, updated_at)
VALUES
  ('00000000-0000-4000-8000-00000000000a', 'ada@example.com', '{"name": "Ada"}', now(), now()),
  ('00000000-0000-4000-8000-00000000000b', 'grace@example.com', '{"name": "Grace"}', now(), now())
ON CONFLICT (id) DO NOTHING;

INSERT INTO public.organizations (id, name, slug)
VALUES ('00000000-0000-4000-8000-0000000000f1', 'Analytical Engines', 'analytical-engines')
ON CONFLICT (id) DO NOTHING;

INSERT INTO public.organization_members (organization_id, user_id, role)
VALUES ('00000000-0000-4000-8000-0000000000f1', '00000000-0000-4000-8000-00000000000a', 'owner')
ON CONFLICT DO NOTHING;

INSERT INTO public.user_preferences (user_id, theme)
VALUES
  ('00000000-0000-4000-8000-00000000000a', 'dark'),
  ('00000000-0000-4000-8000-00000000000b', 'light')
ON CONFLICT (user_id) DO NOTHING;

INSERT INTO public.events (organization_id, actor_id, kind, payload)
VALUES ('00000000-0000-4000-8000-0000000000f1', '00000000-0000-4000-8000-00000000000a',
        'organization.created', '{"source": "seed"}');
