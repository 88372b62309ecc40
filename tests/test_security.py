"""Tenant isolation under hostile SQL: the whole path, the database alone, pools and audit."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from fastmcp import Client
from fastmcp.exceptions import ToolError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import trail
from tests.conftest import app_database, in_memory_server, manager_identity
from tests.oracle import visible_store_ids
from tests.test_guard import ATTACK_CORPUS
from tests.unguarded import unguarded
from tests.waiting import backend_gone, eventually
from zava_mcp.db.audit import AuditRecord, AuditTrail, audit_database, verify_chain
from zava_mcp.db.session import Database, PoolConfig
from zava_mcp.errors import QueryRejectedError, ZavaError
from zava_mcp.identity import Identity
from zava_mcp.infra.embedded import SUPERUSER, EmbeddedPostgres
from zava_mcp.infra.settings import Settings, asyncpg_dsn
from zava_mcp.seed.catalogue import Catalogue
from zava_mcp.services.base import Limits, ServiceContext
from zava_mcp.services.query import QueryService

TENANT_TABLES = ("customers", "inventory", "orders", "order_items")
CHECKSUM_TABLES = (
    "stores",
    "customers",
    "inventory",
    "orders",
    "order_items",
    "products",
    "managers",
    "product_description_embeddings",
)


async def checksums(owner: asyncpg.Connection) -> dict[str, str]:
    return {
        t: await owner.fetchval(
            f"select md5(coalesce(string_agg(x::text, '' order by x::text), '')) from retail.{t} x"
        )
        for t in CHECKSUM_TABLES
    }


@pytest.fixture
def query_service(app_db: Database) -> QueryService:
    return QueryService(ServiceContext(app_db, Limits(statement_timeout_ms=2000)))


# ----------------------------------------------------------------------------- property test

queries_strategy = st.builds(
    lambda table, shape, n: {
        "plain": f"select store_id from retail.{table} limit {n}",
        "where": f"select store_id from retail.{table} where store_id is not null limit {n}",
        "cte": f"with x as (select store_id from retail.{table}) select store_id from x limit {n}",
        "agg": f"select store_id from retail.{table} group by store_id",
        "union": f"select store_id from retail.{table} union select store_id from retail.{table}",
        "window": f"select store_id from (select store_id, row_number() over (partition by "
        f"store_id) rn from retail.{table}) s where rn <= {n}",
        "lateral": f"select t.store_id from retail.stores s cross join lateral (select store_id "
        f"from retail.{table} o where o.store_id = s.id limit {n}) t",
        "join": f"select s.id as store_id from retail.stores s join retail.{table} o on "
        f"o.store_id = s.id limit {n}",
        "orstrue": f"select store_id from retail.{table} where true or store_id is null limit {n}",
        "stores": "select id as store_id from retail.stores",
    }[shape],
    st.sampled_from(TENANT_TABLES),
    st.sampled_from(
        ["plain", "where", "cte", "agg", "union", "window", "lateral", "join", "orstrue", "stores"]
    ),
    st.integers(min_value=1, max_value=300),
)


@pytest.fixture(scope="module")
def background_service(
    pg: EmbeddedPostgres, seeded: object
) -> Iterator[tuple[asyncio.AbstractEventLoop, QueryService]]:
    """Hypothesis drives sync tests: give them an event loop of their own on a thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    db = asyncio.run_coroutine_threadsafe(
        app_database(pg, PoolConfig(pool_size=2, max_overflow=0)), loop
    ).result(timeout=30)
    try:
        yield loop, QueryService(ServiceContext(db, Limits(statement_timeout_ms=2000)))
    finally:
        asyncio.run_coroutine_threadsafe(db.dispose(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    first=st.sampled_from(["sm-leeds", "sm-online", "rm-north", "rm-west", "ho-1", "nobody"]),
    second=st.sampled_from(["sm-brighton", "rm-south", "rm-online", "ho-2", "nobody"]),
    sql=queries_strategy,
)
def test_property_every_row_belongs_to_the_caller(
    background_service: tuple[asyncio.AbstractEventLoop, QueryService],
    catalogue: Catalogue,
    first: str,
    second: str,
    sql: str,
) -> None:
    loop, service = background_service

    async def run() -> None:
        for code in (first, second):
            identity = manager_identity(code)
            allowed = visible_store_ids(catalogue, code) if code != "nobody" else set()
            try:
                result = await service.execute(identity=identity, sql=sql)
            except QueryRejectedError:
                continue
            for row in result.rows:
                assert uuid.UUID(row[0]) in allowed, (code, sql)

    asyncio.run_coroutine_threadsafe(run(), loop).result(timeout=60)


#: aggregate and text shapes: counts must be the caller's own, text must name only their stores
aggregates_strategy = st.builds(
    lambda table, shape, cut: (
        table,
        shape,
        {
            "count": f"select count(*) from retail.{table}",
            "count_where": f"select count(*) from retail.{table} where store_id is not null",
            "count_cte": f"with t as (select store_id from retail.{table}) select count(*) from t",
            "count_sub": f"select (select count(*) from retail.{table}) + 0",
            "count_window": f"select count(*) over () from retail.{table} limit 1",
            "count_having": f"select sum(n) from (select store_id, count(*) n from "
            f"retail.{table} group by 1 having count(*) > {cut}) s",
            "text": f"select string_agg(distinct store_id::text, ',') from retail.{table}",
            "names": f"select string_agg(distinct s.name, '|') from retail.stores s "
            f"join retail.{table} t on t.store_id = s.id",
            "json": f"select json_agg(distinct store_id) from retail.{table}",
        }[shape],
    ),
    st.sampled_from(TENANT_TABLES),
    st.sampled_from(
        [
            "count",
            "count_where",
            "count_cte",
            "count_sub",
            "count_window",
            "count_having",
            "text",
            "names",
            "json",
        ]
    ),
    st.integers(min_value=-1, max_value=0),
)


@pytest.fixture(scope="module")
def per_store_counts(pg: EmbeddedPostgres, seeded: object) -> dict[str, dict[uuid.UUID, int]]:
    """The owner's view (it bypasses RLS): rows per store of every tenant table."""

    async def count() -> dict[str, dict[uuid.UUID, int]]:
        owner = await asyncpg.connect(asyncpg_dsn(pg.admin_url()))
        try:
            return {
                t: {
                    r[0]: r[1]
                    for r in await owner.fetch(
                        f"select store_id, count(*) from retail.{t} group by 1"
                    )
                }
                for t in TENANT_TABLES
            }
        finally:
            await owner.close()

    return asyncio.run(count())


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    code=st.sampled_from(["sm-leeds", "sm-online", "rm-north", "rm-south", "ho-1", "nobody"]),
    case=aggregates_strategy,
)
def test_property_counts_and_text_are_the_callers_own(
    background_service: tuple[asyncio.AbstractEventLoop, QueryService],
    catalogue: Catalogue,
    per_store_counts: dict[str, dict[uuid.UUID, int]],
    code: str,
    case: tuple[str, str, str],
) -> None:
    loop, service = background_service
    table, shape, sql = case
    allowed = visible_store_ids(catalogue, code) if code != "nobody" else set()
    own_count = sum(n for store, n in per_store_counts[table].items() if store in allowed)
    names = {s.name for s in catalogue.stores if s.id in allowed}

    async def run() -> list[Any]:
        result = await service.execute(identity=manager_identity(code), sql=sql)
        return result.rows[0] if result.rows else []

    row = asyncio.run_coroutine_threadsafe(run(), loop).result(timeout=60)
    value = row[0] if row else None
    if shape.startswith("count"):
        assert (value or 0) == own_count, (code, sql, value, own_count)
    elif shape == "text":
        assert {uuid.UUID(v) for v in (value or "").split(",") if v} <= allowed, (code, sql)
    elif shape == "names":
        assert {v for v in (value or "").split("|") if v} <= names, (code, sql)
    else:
        cells = value if isinstance(value, list) else json.loads(value or "[]")
        assert {uuid.UUID(v) for v in cells} <= allowed, (code, sql)


