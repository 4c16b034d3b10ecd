-- {filename}
-- What this migration does, and why. Checked by `schemagate check` against the checklist:
-- idempotent, RLS with policies, indexed foreign keys, timestamps, ON DELETE, comments.

