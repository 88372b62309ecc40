"""The security posture check, run at start-up and by ``zava-mcp doctor``.

It connects as the application role (the role tool queries use) and refuses a setup where that
role could escape Row Level Security or rebind its identity.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg
from loguru import logger

from zava_mcp.db.session import Database
from zava_mcp.errors import ConfigurationError
from zava_mcp.security.policy import (
    CLOSED_FUNCTIONS,
    CLOSED_PG_CLASS_COLUMNS,
    CLOSED_PREFIXES,
    CLOSED_VIEWS,
    IDENTITY_SETTING,
    REQUIRED_ROLE_SETTINGS,
    TENANT_TABLES,
)

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
            "where n.nspname = 'pg_catalog' "
            "and (p.proname = any($1::text[]) or p.proname like any($2::text[])) "
            "and pg_catalog.has_function_privilege(p.oid, 'EXECUTE') order by 1",
            list(CLOSED_FUNCTIONS),
            [prefix.replace("_", "\\_") + "%" for prefix in CLOSED_PREFIXES],
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
            "cannot run SQL-string, session, statistics, sleep, lock or write functions",
            not others,
            _listed(others) or "all revoked",
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
        Finding(
            "cannot watch other sessions (activity, statements, cursors, locks)",
            not views,
            ", ".join(views) or "closed",
            DBA_FIX,
        )
    )
    counting = [
        c
        for c in CLOSED_PG_CLASS_COLUMNS
        if await conn.fetchval(
            "select pg_catalog.has_column_privilege('pg_catalog.pg_class', $1, 'SELECT')", c
        )
    ]
    findings.append(
        Finding(
            "cannot read catalog row counts",
            not counting,
            ", ".join(f"pg_class.{c}" for c in counting) or "closed",
            DBA_FIX,
        )
    )
    other_databases = [
        r["datname"]
        for r in await conn.fetch(
            "select datname from pg_catalog.pg_database where datallowconn "
            "and datname <> current_database() "
            "and pg_catalog.has_database_privilege(oid, 'CONNECT') order by 1"
        )
    ]
    findings.append(
        Finding(
            "no CONNECT on other databases",
            not other_databases,
            ", ".join(other_databases) or "none",
            "REVOKE CONNECT ON DATABASE <name> FROM PUBLIC (see `zava-mcp bootstrap-sql`)",
        )
    )
    findings.append(await _identity_is_signed(conn))
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
    settings = dict(item.split("=", 1) for item in role["rolconfig"] or [])
    missing = [
        name if want is None else f"{name}={want}"
        for name, want in REQUIRED_ROLE_SETTINGS.items()
        if name not in settings or (want is not None and settings[name] != want)
    ]
    findings.append(
        Finding(
            "role-level safety settings",
            not missing,
            ", ".join(missing) or "all set",
            f"ALTER ROLE {name} SET <setting> = ... (migrations 0002 and 0006; "
            "temp_file_limit: `zava-mcp bootstrap-sql`)",
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


async def _identity_is_signed(conn: asyncpg.Connection) -> Finding:
    """An identity set without the server's signature must bind nobody, and the signing key
    must be out of this role's reach."""
    key_readable = await conn.fetchval(
        "select exists(select 1 from pg_catalog.pg_class c "
        "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = 'zava_private' and c.relname = 'identity_key' "
        "and pg_catalog.has_table_privilege(c.oid, 'SELECT'))"
    )
    try:
        async with conn.transaction(readonly=True):
            await conn.execute(f"SET LOCAL {IDENTITY_SETTING} = '{uuid.uuid4()}'")
            bound = await conn.fetchval("select retail.current_manager_id()")
    except asyncpg.exceptions.PostgresError as exc:
        return Finding(
            "the bound identity is signed",
            False,
            f"cannot check ({exc.sqlstate})",
            "alembic upgrade head",
        )
    ok = not key_readable and bound is None
    detail = (
        "the signing key is readable"
        if key_readable
        else ("an unsigned identity is accepted" if bound is not None else "signed")
    )
    return Finding("the bound identity is signed", ok, detail, "alembic upgrade head")


def _listed(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


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


async def enforce(db: Database) -> None:
    """Refuse to serve when the application role could escape RLS or rebind its identity."""
    async with db.session() as driver:
        findings = await check_posture(driver)
    bad = failures(findings)
    if bad:
        logger.error("security posture check failed:\n{}", render(findings))
        raise ConfigurationError(
            "refusing to serve: the application role fails the security posture check "
            f"({', '.join(f.check for f in bad)}); run `zava-mcp doctor`"
        )