# ----------------------------------------------------------------------------- attack corpus


@pytest_asyncio.fixture(loop_scope="session")
async def hostile_client(app_db: Database) -> AsyncIterator[Client[Any]]:
    settings_ = Settings(auth_mode="dev", _env_file=None)  # type: ignore[call-arg]
    mcp = in_memory_server(settings_, database=app_db, dev_identity=manager_identity("sm-leeds"))
    async with Client(mcp) as client:
        yield client


async def test_attack_corpus_through_the_tool(
    hostile_client: Client[Any],
    owner_conn: asyncpg.Connection,
    catalogue: Catalogue,
    app_db: Database,
) -> None:
    assert len(ATTACK_CORPUS) >= 40
    before = await checksums(owner_conn)
    allowed = {str(s) for s in visible_store_ids(catalogue, "sm-leeds")}
    other_names = {s.name for s in catalogue.stores if str(s.id) not in allowed}
    for payload, _reason in ATTACK_CORPUS:
        try:
            result = await hostile_client.call_tool(
                "execute_sales_query", {"postgresql_query": payload}
            )
        except ToolError as exc:
            message = str(exc)
            assert message.startswith("[") or "validation error" in message, message
            assert "Traceback" not in message and "127.0.0.1" not in message
            assert not any(name in message for name in other_names)
            continue
        for row in result.structured_content["rows"]:  # type: ignore[index]
            for cell in row:
                assert str(cell) not in other_names
    assert await checksums(owner_conn) == before
    # the next call, by another identity, behaves normally
    settings_ = Settings(auth_mode="dev", _env_file=None)  # type: ignore[call-arg]
    mcp = in_memory_server(settings_, database=app_db, dev_identity=manager_identity("rm-south"))
    async with Client(mcp) as client:
        rows = (
            await client.call_tool(
                "execute_sales_query",
                {"postgresql_query": "select distinct store_id::text from retail.orders"},
            )
        ).structured_content["rows"]  # type: ignore[index]
    assert {r[0] for r in rows} == {str(s) for s in visible_store_ids(catalogue, "rm-south")}


