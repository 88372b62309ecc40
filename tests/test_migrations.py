"""The real revisions: round trip, no drift, and the security posture they leave in the catalog."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from alembic import command

from zava_mcp.db.migrations import alembic_config, downgrade, upgrade
from zava_mcp.infra.embedded import EmbeddedPostgres
from zava_mcp.infra.settings import asyncpg_dsn
from zava_mcp.security.policy import APP_ROLE, TENANT_TABLES

pytestmark = pytest.mark.usefixtures("seeded")


async def _fetch(url: object, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(url))  # type: ignore[arg-type]
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def test_upgrade_downgrade_upgrade_round_trip(pg: EmbeddedPostgres) -> None:
    name = f"roundtrip_{uuid.uuid4().hex[:8]}"
    url = pg.create_database(name)
    try:
        upgrade("head", url)
        downgrade("base", url)
        rows = asyncio.run(
            _fetch(url, "select count(*) as n from pg_namespace where nspname = 'retail'")
        )
        assert rows[0]["n"] == 0
        upgrade("head", url)
        tables = asyncio.run(
            _fetch(url, "select count(*) as n from pg_tables where schemaname = 'retail'")
        )
        assert tables[0]["n"] == 13
        command.check(alembic_config(url))
    finally:
        pg.drop_database(name)


def test_alembic_check_reports_no_drift(migrated: EmbeddedPostgres) -> None:
    command.check(alembic_config(migrated.admin_url()))  # raises on any drift


async def test_index_columns_match_the_models(pg: EmbeddedPostgres) -> None:
    """Every index of the retail schema has the key and INCLUDE columns its model declares
    (``alembic check`` compares key columns only, not a covering index's INCLUDE list)."""
    from zava_mcp.db.models import Base

    rows = await _fetch(
        pg.admin_url(),
        """
        select ic.relname as name,
               array(select a.attname from generate_subscripts(i.indkey, 1) k
                     join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[k]
                     where k < i.indnkeyatts order by k)::text[] as keys,
               array(select a.attname from generate_subscripts(i.indkey, 1) k
                     join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[k]
                     where k >= i.indnkeyatts order by k)::text[] as included
        from pg_index i join pg_class ic on ic.oid = i.indexrelid
        join pg_namespace n on n.oid = ic.relnamespace
        where n.nspname = 'retail' and not i.indisprimary and i.indexprs is null
        """,
    )
    in_database = {r["name"]: (list(r["keys"]), list(r["included"])) for r in rows}
    declared = {
        index.name: (
            [c.name for c in index.columns],
            list(index.dialect_options["postgresql"]["include"] or []),
        )
        for table in Base.metadata.tables.values()
        if table.schema == "retail"
        for index in table.indexes
        if all(c is not None for c in index.columns) and index.expressions == list(index.columns)
    }
    assert declared, "the models declare no indexes"
    for name, (keys, included) in declared.items():
        assert in_database.get(name) == (keys, included), name
    covering = {name for name, (_, included) in in_database.items() if included}
    assert covering == {name for name, (_, included) in declared.items() if included}
    assert covering  # the order items' covering index (revision 0010)


async def test_every_tenant_table_has_rls_enabled_and_forced(pg: EmbeddedPostgres) -> None:
    rows = await _fetch(
        pg.admin_url(),
        "select relname, relrowsecurity, relforcerowsecurity from pg_class c "
        "join pg_namespace n on n.oid = c.relnamespace where nspname = 'retail' and relkind = 'r'",
    )
    flags = {r["relname"]: (r["relrowsecurity"], r["relforcerowsecurity"]) for r in rows}
    for table in TENANT_TABLES:
        assert flags[table] == (True, True), table


async def test_every_policy_column_has_a_btree_index(pg: EmbeddedPostgres) -> None:
    rows = await _fetch(
        pg.admin_url(),
        """
        select p.tablename, p.qual,
               exists (select 1 from pg_index i join pg_class t on t.oid = i.indrelid
                       join pg_attribute a on a.attrelid = t.oid and a.attnum = i.indkey[0]
                       join pg_class ic on ic.oid = i.indexrelid
                       join pg_am am on am.oid = ic.relam
                       where t.relname = p.tablename and am.amname = 'btree'
                         and p.qual like '%' || a.attname || ' = ANY%') as indexed
        from pg_policies p where schemaname = 'retail'
        """,
    )
    assert {r["tablename"] for r in rows} == set(TENANT_TABLES)
    for row in rows:
        assert row["indexed"], row["tablename"]
        assert "get_user_store_list" in row["qual"]


async def test_application_role_cannot_bypass_rls_and_owns_nothing(pg: EmbeddedPostgres) -> None:
    role = (await _fetch(pg.admin_url(), "select * from pg_roles where rolname = $1", APP_ROLE))[0]
    assert not role["rolsuper"]
    assert not role["rolbypassrls"]
    assert not role["rolcreaterole"]
    assert not role["rolcreatedb"]
    owned = await _fetch(
        pg.admin_url(),
        "select count(*) as n from pg_class c join pg_roles r on r.oid = c.relowner "
        "where r.rolname = $1",
        APP_ROLE,
    )
    assert owned[0]["n"] == 0
    config = {item.split("=")[0] for item in role["rolconfig"] or []}
    assert {
        "default_transaction_read_only",
        "statement_timeout",
        "lock_timeout",
        "idle_in_transaction_session_timeout",
    } <= config


async def test_every_security_definer_function_pins_search_path(pg: EmbeddedPostgres) -> None:
    rows = await _fetch(
        pg.admin_url(),
        "select p.proname, p.proconfig from pg_proc p "
        "join pg_namespace n on n.oid = p.pronamespace "
        "where n.nspname = 'retail' and p.prosecdef",
    )
    names = {r["proname"] for r in rows}
    assert {"get_current_user_store", "get_user_store_list"} <= names
    for row in rows:
        assert any(c.startswith("search_path=") for c in row["proconfig"] or []), row["proname"]


async def test_hybrid_search_function_runs_as_the_caller(pg: EmbeddedPostgres) -> None:
    """0007: SECURITY INVOKER (RLS of the caller applies to the stock it reads), search_path
    pinned, executable by the application role and not by PUBLIC."""
    rows = await _fetch(
        pg.admin_url(),
        "select p.prosecdef, p.proconfig, "
        "  has_function_privilege($1, p.oid, 'EXECUTE') as app, "
        "  coalesce(array_to_string(p.proacl, ','), '') as acl "
        "from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
        "where n.nspname = 'retail' and p.proname = 'search_products_hybrid'",
        APP_ROLE,
    )
    assert len(rows) == 1
    row = rows[0]
    assert not row["prosecdef"] and row["app"]
    assert "search_path=pg_catalog, pg_temp" in row["proconfig"]
    assert not any(entry.startswith("=") for entry in row["acl"].split(","))  # no PUBLIC grant


async def test_application_role_cannot_write(app_conn: asyncpg.Connection) -> None:
    with pytest.raises(asyncpg.exceptions.ReadOnlySQLTransactionError):
        await app_conn.execute("delete from retail.orders")
    # even in a read-write transaction it holds no write privilege
    await app_conn.execute("begin read write")
    try:
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            await app_conn.execute("delete from retail.orders")
    finally:
        await app_conn.execute("rollback")
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
        await app_conn.execute("begin read write; create table retail.x (id int); rollback")
    await app_conn.execute("rollback")


async def test_application_role_cannot_call_set_config(app_conn: asyncpg.Connection) -> None:
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
        await app_conn.fetchval("select set_config('zava.manager_id', $1, true)", str(uuid.uuid4()))
