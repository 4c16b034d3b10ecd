"""SQL fragments the catalog families share."""

# schema.name of the relation c
TABLE = "format('%s.%s', c.relnamespace::regnamespace, c.relname)"
EXPOSED = "c.relnamespace::regnamespace::text = ANY(%(schemas)s)"
TABLES = "c.oid = ANY(%(tables)s::oid[]) AND c.relkind IN ('r', 'p') AND " + EXPOSED
# a policy's key: its table and its name
POLICY = f"{TABLE} || '|' || p.polname"
# a policy's name in double quotes, always: the same spelling as tree.quoted
POLICY_NAME = "'\"' || replace(p.polname, '\"', '\"\"') || '\"'"
# the table as SQL names it, for the fixes the rules write
NAME = "format('%s.%I', c.relnamespace::regnamespace, c.relname)"
# a constraint's key: its table and its name
CONSTRAINT = f"{TABLE} || '|' || k.conname"