IDENTITY_ATTACKS = [
    "select set_config('zava.manager_id', '{ho}', true)",
    "with x as (select set_config('zava.manager_id', '{ho}', true)) "
    "select count(*) from retail.orders, x",
    "select count(*) from retail.orders where "
    "(select set_config('zava.manager_id', '{ho}', true)) is not null",
    "select count(*) from retail.orders o cross join lateral "
    "(select set_config('zava.manager_id', '{ho}', true)) s",
    "select set_config('role', 'zava_owner', true)",
    "select pg_catalog.set_config('zava.manager_id', '{ho}', false)",
    "select query_to_xml('select * from retail.orders', true, false, '')",
    "select cursor_to_xml('c', 10, true, false, '')",
    "select count(*) from pg_stat_activity",
    "select pg_sleep(5)",
    "select pg_advisory_lock(1)",
    "select pg_terminate_backend(pg_backend_pid())",
    "select ts_stat('select 1')",
]


async def test_database_refuses_identity_changes_with_the_guard_bypassed(
    app_db: Database, catalogue: Catalogue
) -> None:
    """Drive the data layer directly (no SQL guard): the database itself refuses."""
    ho = str(manager_identity("ho-1"))
    store_only = visible_store_ids(catalogue, "sm-leeds")
    for template in IDENTITY_ATTACKS:
        sql = template.format(ho=ho)
        with pytest.raises(ZavaError) as info:
            async with app_db.unit_of_work(manager_identity("sm-leeds")) as conn:
                await conn.run(
                    unguarded(sql), max_rows=10, max_cell_bytes=100, max_response_bytes=10_000
                )
        assert "permission denied" in info.value.message, (sql, info.value.message)
    # and after all that, the caller still sees only their store
    async with app_db.unit_of_work(manager_identity("sm-leeds")) as conn:
        rows = await conn.fetch("select distinct store_id from retail.orders")
        assert {r[0] for r in rows} == store_only


