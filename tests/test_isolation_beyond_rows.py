"""Isolation beyond rows: nothing of one caller reaches another (query text, hidden counts,
memory, the pool, the audit table), each property checked through the tools (guard and
database together) and on a direct application-role connection (the database alone)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import psutil
import pytest
import pytest_asyncio
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport
from fastmcp.exceptions import ToolError

from tests import trail
from tests.conftest import app_database, in_memory_server, manager_identity
from tests.servers import database_env, mcp_server_process
from tests.unguarded import unguarded
from zava_mcp.db.queries import identity as identity_queries
from zava_mcp.db.session import Database, PoolConfig
from zava_mcp.errors import ZavaError
from zava_mcp.infra.embedded import EmbeddedPostgres
from zava_mcp.infra.settings import Settings, asyncpg_dsn
from zava_mcp.security import policy
from zava_mcp.security.binding import signed_identity
from zava_mcp.seed.catalogue import Catalogue

SECRET = "SECRET_1"
SECRET_QUERY = f"select count(*) from retail.customers c where c.last_name = '{SECRET}'"


def dev(**overrides: Any) -> Settings:
    return Settings(auth_mode="dev", _env_file=None, **overrides)  # type: ignore[call-arg]


@pytest_asyncio.fixture(loop_scope="session")
async def one_connection(pg: EmbeddedPostgres, seeded: object) -> AsyncIterator[Database]:
    """A pool of one: every caller gets the same backend session, the worst case for leaks."""
    db = await app_database(pg, PoolConfig(pool_size=1, max_overflow=0))
    yield db
    await db.dispose()


async def call(db: Database, code: str, tool: str, args: dict[str, Any], **settings: Any) -> Any:
    mcp = in_memory_server(
        dev(cache_ttl_s=0, **settings), database=db, dev_identity=manager_identity(code)
    )
    async with Client(mcp) as client:
        return await client.call_tool(tool, args)


async def refused(db: Database, code: str, sql: str) -> str:
    with pytest.raises(ToolError) as info:
        await call(db, code, "execute_sales_query", {"postgresql_query": sql})
    return str(info.value)


# ----------------------------------------------------------------------------- 1. query text


async def test_other_callers_sql_text_is_not_visible_through_the_tool(
    one_connection: Database,
) -> None:
    await call(
        one_connection,
        "ho-1",
        "execute_sales_query",
        {"postgresql_query": SECRET_QUERY},
    )
    for sql in (
        "select statement from pg_prepared_statement() where random() >= 0",
        "select * from pg_prepared_statements",
        "select * from pg_catalog.pg_stat_activity",
        "select pg_stat_get_backend_activity(s) from pg_stat_get_backend_idset() s",
    ):
        message = await refused(one_connection, "sm-leeds", sql)
        assert message.startswith("[QUERY_REJECTED]") and SECRET not in message


async def test_kept_statements_are_invisible_without_the_guard(one_connection: Database) -> None:
    """The same pooled session, the guard bypassed: the database itself refuses to show the
    statements the previous caller left prepared."""
    async with one_connection.unit_of_work(manager_identity("ho-1")) as conn:
        await conn.run(
            unguarded(SECRET_QUERY),
            max_rows=10,
            max_cell_bytes=100,
            max_response_bytes=10_000,
            plan_key="ho-1",
        )
    for sql in (
        "select statement from pg_prepared_statement()",
        "select statement from pg_catalog.pg_prepared_statements",
    ):
        with pytest.raises(ZavaError, match="permission denied"):
            async with one_connection.unit_of_work(manager_identity("sm-leeds")) as conn:
                await conn.run(
                    unguarded(sql), max_rows=10, max_cell_bytes=100, max_response_bytes=10_000
                )


@pytest.mark.parametrize(
    "sql",
    [
        "select statement from pg_prepared_statement()",
        "select * from pg_prepared_statements",
        "select * from pg_cursors",
        "select * from pg_locks",
        "select query from pg_stat_activity",
        "select pg_stat_get_backend_activity(1)",
        "select * from pg_stat_get_activity(null)",
        "select ts_rewrite('a'::tsquery, 'select ''a''::tsquery, ''b''::tsquery')",
        "select pg_logical_emit_message(true, 'x', 'y')",
        "select pg_relation_size('retail.orders')",
        "select reltuples from pg_class",
        "select pg_advisory_lock(1)",
        "select set_config('zava.manager_id', 'x', true)",
    ],
)
async def test_database_closes_session_string_and_statistics_functions(
    app_conn: asyncpg.Connection, sql: str
) -> None:
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
        await app_conn.fetch(sql)


# ----------------------------------------------------------------------------- 2. hidden counts


@pytest.mark.parametrize(
    "sql",
    [
        "explain select * from retail.orders where store_id = gen_random_uuid()",
        "explain analyze select count(*) from retail.order_items where quantity > 1",
        "explain (costs off) select * from retail.orders",
        "select reltuples from pg_class where relname = 'orders'",
        "select pg_total_relation_size('retail.orders')",
    ],
)
async def test_no_statistics_of_hidden_rows_through_the_tool(app_db: Database, sql: str) -> None:
    assert (await refused(app_db, "sm-leeds", sql)).startswith("[QUERY_REJECTED]")


async def test_catalog_row_counts_are_closed_on_a_direct_connection(
    app_conn: asyncpg.Connection,
) -> None:
    # the names stay readable (schema tools need them); the counts do not
    assert await app_conn.fetchval("select count(relname) from pg_class") > 0
    for column in policy.CLOSED_PG_CLASS_COLUMNS:
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            await app_conn.fetchval(f"select max({column}) from pg_class")


# ----------------------------------------------------------------------------- 3. memory


@pytest.mark.parametrize(
    "sql",
    [
        "select from retail.order_items a, retail.order_items b where a.quantity > 0",
        "select a.id, b.id from retail.order_items a, retail.order_items b",
        "select from generate_series(1, 1000000)",
    ],
)
async def test_row_cap_holds_for_every_statement_shape(app_db: Database, sql: str) -> None:
    result = await call(app_db, "ho-1", "execute_sales_query", {"postgresql_query": sql})
    out = result.structured_content
    assert out["truncated"] is True
    assert out["row_count"] == len(out["rows"]) == Settings(_env_file=None).limits.max_rows  # type: ignore[call-arg]


# ----------------------------------------------------------------------------- 5. audit


async def _audit_since(owner: asyncpg.Connection, since: int) -> list[asyncpg.Record]:
    return list(
        await owner.fetch("select * from audit.tool_calls where id > $1 order by id", since)
    )


async def test_audit_rows_are_bounded_for_every_call(
    app_db: Database, owner_conn: asyncpg.Connection
) -> None:
    since = await trail.last_id(owner_conn)
    nested = {"a": [["x" * 100_000] * 7] * 5, "b": {"c": {"d": {"e": {"f": {"g": "deep"}}}}}}
    mcp = in_memory_server(dev(), database=app_db, dev_identity=manager_identity("sm-leeds"))
    async with Client(mcp) as client:
        for _ in range(3):
            with pytest.raises(ToolError):
                await client.call_tool(
                    "execute_sales_query", {"postgresql_query": "select 1", "extra": nested}
                )
        with pytest.raises(ToolError, match=r"\[QUERY_REJECTED\]"):
            await client.call_tool("execute_sales_query", {"postgresql_query": "select 1\x00"})
        await client.read_resource("retail://schema/orders")
        await client.get_prompt("sales_question", {"question": "best store?"})
    rows = await trail.settled_outcomes(owner_conn, since, 6)
    assert [r["tool"] for r in rows] == [
        "execute_sales_query",
        "execute_sales_query",
        "execute_sales_query",
        "execute_sales_query",
        "resource:retail://schema/orders",
        "prompt:sales_question",
    ]
    assert [r["outcome"] for r in rows] == ["error"] * 4 + ["ok", "ok"]
    assert rows[3]["error_code"] == "QUERY_REJECTED"
    every = await _audit_since(owner_conn, since)  # the "started" rows too
    assert len(every) == 12
    assert all(len(r["arguments"].encode()) <= 8 * 1024 + 200 for r in every)
    assert not [r for r in every if "\\u0000" in r["arguments"]]
    assert all(r["manager_id"] == manager_identity("sm-leeds").manager_id for r in every)


# ----------------------------------------------------------------------------- 6. resources


async def test_database_limits_for_the_application_role(app_conn: asyncpg.Connection) -> None:
    settings = {
        r["name"]: r["setting"]
        for r in await app_conn.fetch(
            "select name, setting from pg_settings where name = any($1::text[])",
            ["temp_file_limit", "search_path", "hash_mem_multiplier"],
        )
    }
    assert settings["search_path"] == "retail"
    assert int(settings["temp_file_limit"]) > 0  # kB; -1 is unlimited
    assert float(settings["hash_mem_multiplier"]) == 1
    # unqualified names resolve through retail only
    with pytest.raises(asyncpg.exceptions.UndefinedTableError):
        await app_conn.fetch("select * from alembic_version")


async def test_temp_files_and_recursive_ctes_are_bounded(app_db: Database) -> None:
    temp_heavy = (
        "select count(*) from (select g, md5(g::text) || repeat('x', 200) as s "
        "from generate_series(1, 5000000) g order by 2) t"
    )
    recursive = (
        "with recursive r(n) as (select 1 union all select n + 1 from r) select count(*) from r"
    )
    recursive_wide = (
        "with recursive r(n, s) as (select 1, 'x'::text union all "
        "select n + 1, s || 'xxxxxxxxxx' from r where n < 100000) select count(*) from r"
    )
    # the data layer alone (repeat is not on the guard's list): the database stops each one
    for sql, code in ((temp_heavy, "RESOURCE_LIMIT"), (recursive_wide, "RESOURCE_LIMIT")):
        with pytest.raises(ZavaError) as info:
            async with app_db.unit_of_work(
                manager_identity("ho-1"), statement_timeout_ms=60_000
            ) as conn:
                await conn.run(
                    unguarded(sql), max_rows=10, max_cell_bytes=100, max_response_bytes=10_000
                )
        assert info.value.error_code == code, (sql, info.value)
    message = await refused(app_db, "ho-1", recursive.replace("select 1 union", "select 1 union"))
    assert "QUERY_TIMEOUT" in message or "RESOURCE_LIMIT" in message, message


async def test_application_role_cannot_connect_to_other_databases(pg: EmbeddedPostgres) -> None:
    for database in ("postgres", "template1"):
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            await asyncpg.connect(asyncpg_dsn(pg.app_url().set(database=database)))


# ----------------------------------------------------------------------------- 7. identity wall


async def test_forged_identity_sees_no_rows_on_a_direct_connection(
    app_conn: asyncpg.Connection, catalogue: Catalogue
) -> None:
    """Even a session that can SET the identity cannot name another manager."""
    head_office = manager_identity("ho-1").manager_id
    forgeries = [
        str(head_office),
        f"{head_office}.{'0' * 64}",
        signed_identity(head_office, b"a key the attacker made up"),
        f"{head_office}.{signed_identity(manager_identity('sm-leeds').manager_id, b'x')[37:]}",
    ]
    for value in forgeries:
        async with app_conn.transaction(readonly=True):
            await app_conn.execute(f"set local zava.manager_id = '{value}'")
            assert await app_conn.fetchval("select retail.current_manager_id()") is None
            for table in ("stores", "orders", "customers", "inventory", "order_items"):
                assert await app_conn.fetchval(f"select count(*) from retail.{table}") == 0
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
        await app_conn.fetch("select * from zava_private.identity_key")


async def test_signed_identity_binds_through_the_data_layer(
    app_db: Database, catalogue: Catalogue
) -> None:
    async with app_db.unit_of_work(manager_identity("ho-1")) as conn:
        rows = await identity_queries.fetch_visible_stores(conn)
    assert len(rows) == len(catalogue.stores)


async def test_unknown_manager_is_refused_by_every_tool_the_same_way(app_db: Database) -> None:
    mcp = in_memory_server(dev(dev_manager_id=str(uuid.uuid4())), database=app_db)
    calls = {
        "execute_sales_query": {"postgresql_query": "select count(*) from retail.orders"},
        "get_multiple_table_schemas": {"table_names": ["orders"]},
        "get_store_performance": {"store_id": "leeds"},
        "semantic_search_products": {"query_description": "drill"},
        "get_current_user_info": {},
        "get_current_utc_date": {},
    }
    async with Client(mcp) as client:
        for tool, args in calls.items():
            with pytest.raises(ToolError) as info:
                await client.call_tool(tool, args)
            assert str(info.value) == "[UNAUTHENTICATED] the caller is not a known manager", tool


# ----------------------------------------------------------------------------- 4. the pool


@pytest.fixture(scope="module")
def flood_server(pg: EmbeddedPostgres, seeded: object, tmp_path_factory: Any) -> Iterator[Any]:
    env = {
        **database_env(pg),
        "ZAVA_AUTH_MODE": "header",
        "ZAVA_TRUSTED_PROXIES": '["127.0.0.1/32"]',
        "ZAVA_POOL_SIZE": "6",
        "ZAVA_POOL_MAX_OVERFLOW": "0",
        "ZAVA_POOL_TIMEOUT_S": "5",
        "ZAVA_CACHE_TTL_S": "0",
        "ZAVA_CALLER_QUEUE_WAIT_S": "0.5",
    }
    log = Path(tmp_path_factory.mktemp("flood")) / "server.log"
    with mcp_server_process(env, log=log) as served:
        yield served


def as_manager(base: str, code: str) -> StreamableHttpTransport:
    return StreamableHttpTransport(
        f"{base}/mcp", headers={"x-rls-user-id": str(manager_identity(code))}
    )


async def test_one_caller_cannot_take_the_service(flood_server: Any) -> None:
    """50 concurrent slow and huge calls from one store manager; meanwhile another manager's 20
    calls all succeed, the flood gets [RATE_LIMITED] (never a pool timeout) and the server's
    memory stays within 300 MB of idle."""
    base, proc = flood_server
    server = psutil.Process(proc.pid)
    flood_sql = [
        "select count(*) from generate_series(1, 3000) a, generate_series(1, 3000) b",
        "select from retail.order_items a, retail.order_items b where a.quantity > 0",
        "select a.*, b.* from retail.order_items a, retail.order_items b",
    ]
    async with Client(as_manager(base, "sm-brighton")) as other_client:
        await other_client.call_tool("get_current_user_info", {})  # warm: idle is after start
        idle = server.memory_info().rss
        peak = idle
        done = asyncio.Event()

        async def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, server.memory_info().rss)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), timeout=0.05)

        sampler = asyncio.create_task(sample())
        async with Client(as_manager(base, "sm-leeds")) as flood_client:

            async def flood_one(i: int) -> str:
                sql = flood_sql[i % len(flood_sql)]
                try:
                    await flood_client.call_tool("execute_sales_query", {"postgresql_query": sql})
                except ToolError as exc:
                    return str(exc).split("]")[0] + "]"
                return "ok"

            flood = [asyncio.create_task(flood_one(i)) for i in range(50)]
            latencies: list[float] = []
            for i in range(20):
                began = time.perf_counter()
                if i % 2:
                    await other_client.call_tool("get_current_utc_date", {})
                else:
                    await other_client.call_tool(
                        "execute_sales_query",
                        {"postgresql_query": "select count(*) from retail.orders"},
                    )
                latencies.append(time.perf_counter() - began)
            outcomes = await asyncio.gather(*flood)
        done.set()
        await sampler
    latencies.sort()
    print(
        f"other caller during the flood: p95 {latencies[18] * 1000:.0f} ms; "
        f"server RSS idle {idle / 2**20:.0f} MB, peak {peak / 2**20:.0f} MB; "
        f"flood outcomes {sorted(set(outcomes))}"
    )
    assert len(latencies) == 20  # every call of the other manager succeeded
    assert set(outcomes) <= {"ok", "[RATE_LIMITED]"}, set(outcomes)
    assert "[RATE_LIMITED]" in outcomes and "ok" in outcomes
    assert peak - idle < 300 * 2**20, (idle, peak)


def test_rate_limited_message_carries_a_retry_hint() -> None:
    from zava_mcp.errors import RateLimitedError

    error = RateLimitedError("4 calls of yours are already running", retry_after_s=0.2)
    assert str(error) == "[RATE_LIMITED] 4 calls of yours are already running; retry in 1 s"
    assert json.dumps(error.retryable) == "true"
