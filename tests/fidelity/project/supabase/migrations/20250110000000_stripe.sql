-- Stripe customers through Supabase Wrappers (foreign tables are created, never read in a check).
create foreign data wrapper stripe_wrapper
  handler extensions.stripe_fdw_handler
  validator extensions.stripe_fdw_validator;
create server stripe_server foreign data wrapper stripe_wrapper
  options (api_key_id '00000000-0000-0000-0000-000000000000', api_url 'https://api.stripe.com/v1');
create schema if not exists stripe;
create foreign table if not exists stripe.customers (
  id text, email text, name text, created timestamp, attrs jsonb
) server stripe_server options (object 'customers', rowid_column 'id');