async def test_data_layer_never_runs_a_set_statement(app_db: Database) -> None:
    """A SET slipped past the guard is not run: every statement runs inside the bounded
    wrapper, where only a query parses."""
    with pytest.raises(ZavaError, match="QUERY_ERROR"):
        async with app_db.unit_of_work(manager_identity("sm-leeds")) as conn:
            await conn.run(
                unguarded("set role zava_owner"),
                max_rows=1,
                max_cell_bytes=10,
                max_response_bytes=100,
            )


async def test_database_refuses_set_role_to_the_owner(app_conn: asyncpg.Connection) -> None:
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
        await app_conn.execute("set role zava_owner")


# ----------------------------------------------------------------------------- pools


async def test_pool_of_one_never_carries_identity_or_settings(
    pg: EmbeddedPostgres, catalogue: Catalogue
) -> None:
    db = await app_database(pg, PoolConfig(pool_size=1, max_overflow=0))
    try:
        async with db.unit_of_work(manager_identity("ho-1"), statement_timeout_ms=1234) as conn:
            pid_a = await conn.fetchval("select pg_backend_pid()")
            assert await conn.fetchval("select count(*) from retail.stores") == len(
                catalogue.stores
            )
        async with db.unit_of_work(manager_identity("sm-leeds")) as conn:
            pid_b = await conn.fetchval("select pg_backend_pid()")
            row = await conn.fetchrow(
                "select retail.current_manager_id()::text, "
                "current_setting('statement_timeout'),"
                " (select count(*) from retail.stores)"
            )
            assert row is not None
        assert pid_a == pid_b  # same pooled connection
        assert row[0] == str(manager_identity("sm-leeds"))
        assert row[1] == "30s"  # the role default, not A's 1234ms
        assert row[2] == 1
    finally:
        await db.dispose()


async def test_hundred_concurrent_calls_each_see_only_their_stores(
    app_db: Database, catalogue: Catalogue, query_service: QueryService
) -> None:
    codes = [m.code for m in catalogue.managers]

    async def one(i: int) -> tuple[str, set[str]]:
        code = codes[i % len(codes)]
        result = await query_service.execute(
            identity=manager_identity(code),
            sql="select distinct store_id::text from retail.orders",
        )
        return code, {r[0] for r in result.rows}

    results = await asyncio.gather(*(one(i) for i in range(100)))
    for code, seen in results:
        assert seen == {str(s) for s in visible_store_ids(catalogue, code)}, code


# ----------------------------------------------------------------------------- audit


async def test_audit_row_for_every_call(app_db: Database, owner_conn: asyncpg.Connection) -> None:
    since = await trail.last_id(owner_conn)
    settings_ = Settings(auth_mode="dev", _env_file=None, statement_timeout_ms=200)  # type: ignore[call-arg]
    mcp = in_memory_server(settings_, database=app_db, dev_identity=manager_identity("sm-leeds"))
    calls = [
        ("select count(*) from retail.orders", None),
        ("delete from retail.orders", "QUERY_REJECTED"),
        ("select nope from retail.orders", "QUERY_ERROR"),
        ("select count(*) from generate_series(1, 1000000000)", "QUERY_TIMEOUT"),
        ("x" * 5000 + " select", "QUERY_REJECTED"),
    ]
    async with Client(mcp) as client:
        for sql, code in calls:
            if code is None:
                await client.call_tool("execute_sales_query", {"postgresql_query": sql})
            else:
                with pytest.raises(ToolError, match=rf"\[{code}\]"):
                    await client.call_tool("execute_sales_query", {"postgresql_query": sql})
    rows = await trail.settled_outcomes(owner_conn, since, len(calls))
    assert [(r["outcome"], r["error_code"]) for r in rows] == [
        ("ok" if code is None else "error", code) for _, code in calls
    ]
    # and every call's "started" row, first, with the same arguments
    started = await trail.started_rows(owner_conn, since)
    assert [r["request_id"] for r in started] == [r["request_id"] for r in rows]
    assert all(s["id"] < r["id"] for s, r in zip(started, rows, strict=True))
    assert [s["arguments_hash"] for s in started] == [r["arguments_hash"] for r in rows]
    assert all(r["manager_id"] == manager_identity("sm-leeds").manager_id for r in rows)
    assert rows[0]["rows_returned"] == 1
    assert len(rows[4]["arguments"]) < 3000  # long query text truncated
    assert rows[4]["arguments_hash"] != rows[3]["arguments_hash"]


