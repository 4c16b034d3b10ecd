"""schemagate: one reliable path for Postgres and Supabase migrations."""

__version__ = "0.1.0"
