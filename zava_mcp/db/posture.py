"""The security posture check, run at start-up and by ``zava-mcp doctor``.

It connects as the application role (the role tool queries use) and refuses a setup where that
role could escape Row Level Security or rebind its identity.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from zava_mcp.db.models import TENANT_TABLES
from zava_mcp.infra.embedded import CLOSED_FUNCTIONS, CLOSED_VIEWS

DANGEROUS_ROLES = (
    "pg_read_server_files",
    "pg_write_server_files",
    "pg_execute_server_program",
    "pg_read_all_stats",
    "pg_read_all_data",
    "pg_write_all_data",
    "pg_monitor",
    "pg_signal_backend",
)
REQUIRED_ROLE_SETTINGS = (
    "default_transaction_read_only",
    "statement_timeout",
    "lock_timeout",
    "idle_in_transaction_session_timeout",
)
DBA_FIX = "run the SQL from `zava-mcp bootstrap-sql` as a superuser"


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str
    fix: str = ""


async def check_posture(conn: asyncpg.Connection) -> list[Finding]:
    """Every check, passed or not, as seen by the role of ``conn``."""
    findings: list[Finding] = []
    role = await conn.fetchrow(
        "select rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolconfig "
        "from pg_catalog.pg_roles where rolname = current_user"
    )
    assert role is not None
    name = role["rolname"]
    findings.append(
        Finding(
            "not a superuser",
            not role["rolsuper"],
            f"role {name}",
            f"ALTER ROLE {name} NOSUPERUSER",
        )
    )
    findings.append(
        Finding(
            "cannot bypass RLS",
            not role["rolbypassrls"],
            f"role {name}",
            f"ALTER ROLE {name} NOBYPASSRLS",
        )
    )
    findings.append(
        Finding(
            "cannot create roles or databases",
            not (role["rolcreaterole"] or role["rolcreatedb"]),
            f"role {name}",
            f"ALTER ROLE {name} NOCREATEROLE NOCREATEDB",
        )
    )
    owned = await conn.fetch(
        "select n.nspname || '.' || c.relname as rel from pg_catalog.pg_class c "
        "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
        "where pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE') "
        "and n.nspname not in ('pg_catalog', 'information_schema') "
        "and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%' limit 5"
    )
    findings.append(
        Finding(
            "owns no table",
            not owned,
            ", ".join(r["rel"] for r in owned) or "owns nothing",
            "ALTER TABLE ... OWNER TO the owner role",
        )
    )
    members = [
        r
        for r in DANGEROUS_ROLES
        if await conn.fetchval(
            "select exists(select 1 from pg_catalog.pg_roles where rolname = $1) "
            "and pg_catalog.pg_has_role(current_user, $1, 'MEMBER')",
            r,
        )
    ]
    findings.append(
        Finding(
            "no dangerous role memberships",
            not members,
            ", ".join(members) or "none",
            f"REVOKE <role> FROM {name}",
        )
    )
    callable_fns = [
        r["fn"]
        for r in await conn.fetch(
            "select distinct p.proname as fn from pg_catalog.pg_proc p "
            "join pg_catalog.pg_namespace n on n.oid = p.pronamespace "
            "where n.nspname = 'pg_catalog' and p.proname = any($1::text[]) "
            "and pg_catalog.has_function_privilege(p.oid, 'EXECUTE') order by 1",
            list(CLOSED_FUNCTIONS),
        )
    ]
    findings.append(
        Finding(
            "cannot execute set_config",
            "set_config" not in callable_fns,
            "set_config is executable" if "set_config" in callable_fns else "revoked",
            DBA_FIX,
        )
    )
    others = [f for f in callable_fns if f != "set_config"]
    findings.append(
        Finding(
            "cannot run SQL-string, sleep or signalling functions",
            not others,
            ", ".join(others) or "all revoked",
            DBA_FIX,
        )
    )
    views = [
        v
        for v in CLOSED_VIEWS
        if await conn.fetchval(
            "select pg_catalog.has_table_privilege($1, 'SELECT')", f"pg_catalog.{v}"
        )
    ]
    findings.append(
        Finding("cannot watch other sessions", not views, ", ".join(views) or "closed", DBA_FIX)
    )
    create = await conn.fetch(
        "select nspname from pg_catalog.pg_namespace "
        "where pg_catalog.has_schema_privilege(oid, 'CREATE') and nspname not like 'pg_temp%' "
        "and nspname not like 'pg_toast%'"
    )
    db_create = await conn.fetchval(
        "select pg_catalog.has_database_privilege(current_database(), 'CREATE') "
        "or pg_catalog.has_database_privilege(current_database(), 'TEMPORARY')"
    )
    findings.append(
        Finding(
            "no CREATE anywhere",
            not create and not db_create,
            ", ".join(r["nspname"] for r in create)
            or ("CREATE/TEMP on the database" if db_create else "none"),
            "REVOKE CREATE ON SCHEMA ... / REVOKE CREATE, TEMPORARY ON DATABASE",
        )
    )
    settings = {item.split("=", 1)[0] for item in role["rolconfig"] or []}
    missing = [s for s in REQUIRED_ROLE_SETTINGS if s not in settings]
    findings.append(
        Finding(
            "role-level safety settings",
            not missing,
            ", ".join(missing) or "all set",
            f"ALTER ROLE {name} SET <setting> = ... (see migration 0002)",
        )
    )
    rls = await conn.fetch(
        "select c.relname, c.relrowsecurity and c.relforcerowsecurity as forced "
        "from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = 'retail' and c.relname = any($1::text[])",
        list(TENANT_TABLES),
    )
    found = {r["relname"]: r["forced"] for r in rls}
    weak = [t for t in TENANT_TABLES if not found.get(t)]
    findings.append(
        Finding(
            "forced RLS on every tenant table",
            not weak,
            ", ".join(weak) or "all forced",
            "alembic upgrade head",
        )
    )
    return findings


def failures(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not f.ok]


def render(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        mark = "ok  " if f.ok else "FAIL"
        line = f"[{mark}] {f.check}: {f.detail}"
        if not f.ok and f.fix:
            line += f"\n        fix: {f.fix}"
        lines.append(line)
    return "\n".join(lines)