async def test_application_role_cannot_read_change_or_delete_audit(
    app_conn: asyncpg.Connection,
) -> None:
    for sql in (
        "select * from audit.tool_calls",
        "begin read write; update audit.tool_calls set outcome = 'ok'",
        "begin read write; delete from audit.tool_calls",
        "begin read write; truncate audit.tool_calls",
    ):
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            await app_conn.execute(sql)
        await app_conn.execute("rollback")


async def test_verify_detects_an_edited_row(
    owner_conn: asyncpg.Connection, app_db: Database
) -> None:
    settings_ = Settings(auth_mode="dev", _env_file=None)  # type: ignore[call-arg]
    mcp = in_memory_server(settings_, database=app_db, dev_identity=manager_identity("ho-1"))
    async with Client(mcp) as client:
        await client.call_tool("get_current_utc_date", {})
        await client.call_tool("get_current_utc_date", {})
    assert (await verify_chain(owner_conn)).ok
    target = await owner_conn.fetchval("select max(id) - 1 from audit.tool_calls")
    original = await owner_conn.fetchval(
        "select manager_id from audit.tool_calls where id = $1", target
    )
    await owner_conn.execute(
        "update audit.tool_calls set manager_id = $1 where id = $2", uuid.uuid4(), target
    )
    try:
        report = await verify_chain(owner_conn)
        assert not report.ok and report.first_bad_id == target
    finally:
        await owner_conn.execute(
            "update audit.tool_calls set manager_id = $1 where id = $2", original, target
        )
    assert (await verify_chain(owner_conn)).ok


async def test_identity_from_tool_arguments_is_impossible() -> None:
    """No tool takes an identity: the schema of every tool is free of manager/identity args."""
    mcp = in_memory_server(
        Settings(auth_mode="dev", _env_file=None),  # type: ignore[call-arg]
        dev_identity=Identity(uuid.uuid4()),
    )
    tools = await mcp.list_tools()
    params = [p for t in tools for p in (t.parameters.get("properties") or {})]
    assert params
    assert not [p for p in params if "manager" in p or "identity" in p or "user" in p]


async def test_audit_with_asynchronous_commit_still_records_and_chains(
    app_db: Database, owner_conn: asyncpg.Connection
) -> None:
    since = await trail.last_id(owner_conn)
    settings_ = Settings(auth_mode="dev", _env_file=None, audit_synchronous_commit=False)  # type: ignore[call-arg]
    mcp = in_memory_server(settings_, database=app_db, dev_identity=manager_identity("rm-west"))
    async with Client(mcp) as client:
        await client.call_tool("get_current_user_info", {})
    rows = await trail.settled_outcomes(owner_conn, since, 1)
    assert [(r["tool"], r["outcome"]) for r in rows] == [("get_current_user_info", "ok")]
    assert (await verify_chain(owner_conn)).ok


