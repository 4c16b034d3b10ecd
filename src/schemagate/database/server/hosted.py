"""What a hosted Supabase project has and allows, where the Python side needs to know it.

Facts only, each from Supabase's own sources: supautils' settings as Supabase configures them
(supabase/postgres, ansible/files/postgresql_config/supautils.conf.j2) and the setup migrations
(migrations/db/migrations). The shim (postgres/shim/*.sql) builds the same project in SQL.
"""

from __future__ import annotations

from schemagate.database.server import facts

# supautils.privileged_role_allowed_configs: the superuser-only settings `postgres` may SET and
# ALTER ROLE ... SET. The shim grants exactly these (GRANT SET ON PARAMETER): those facts.json
# records by name, and these, which later supautils configurations added (written before the
# facts were derived; a newer record that names them makes this list redundant).
_NAMED_SINCE_RECORD = frozenset(
    {
        "session_replication_role",
        "track_io_timing",
        "log_lock_waits",
        "log_min_messages",
        "log_min_duration_statement",
        "log_statement",
        "log_temp_files",
        "log_replication_commands",
        "wal_compression",
        "auto_explain.log_min_duration",
        "auto_explain.log_nested_statements",
        "pgaudit.log",
        "pgaudit.log_catalog",
        "pgaudit.log_client",
        "pgaudit.log_level",
        "pgaudit.log_relation",
        "pgaudit.log_rows",
        "pgaudit.log_statement",
        "pgaudit.log_statement_once",
        "pgaudit.role",
        "pg_stat_statements.track",
        "pg_stat_statements.track_utility",
        "pg_stat_statements.track_planning",
        "safeupdate.enabled",
    }
)

ALLOWED_SETTINGS = _NAMED_SINCE_RECORD | frozenset(
    name for name in facts.recorded().allowed_configs if not name.endswith(".*")
)

# privileged_role_allowed_configs also names families (`pgrst.*`): PostgreSQL grants SET on a
# parameter by its name only, so the shim cannot grant a family; a setting of one that the
# throwaway database refuses is a gap of its own, not hosted's verdict.
ALLOWED_SETTING_FAMILIES = frozenset(
    name.removesuffix("*") for name in facts.recorded().allowed_configs if name.endswith(".*")
)

# supautils.reserved_roles: `postgres` may not create, alter, drop, rename or grant to these. Those
# marked with `*` there may still have their settings changed (ALTER ROLE anon SET ...).
RESERVED_ROLES = frozenset(
    {
        "supabase_admin",
        "supabase_auth_admin",
        "supabase_storage_admin",
        "supabase_read_only_user",
        "supabase_realtime_admin",
        "supabase_replication_admin",
        "dashboard_user",
        "pgbouncer",
        "service_role",
        "authenticator",
        "authenticated",
        "anon",
    }
)
SETTINGS_ALLOWED_ROLES = frozenset({"service_role", "authenticator", "authenticated", "anon"})
# supautils.reserved_memberships: roles nobody but a superuser may grant.
RESERVED_MEMBERSHIPS = frozenset(
    {"pg_read_server_files", "pg_write_server_files", "pg_execute_server_program", "authenticator"}
)

# Schemas that belong to Supabase's services: postgres may use what they grant, never create in
# them or alter their tables (revoke_admin_roles_from_postgres and the services' own migrations).
MANAGED_SCHEMAS = frozenset({"auth", "storage", "realtime", "vault", "net", "cron", "pgsodium", "pgbouncer"})
