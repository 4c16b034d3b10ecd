"""SQL statements: libpg_query's parse trees, splitting a file into statements, the helpers
that read trees, per-file work spread over the cores, and drafts of down migrations."""