async def test_a_call_answers_only_once_its_started_row_is_committed(
    app_db: Database, owner_conn: asyncpg.Connection
) -> None:
    """The "started" row is written beside the tool body, not after it, but the answer waits
    for it: when the client holds the answer, the row is already committed. The outcome row
    follows, after the started row in the chain."""
    since = await trail.last_id(owner_conn)
    settings_ = Settings(auth_mode="dev", _env_file=None)  # type: ignore[call-arg]
    who = manager_identity("sm-newcastle")
    mcp = in_memory_server(settings_, database=app_db, dev_identity=who)
    async with Client(mcp) as client:
        for i in range(5):
            await client.call_tool("execute_sales_query", {"postgresql_query": f"select {i} as n"})
            # read at once, with no waiting: committed before the answer came back
            started = await trail.started_rows(owner_conn, since)
            assert len(started) == i + 1
            assert json.loads(started[-1]["arguments"]) == {"postgresql_query": f"select {i} as n"}
        rows = await trail.settled_outcomes(owner_conn, since, 5)
    by_request = {r["request_id"]: r["id"] for r in started}
    assert [by_request[r["request_id"]] < r["id"] for r in rows] == [True] * 5
    assert [r["rows_returned"] for r in rows] == [1] * 5
    assert (await verify_chain(owner_conn)).ok


async def test_a_call_that_cannot_be_recorded_returns_no_data(
    app_db: Database, owner_conn: asyncpg.Connection
) -> None:
    """Fail closed: when the trail refuses the call's "started" row, the call answers
    AUDIT_UNAVAILABLE and no rows; the server serves again once the trail is back."""
    settings_ = Settings(auth_mode="dev", _env_file=None)  # type: ignore[call-arg]
    mcp = in_memory_server(settings_, database=app_db, dev_identity=manager_identity("ho-1"))
    record = "audit.record_tool_calls(jsonb)"  # what the server's writer appends through
    async with Client(mcp) as client:
        await owner_conn.execute(f"REVOKE EXECUTE ON FUNCTION {record} FROM zava_app")
        try:
            out = await client.call_tool_mcp(
                "execute_sales_query", {"postgresql_query": "select count(*) from retail.orders"}
            )
        finally:
            await owner_conn.execute(f"GRANT EXECUTE ON FUNCTION {record} TO zava_app")
        assert out.is_error and out.structured_content is None
        text = " ".join(getattr(c, "text", "") for c in out.content)
        assert text.startswith("[AUDIT_UNAVAILABLE]"), text
        assert "count" not in text
        again = await client.call_tool(
            "execute_sales_query", {"postgresql_query": "select count(*) from retail.orders"}
        )
        assert again.structured_content["row_count"] == 1  # type: ignore[index]


async def test_the_trail_commits_waiting_rows_together_in_order(
    app_db: Database, owner_conn: asyncpg.Connection
) -> None:
    """Group commit: rows queued while the writer is busy go in one transaction, in the order
    queued; a started row's future is done only once its row is committed; outcome rows alone
    are written after a short linger."""
    since = await trail.last_id(owner_conn)
    failures: list[str] = []
    db = audit_database(app_db.url)
    who = manager_identity("ho-1").manager_id

    def entry(i: int, outcome: str) -> AuditRecord:
        return AuditRecord(who, "t", {"i": i}, None, 0.0, outcome, None, f"batch-{i}")

    try:
        async with AuditTrail(db, on_failure=lambda e, x: failures.append(str(x))) as writer:
            starts = [writer.start(entry(i, "started")) for i in range(40)]
            for i in range(40):
                writer.finish(entry(i, "ok"))
            await asyncio.gather(*starts)
            committed = await owner_conn.fetchval(
                "select count(*) from audit.tool_calls where id > $1 and outcome = 'started'",
                since,
            )
            assert committed == 40  # done means committed
            assert writer.batches < 40
            writer.finish(entry(99, "ok"))  # alone: goes after the linger, not never

            async def written() -> bool:
                return bool(
                    await owner_conn.fetchval(
                        "select 1 from audit.tool_calls where id > $1 and request_id = 'batch-99'",
                        since,
                    )
                )

            await eventually(written, "a lone outcome row")
    finally:
        await db.dispose()
    rows = await owner_conn.fetch(
        "select request_id, outcome from audit.tool_calls where id > $1 order by id", since
    )
    assert [(r["request_id"], r["outcome"]) for r in rows] == [
        *[(f"batch-{i}", "started") for i in range(40)],
        *[(f"batch-{i}", "ok") for i in range(40)],
        ("batch-99", "ok"),
    ]
    assert not failures
    assert (await verify_chain(owner_conn)).ok


