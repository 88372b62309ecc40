"""roles, grants and row level security

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

The application role reads through RLS only. Every tenant table has RLS enabled and forced, with
one SELECT policy for the application role; the SECURITY DEFINER helpers turn the bound identity
(``zava.manager_id``) into the stores that identity may see, by access level:

* store manager: the one store they manage;
* regional manager: every store of their region;
* head office: every store.

No identity, a malformed one or an unknown one gives an empty list: deny by default.

The helpers are PARALLEL SAFE (they only read): a parallel-unsafe function in a policy would
force every tenant query onto a serial plan (measured: +50-85% on full-table aggregates).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "zava_app"
#: table -> the column its policy compares with the caller's stores
TENANT_TABLES = {
    "stores": "id",
    "customers": "store_id",
    "inventory": "store_id",
    "orders": "store_id",
    "order_items": "store_id",
}
READ_TABLES = (
    "regions",
    "stores",
    "categories",
    "product_types",
    "products",
    "customers",
    "inventory",
    "orders",
    "order_items",
    "product_description_embeddings",
)
ROLE_SETTINGS = {
    "default_transaction_read_only": "on",
    "statement_timeout": "'30s'",
    "lock_timeout": "'2s'",
    "idle_in_transaction_session_timeout": "'60s'",
    # unqualified names in agent SQL mean retail tables (the SQL guard assumes the same)
    "search_path": "retail, public",
}
UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

HELPERS = tuple(
    statement.strip()
    for statement in f"""
CREATE FUNCTION retail.current_manager_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN v ~ '{UUID_PATTERN}' THEN v::uuid END
  FROM (SELECT pg_catalog.current_setting('zava.manager_id', true) AS v) AS s
$$;

CREATE FUNCTION retail.get_current_user_store() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT m.store_id FROM retail.managers AS m
  WHERE m.id = retail.current_manager_id() AND m.access_level = 'store'
$$;

CREATE FUNCTION retail.get_user_store_list() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(array_agg(s.id ORDER BY s.id), '{{}}'::uuid[])
  FROM retail.managers AS m
  JOIN retail.stores AS s
    ON m.access_level = 'head_office'
    OR (m.access_level = 'region' AND s.region_id = m.region_id)
    OR (m.access_level = 'store' AND s.id = m.store_id)
  WHERE m.id = retail.current_manager_id()
$$;

CREATE FUNCTION retail.get_current_manager()
RETURNS TABLE (manager_id uuid, full_name text, access_level text, region_id uuid, store_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT m.id, m.full_name, m.access_level, m.region_id, m.store_id
  FROM retail.managers AS m
  WHERE m.id = retail.current_manager_id()
$$;
""".split("$$;\n")
    if statement.strip()
)
HELPER_SIGNATURES = (
    "retail.current_manager_id()",
    "retail.get_current_user_store()",
    "retail.get_user_store_list()",
    "retail.get_current_manager()",
)


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute(
        f"""
        DO $$
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
          END IF;
        END
        $$
        """
    )
    settings = "\n".join(
        f"ALTER ROLE {APP_ROLE} SET {name} = {value};" for name, value in ROLE_SETTINGS.items()
    )
    # Role settings need ADMIN on the role; a DBA-made role without it gets a warning and the
    # `zava-mcp doctor` check names what is missing.
    op.execute(
        f"""
        DO $$
        BEGIN
          {settings}
        EXCEPTION WHEN insufficient_privilege THEN
          RAISE WARNING 'cannot set defaults on role {APP_ROLE}; ask the DBA to run ALTER ROLE';
        END
        $$
        """
    )
    op.execute("REVOKE ALL ON SCHEMA retail FROM PUBLIC")
    op.execute(f"GRANT USAGE ON SCHEMA retail TO {APP_ROLE}")
    op.execute(f"GRANT SELECT ON {', '.join('retail.' + t for t in READ_TABLES)} TO {APP_ROLE}")
    # readiness probes compare the applied revision with the code's head
    op.execute(f"GRANT SELECT ON public.alembic_version TO {APP_ROLE}")
    for statement in HELPERS:
        op.execute(statement + "$$")
    for signature in HELPER_SIGNATURES:
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {APP_ROLE}")
    for table, column in TENANT_TABLES.items():
        op.execute(f"ALTER TABLE retail.{table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE retail.{table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {table}_tenant_read ON retail.{table} AS PERMISSIVE FOR SELECT "
            f"TO {APP_ROLE} USING ({column} = ANY ((SELECT retail.get_user_store_list())::uuid[]))"
        )


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    for table in TENANT_TABLES:
        op.execute(f"DROP POLICY {table}_tenant_read ON retail.{table}")
        op.execute(f"ALTER TABLE retail.{table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE retail.{table} DISABLE ROW LEVEL SECURITY")
    for signature in reversed(HELPER_SIGNATURES):
        op.execute(f"DROP FUNCTION {signature}")
    op.execute(f"REVOKE SELECT ON public.alembic_version FROM {APP_ROLE}")
    op.execute(f"REVOKE SELECT ON {', '.join('retail.' + t for t in READ_TABLES)} FROM {APP_ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA retail FROM {APP_ROLE}")
    resets = "\n".join(f"ALTER ROLE {APP_ROLE} RESET {name};" for name in ROLE_SETTINGS)
    # A role that someone made a login (the embedded default, a DBA) is kept: it is theirs.
    op.execute(
        f"""
        DO $$
        BEGIN
          {resets}
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}' AND NOT rolcanlogin)
          THEN
            DROP ROLE {APP_ROLE};
          END IF;
        EXCEPTION WHEN insufficient_privilege THEN
          RAISE WARNING 'cannot reset or drop role {APP_ROLE}; left for the DBA';
        END
        $$
        """
    )
