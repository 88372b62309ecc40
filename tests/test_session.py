"""The tenant-bound unit of work: read only, limits bound, errors typed, pool left healthy."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import app_database, manager_identity
from tests.unguarded import unguarded
from tests.waiting import backend_gone, backend_running
from zava_mcp.db.session import Database
from zava_mcp.errors import DatabaseError, QueryError, QueryTimeoutError


async def test_unit_of_work_is_read_only_with_limits(app_db: Database) -> None:
    async with app_db.unit_of_work(
        manager_identity("ho-1"), statement_timeout_ms=1234, lock_timeout_ms=567
    ) as conn:
        settings = await conn.fetchrow(
            "select current_setting('transaction_read_only'), "
            "current_setting('statement_timeout'), current_setting('lock_timeout'), "
            "retail.current_manager_id()::text"
        )
    assert settings is not None
    assert settings[0] == "on"
    assert settings[1] == "1234ms"
    assert settings[2] == "567ms"
    assert settings[3] == str(manager_identity("ho-1"))


async def test_timeout_is_typed_and_pool_stays_healthy(app_db: Database) -> None:
    with pytest.raises(QueryTimeoutError):
        async with app_db.unit_of_work(None, statement_timeout_ms=100) as conn:
            await conn.fetch("select count(*) from generate_series(1, 500000000)")
    for _ in range(3):
        async with app_db.unit_of_work(None) as conn:
            assert await conn.fetchval("select 1") == 1


async def test_query_errors_are_typed_and_short(app_db: Database) -> None:
    with pytest.raises(QueryError) as info:
        async with app_db.unit_of_work(None) as conn:
            await conn.fetch("select no_such_column from retail.orders")
    assert "no_such_column" in info.value.message
    assert "Traceback" not in info.value.message
    assert len(info.value.message) <= 300


async def _run(app_db: Database, sql: str, **limits: int) -> Any:
    options = {"max_rows": 5, "max_cell_bytes": 50, "max_response_bytes": 100_000, **limits}
    async with app_db.unit_of_work(manager_identity("ho-1")) as conn:
        return await conn.run(unguarded(sql), **options)


async def test_bounded_select_keeps_names_order_and_types(app_db: Database) -> None:
    result = await _run(
        app_db,
        'select g as "n", g * 2 as "n", \'"odd" name\' as "we""ird", g::text as t '
        "from generate_series(1, 3) g order by g desc -- a trailing comment",
    )
    assert result.columns == ["n", "n", 'we"ird', "t"]
    assert result.column_types == ["int4", "int4", "text", "text"]
    assert result.rows == [
        [3, 6, '"odd" name', "3"],
        [2, 4, '"odd" name', "2"],
        [1, 2, '"odd" name', "1"],
    ]
    assert not result.truncated


async def test_result_size_bombs_are_cut_by_the_database(app_db: Database) -> None:
    import time

    started = time.perf_counter()
    result = await _run(
        app_db, "select repeat('x', 20000000) as big, g from generate_series(1, 50) g"
    )
    assert time.perf_counter() - started < 5
    assert len(result.rows) == 5 and result.truncated
    assert all(len(row[0]) <= 52 for row in result.rows)  # 50 bytes + the ellipsis
    assert any("row cap" in r for r in result.truncation_reasons)
    assert any("cells longer" in r for r in result.truncation_reasons)


async def test_wide_results_lower_the_row_cap(app_db: Database) -> None:
    columns = ", ".join(f"'v' as c{i}" for i in range(400))
    result = await _run(
        app_db,
        f"select {columns} from generate_series(1, 600)",
        max_rows=500,
        max_cell_bytes=4096,
        max_response_bytes=10_000_000,
    )
    assert result.truncated
    assert len(result.rows) < 500
    assert any("wide rows" in r for r in result.truncation_reasons)


# ------------------------------------------------------------ transactions the unit of work owns


async def _one_connection(pg: Any) -> Database:
    from zava_mcp.db.session import PoolConfig

    return await app_database(pg, PoolConfig(pool_size=1, max_overflow=0))


async def _backend_and_identity(db: Database) -> tuple[int, str]:
    async with db.unit_of_work(None) as conn:
        row = await conn.fetchrow(
            "select pg_backend_pid(), current_setting('zava.manager_id', true)"
        )
    assert row is not None
    return int(row[0]), str(row[1] or "")


async def test_a_cancelled_unit_of_work_never_returns_its_session_to_the_pool(pg: Any) -> None:
    import asyncio

    import asyncpg

    from zava_mcp.infra.embedded import SUPERUSER
    from zava_mcp.infra.settings import asyncpg_dsn

    db = await _one_connection(pg)
    admin = await asyncpg.connect(asyncpg_dsn(pg.url(SUPERUSER)))
    try:
        before, _ = await _backend_and_identity(db)

        async def slow() -> None:
            async with db.unit_of_work(manager_identity("ho-1")) as conn:
                await conn.fetch("select count(*) from generate_series(1, 400000000)")

        task = asyncio.create_task(slow())
        # cancel mid-statement: once the pool's only session is running it
        await backend_running(admin, before, "generate_series(1, 400000000)")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # the pool's only connection was mid-statement: it is replaced, not reused
        after, identity = await _backend_and_identity(db)
        assert after != before
        assert identity == ""
    finally:
        await admin.close()
        await db.dispose()


async def test_a_failed_statement_rolls_back_and_the_connection_is_reused_clean(pg: Any) -> None:
    db = await _one_connection(pg)
    try:
        before, _ = await _backend_and_identity(db)
        with pytest.raises(QueryError):
            async with db.unit_of_work(manager_identity("ho-1")) as conn:
                await conn.fetch("select 1 / 0")
        after, identity = await _backend_and_identity(db)
        assert after == before  # a clean ROLLBACK: the same session, back in the pool
        assert identity == ""  # and the identity ended with the transaction
    finally:
        await db.dispose()


async def test_kept_statements_are_per_identity_and_rows_follow_the_caller(pg: Any) -> None:
    db = await _one_connection(pg)
    sql = "select count(distinct store_id) as stores from retail.orders"
    options = {"max_rows": 5, "max_cell_bytes": 50, "max_response_bytes": 100_000}
    try:
        seen: dict[str, Any] = {}
        for code in ("ho-1", "sm-leeds", "ho-1", "sm-leeds"):
            identity = manager_identity(code)
            async with db.unit_of_work(identity) as conn:
                result = await conn.run(
                    unguarded(sql), **options, plan_key=str(identity.manager_id)
                )
                kept = conn.kept_statements
            seen.setdefault(code, []).append(result.rows[0][0])
        assert seen["sm-leeds"] == [1, 1]
        assert seen["ho-1"][0] == seen["ho-1"][1] > 1
        # the bare statement (only described) once, the bounded one per identity, all on the one
        # connection
        assert kept == 3
    finally:
        await db.dispose()


async def test_a_unit_of_work_handle_refuses_to_run_once_it_has_ended(pg: Any) -> None:
    """Kept statements outlive the unit of work (they wait on the connection for its next
    one); the handle does not: once its connection is back in the pool, nothing runs through
    it, kept statement or not, and the connection serves the next caller."""
    db = await _one_connection(pg)
    options = {"max_rows": 5, "max_cell_bytes": 50, "max_response_bytes": 100_000}
    try:
        async with db.unit_of_work(manager_identity("sm-leeds")) as ended:
            await ended.run(unguarded("select 1 as one"), **options, plan_key="k")
        with pytest.raises(DatabaseError, match="ended"):
            await ended.run(unguarded("select 1 as one"), **options, plan_key="k")
        with pytest.raises(DatabaseError, match="ended"):
            await ended.fetchval("select 1")
        async with db.unit_of_work(manager_identity("ho-1")) as conn:
            result = await conn.run(unguarded("select 1 as one"), **options, plan_key="k")
            assert conn.kept_statements == 2  # still kept, used again
        assert result.rows == [[1]]
    finally:
        await db.dispose()


async def test_pool_gauges_follow_the_connections_in_use(pg: Any) -> None:
    from zava_mcp.db.session import PoolConfig

    db = await app_database(pg, PoolConfig(pool_size=2, max_overflow=1))
    try:
        async with db.unit_of_work(None), db.unit_of_work(None), db.unit_of_work(None):
            busy = db.pool_stats()
        idle = db.pool_stats()
    finally:
        await db.dispose()
    assert busy == {"size": 3.0, "checked_out": 3.0, "overflow": 1.0, "waiters": 0.0}
    assert idle == {"size": 3.0, "checked_out": 0.0, "overflow": 1.0, "waiters": 0.0}
    assert db.pool_stats() == {}  # disposed: no pool, no gauges


async def test_audit_sessions_write_and_tool_sessions_stay_read_only(pg: Any) -> None:
    from zava_mcp.db import audit

    writer = audit.audit_database(pg.app_url())
    tools = await _one_connection(pg)
    try:
        entry = audit.AuditRecord(
            manager_id=manager_identity("ho-1").manager_id,
            tool="execute_sales_query",
            arguments={"postgresql_query": "select 1"},
            rows_returned=1,
            duration_ms=1.0,
            outcome="ok",
            error_code=None,
            request_id="session-test",
        )
        first = await audit.record(writer, entry)
        assert await audit.record(writer, entry) > first
        async with tools.unit_of_work(None) as conn:
            read_only = await conn.fetchval("show default_transaction_read_only")
        assert read_only == "on"
    finally:
        await writer.dispose()
        await tools.dispose()


async def test_a_pooled_session_the_server_ended_is_replaced_without_an_error(pg: Any) -> None:
    """No pre-ping round trip: a closed socket is noticed at checkout, and a BEGIN on a session
    that died a moment ago is retried once on a fresh one."""
    import asyncpg

    from zava_mcp.infra.embedded import SUPERUSER
    from zava_mcp.infra.settings import asyncpg_dsn

    db = await _one_connection(pg)
    admin = await asyncpg.connect(asyncpg_dsn(pg.url(SUPERUSER)))
    try:
        # a session that died a while ago (its socket closed, noticed at checkout), then one
        # that died a moment ago (the BEGIN fails and is retried on a fresh session)
        for settled in (True, False):
            before, _ = await _backend_and_identity(db)
            assert await admin.fetchval("select pg_terminate_backend($1)", before)
            if settled:
                await backend_gone(admin, before)
            after, identity = await _backend_and_identity(db)
            assert after != before
            assert identity == ""
    finally:
        await admin.close()
        await db.dispose()


async def test_a_read_alongside_is_the_callers_and_never_waits_for_a_connection(
    pg: Any, seeded: Any
) -> None:
    """``Database.alongside`` (the second read of a store report): a unit of work bound to the
    same caller when a connection is free, ``None`` at once when none is (it never queues while
    its caller holds a connection), and the pool is whole afterwards."""
    from zava_mcp.db.session import PoolConfig

    # a pool timeout far longer than any test: a wait for a connection would show as a hang
    db = await app_database(pg, PoolConfig(pool_size=2, max_overflow=0, pool_timeout_s=600))
    sql = "select count(distinct store_id) from retail.orders"
    leeds = manager_identity("sm-leeds")
    try:
        async with db.unit_of_work(leeds) as own, db.alongside(leeds) as beside:
            assert beside is not None
            assert await own.fetchval(sql) == await beside.fetchval(sql) == 1
            assert db.pool_stats()["checked_out"] == 2.0
            async with db.alongside(leeds) as none_free:
                assert none_free is None
        head_office = manager_identity("ho-1")
        async with db.unit_of_work(head_office) as own, db.alongside(head_office) as beside:
            assert beside is not None
            assert await beside.fetchval(sql) == await own.fetchval(sql) > 1
        assert db.pool_stats()["checked_out"] == 0.0
    finally:
        await db.dispose()