async def test_the_application_role_appends_batches_only_through_the_function(
    app_conn: asyncpg.Connection,
) -> None:
    """On a direct application-role connection: the batch function appends (through the same
    chained function) and refuses anything but an array; the table stays unreadable."""
    await app_conn.execute("begin read write")  # the role's sessions default to read only
    appended = await app_conn.fetchval(
        "select audit.record_tool_calls($1::jsonb)",
        json.dumps(
            [
                {
                    "manager_id": None,
                    "tool": "direct",
                    "arguments": {},
                    "arguments_hash": "-",
                    "rows_returned": None,
                    "duration_ms": 0,
                    "outcome": "error",
                    "error_code": "TEST",
                    "request_id": "direct-batch",
                }
            ]
        ),
    )
    await app_conn.execute("commit")
    assert appended == 1
    await app_conn.execute("begin read write")
    with pytest.raises(asyncpg.exceptions.InvalidParameterValueError):
        await app_conn.fetchval("select audit.record_tool_calls('{}'::jsonb)")
    await app_conn.execute("rollback")
    await app_conn.execute("begin read write")
    with pytest.raises(asyncpg.exceptions.CheckViolationError):
        await app_conn.fetchval(
            "select audit.record_tool_calls($1::jsonb)",
            json.dumps(
                [
                    {
                        "tool": "x",
                        "arguments": {},
                        "arguments_hash": "-",
                        "duration_ms": 0,
                        "outcome": "hacked",
                    }
                ]
            ),
        )
    await app_conn.execute("rollback")
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
        await app_conn.fetchval("select count(*) from audit.tool_calls")


async def test_a_closed_trail_refuses_starts_and_reports_outcomes(app_db: Database) -> None:
    """After shutdown, a started row cannot be promised (the call fails closed) and an outcome
    row is reported as a failed write, never raised into an answer already given."""
    failures: list[str] = []
    db = audit_database(app_db.url)
    entry = AuditRecord(None, "t", {}, None, 0.0, "ok", None, "closed-trail")
    try:
        async with AuditTrail(db, on_failure=lambda e, x: failures.append(str(x))) as writer:
            pass
        writer.finish(entry)
        assert failures == ["the audit trail is not running"]
        with pytest.raises(RuntimeError, match="not running"):
            writer.start(entry)
    finally:
        await db.dispose()


async def test_the_trail_writes_on_after_its_connection_is_killed(
    app_db: Database, owner_conn: asyncpg.Connection, pg: EmbeddedPostgres
) -> None:
    """The writer keeps one connection between batches; when the server ends that session, the
    next batch is written on a new one (no call fails for it)."""
    failures: list[str] = []
    db = audit_database(app_db.url)
    who = manager_identity("ho-1").manager_id
    since = await trail.last_id(owner_conn)

    def entry(i: int) -> AuditRecord:
        return AuditRecord(who, "t", {}, None, 0.0, "started", None, f"killed-{i}")

    try:
        async with AuditTrail(db, on_failure=lambda e, x: failures.append(str(x))) as writer:
            await writer.start(entry(1))
            admin = await asyncpg.connect(asyncpg_dsn(pg.url(SUPERUSER)))
            try:
                pid = await admin.fetchval(
                    "select pid from pg_stat_activity where application_name = "
                    "'zava-mcp-audit' and state = 'idle' order by backend_start desc limit 1"
                )
                assert pid is not None
                assert await admin.fetchval("select pg_terminate_backend($1)", pid)
                await backend_gone(admin, pid)
            finally:
                await admin.close()
            await writer.start(entry(2))
    finally:
        await db.dispose()
    rows = await trail.started_rows(owner_conn, since)
    assert [r["request_id"] for r in rows] == ["killed-1", "killed-2"]
    assert not failures
