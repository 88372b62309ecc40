"""The SQL a superuser runs once (the embedded default runs it itself; ``zava-mcp
bootstrap-sql`` prints it for a DBA): the two roles, the database, the extension, and the
database wall that holds without the SQL guard. Everything it closes comes from
:mod:`zava_mcp.security.policy`, which the guard and the posture check read too.
"""

from __future__ import annotations

from zava_mcp.security.policy import (
    APP_ROLE,
    APP_ROLE_SUPERUSER_LIMITS,
    CLOSED_FUNCTIONS,
    CLOSED_PG_CLASS_COLUMNS,
    CLOSED_PREFIXES,
    CLOSED_VIEWS,
    OWNER_ROLE,
)

#: databases every cluster has, which the application role must not connect to
SYSTEM_DATABASES = ("postgres", "template1")


def bootstrap_roles_sql(owner_password: str, app_password: str) -> str:
    """Cluster-level set-up: the owner and application logins, the application role's limits
    that only a superuser may set, and no CONNECT to the system databases."""
    owner_pw = owner_password.replace("'", "''")
    app_pw = app_password.replace("'", "''")
    limits = "\n".join(
        f"ALTER ROLE {APP_ROLE} SET {name} = '{value}';"
        for name, value in APP_ROLE_SUPERUSER_LIMITS.items()
    )
    system = "\n".join(f'REVOKE CONNECT ON DATABASE "{d}" FROM PUBLIC;' for d in SYSTEM_DATABASES)
    return f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{OWNER_ROLE}') THEN
    CREATE ROLE {OWNER_ROLE} LOGIN CREATEROLE BYPASSRLS PASSWORD '{owner_pw}';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE
      PASSWORD '{app_pw}';
  END IF;
  IF NOT EXISTS (
    SELECT 1 FROM pg_auth_members m
    JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles g ON g.oid = m.member
    WHERE r.rolname = '{APP_ROLE}' AND g.rolname = '{OWNER_ROLE}' AND m.admin_option
  ) THEN
    GRANT {APP_ROLE} TO {OWNER_ROLE} WITH ADMIN OPTION, INHERIT FALSE, SET FALSE;
  END IF;
END
$$;
{limits}
{system}
"""


def bootstrap_database_sql(database: str) -> str:
    """Database-level set-up that needs a superuser: the extension and the closed functions,
    views and statistics columns (revoked from PUBLIC, granted back to the owner)."""
    names = ", ".join(f"'{n}'" for n in CLOSED_FUNCTIONS)
    prefixes = " OR ".join(
        f"p.proname LIKE '{p.replace('_', chr(92) + '_')}%'" for p in CLOSED_PREFIXES
    )
    views = ", ".join(f"pg_catalog.{v}" for v in CLOSED_VIEWS)
    closed_columns = set(CLOSED_PG_CLASS_COLUMNS)
    return f"""
CREATE EXTENSION IF NOT EXISTS vector;
REVOKE ALL ON DATABASE "{database}" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {OWNER_ROLE};
GRANT CONNECT ON DATABASE "{database}" TO {APP_ROLE};
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
DO $$
DECLARE
  f regprocedure;
  open_columns text;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'pg_catalog' AND (p.proname IN ({names}) OR {prefixes})
  LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO {OWNER_ROLE}', f);
  END LOOP;
  -- pg_class stays readable, except the columns that count every store's rows
  SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO open_columns
  FROM pg_catalog.pg_attribute a
  WHERE a.attrelid = 'pg_catalog.pg_class'::regclass AND a.attnum > 0
    AND a.attname NOT IN ({", ".join(f"'{c}'" for c in sorted(closed_columns))});
  REVOKE SELECT ON pg_catalog.pg_class FROM PUBLIC;
  EXECUTE format('GRANT SELECT (%s) ON pg_catalog.pg_class TO PUBLIC', open_columns);
  GRANT SELECT ON pg_catalog.pg_class TO {OWNER_ROLE};
END
$$;
REVOKE SELECT ON {views} FROM PUBLIC;
GRANT SELECT ON {views} TO {OWNER_ROLE};
"""
