"""Operations: a database restart under load, pool exhaustion, /metrics, JSON logs, the cache."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import FAST_SERVER, app_database, in_memory_server, manager_identity
from tests.oracle import visible_store_ids
from tests.servers import database_env, mcp_server
from tests.waiting import DEFAULT_DEADLINE_S as DEADLINE_S
from tests.waiting import eventually
from zava_mcp.db.migrations import upgrade
from zava_mcp.db.session import Database, PoolConfig
from zava_mcp.db.urls import embedded_bootstrap
from zava_mcp.infra.embedded import EmbeddedPostgres, free_port
from zava_mcp.infra.metrics import Metrics
from zava_mcp.infra.settings import Settings, asyncpg_dsn
from zava_mcp.seed.catalogue import Catalogue
from zava_mcp.seed.loader import seed

SQL = "select store_id::text, count(*) from retail.orders group by 1"


def dev_settings(**overrides: Any) -> Settings:
    return Settings(auth_mode="dev", _env_file=None, **overrides)  # type: ignore[call-arg]


# ----------------------------------------------------------------------------- restart


@pytest.fixture(scope="module")
def own_cluster(catalogue: Catalogue) -> Iterator[EmbeddedPostgres]:
    """A cluster of this module's own: restarting it must not disturb the other tests."""
    data_dir = Path(tempfile.mkdtemp(prefix="zava-restart-"))
    server = EmbeddedPostgres(
        data_dir, bootstrap=embedded_bootstrap(), port=free_port(), server_options=FAST_SERVER
    )
    try:
        server.start()
        upgrade("head", server.admin_url())

        async def load() -> None:
            conn = await asyncpg.connect(asyncpg_dsn(server.admin_url()))
            try:
                await seed(conn, catalogue, scale=0.005, progress=False)
            finally:
                await conn.close()

        asyncio.run(load())
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


async def test_database_restart_under_load(own_cluster: EmbeddedPostgres) -> None:
    db = await app_database(
        own_cluster,
        PoolConfig(pool_size=5, max_overflow=5, pool_timeout_s=3, command_timeout_s=10),
    )
    # one identity drives the whole load here: the per-caller limits are tested elsewhere
    settings = dev_settings(cache_ttl_s=0, caller_max_in_flight=0, caller_max_calls_per_minute=0)
    mcp = in_memory_server(settings, database=db, dev_identity=manager_identity("ho-1"))
    outcomes: list[str] = []
    # the choreography runs on what the clients observe, never on the clock: load first, stop
    # the database, keep calling until the outage shows, start it again, call until calls succeed
    serving, outage_seen, back, done = (asyncio.Event() for _ in range(4))
    after_restart: list[str] = []

    def observe(code: str) -> None:
        outcomes.append(code)
        if code == "ok" and outcomes.count("ok") >= 20:
            serving.set()
        if code == "DATABASE_UNAVAILABLE" and not back.is_set():
            outage_seen.set()
        if back.is_set():
            after_restart.append(code)
            if after_restart.count("ok") >= 20:
                done.set()

    async def client_loop(client: Client[Any]) -> None:
        while not done.is_set():
            try:
                await client.call_tool("execute_sales_query", {"postgresql_query": SQL})
                observe("ok")
            except ToolError as exc:
                observe(str(exc).split("]")[0].lstrip("["))
                await asyncio.sleep(0.05)  # pacing: twenty clients must not spin on a dead pool

    async def restart() -> None:
        try:
            await asyncio.wait_for(serving.wait(), DEADLINE_S)
            await asyncio.to_thread(own_cluster.stop)
            await asyncio.wait_for(outage_seen.wait(), DEADLINE_S)
            await asyncio.to_thread(own_cluster.start)
            back.set()
            await asyncio.wait_for(done.wait(), DEADLINE_S)
        finally:
            done.set()  # a step that timed out stops the clients too: the test fails, not hangs

    before = await _audit_started_count(own_cluster)
    try:
        async with Client(mcp) as client:
            await asyncio.gather(restart(), *(client_loop(client) for _ in range(20)))
            # after the outage, calls succeed without restarting the server
            await client.call_tool("execute_sales_query", {"postgresql_query": SQL})
            observe("ok")
    finally:
        await db.dispose()
    codes = set(outcomes)
    # every failure is a clear, retryable one (a call whose audit could not be written fails
    # closed as AUDIT_UNAVAILABLE), never an internal error or a hang
    assert codes <= {"ok", "DATABASE_UNAVAILABLE", "POOL_TIMEOUT", "AUDIT_UNAVAILABLE"}, codes
    assert "DATABASE_UNAVAILABLE" in codes
    # the same server recovers: calls succeed again once the database is back
    assert after_restart.count("ok") >= 20
    # every call that returned data had its "started" row committed first, outage or not
    # (an outcome row, written after the answer, may be lost with the database going down)
    assert await _audit_started_count(own_cluster) - before >= outcomes.count("ok")


async def _audit_started_count(cluster: EmbeddedPostgres) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(cluster.admin_url()))
    try:
        return int(
            await conn.fetchval("select count(*) from audit.tool_calls where outcome = 'started'")
        )
    finally:
        await conn.close()


# ----------------------------------------------------------------------------- pool


async def test_pool_exhaustion_queues_or_fails_clearly(
    pg: EmbeddedPostgres, seeded: object
) -> None:
    db = await app_database(pg, PoolConfig(pool_size=2, max_overflow=0, pool_timeout_s=0.5))
    mcp = in_memory_server(
        dev_settings(cache_ttl_s=0, caller_max_in_flight=0, caller_max_calls_per_minute=0),
        database=db,
        dev_identity=manager_identity("ho-1"),
    )
    slow = "select count(*) from generate_series(1, 3000000)"
    try:
        async with Client(mcp) as client:

            async def one() -> str:
                try:
                    await client.call_tool("execute_sales_query", {"postgresql_query": slow})
                    return "ok"
                except ToolError as exc:
                    return str(exc).split("]")[0].lstrip("[")

            results = await asyncio.gather(*(one() for _ in range(40)))
            assert set(results) <= {"ok", "POOL_TIMEOUT", "AUDIT_UNAVAILABLE"}, set(results)
            assert "ok" in results and "POOL_TIMEOUT" in results
            # and the server stays healthy
            again = await client.call_tool("execute_sales_query", {"postgresql_query": SQL})
            assert again.structured_content["row_count"] > 0  # type: ignore[index]
    finally:
        await db.dispose()


# ----------------------------------------------------------------------------- cache


async def test_cache_never_crosses_identities_and_hits_skip_the_database(
    app_db: Database, catalogue: Catalogue
) -> None:
    metrics = Metrics()
    settings = dev_settings(cache_ttl_s=300)
    results = {}
    for code in ("sm-leeds", "sm-brighton", "sm-leeds"):
        mcp = in_memory_server(
            settings, database=app_db, dev_identity=manager_identity(code), metrics=metrics
        )
        async with Client(mcp) as client:
            out = await client.call_tool("execute_sales_query", {"postgresql_query": SQL})
            results.setdefault(code, []).append(out.structured_content["rows"])  # type: ignore[index]
    leeds = {str(s) for s in visible_store_ids(catalogue, "sm-leeds")}
    brighton = {str(s) for s in visible_store_ids(catalogue, "sm-brighton")}
    assert {r[0] for r in results["sm-leeds"][0]} == leeds
    assert {r[0] for r in results["sm-brighton"][0]} == brighton


async def test_cache_hit_does_not_touch_the_database(app_db: Database) -> None:
    metrics = Metrics()
    mcp = in_memory_server(
        dev_settings(cache_ttl_s=300),
        database=app_db,
        dev_identity=manager_identity("rm-north"),
        metrics=metrics,
    )

    def executed() -> float:
        body, _ = metrics.render()
        for family in text_string_to_metric_families(body.decode()):
            if family.name == "query_duration_seconds":
                return sum(
                    s.value
                    for s in family.samples
                    if s.name.endswith("_count") and s.labels.get("operation") == "agent_sql"
                )
        return 0.0

    async with Client(mcp) as client:
        first = await client.call_tool("execute_sales_query", {"postgresql_query": SQL})
        after_first = executed()
        second = await client.call_tool("execute_sales_query", {"postgresql_query": SQL})
        assert executed() == after_first == 1
        assert first.structured_content == second.structured_content
        # volatile queries are never cached
        a = await client.call_tool(
            "execute_sales_query", {"postgresql_query": "select clock_timestamp()::text"}
        )
        b = await client.call_tool(
            "execute_sales_query", {"postgresql_query": "select clock_timestamp()::text"}
        )
        assert a.structured_content != b.structured_content


# ----------------------------------------------------------------------------- HTTP: metrics, logs


@pytest.fixture(scope="module")
def logged_server(pg: EmbeddedPostgres, seeded: object) -> Iterator[tuple[str, Path, str]]:
    env = {
        **database_env(pg),
        "ZAVA_AUTH_MODE": "header",
        "ZAVA_LOG_JSON": "true",
        "ZAVA_TRUSTED_PROXIES": '["127.0.0.1/32"]',
        "ZAVA_LOG_LEVEL": "DEBUG",
    }
    password = pg.credentials().app
    log = Path(tempfile.mkdtemp(prefix="zava-log-")) / "server.log"
    with mcp_server(env, log=log) as base:
        yield base, log, password


def _metric(base: str, name: str, **labels: str) -> float:
    body = httpx.get(f"{base}/metrics", timeout=5).text
    total = 0.0
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


async def test_metrics_move_and_logs_are_json_without_secrets(
    logged_server: tuple[str, Path, str],
) -> None:
    base, log, password = logged_server
    seen_lines = len(log.read_text().splitlines())
    before = _metric(base, "tool_calls_total", tool="execute_sales_query")
    headers = {"x-rls-user-id": str(manager_identity("sm-leeds"))}
    from fastmcp.client.transports import StreamableHttpTransport

    async with Client(StreamableHttpTransport(f"{base}/mcp", headers=headers)) as client:
        for _ in range(3):
            await client.call_tool("execute_sales_query", {"postgresql_query": SQL})
        with pytest.raises(ToolError):
            await client.call_tool("execute_sales_query", {"postgresql_query": "drop table x"})
    assert _metric(base, "tool_calls_total", tool="execute_sales_query") == before + 4
    assert (
        _metric(base, "tool_calls_total", tool="execute_sales_query", outcome="QUERY_REJECTED") >= 1
    )
    assert _metric(base, "db_pool_size") >= 1
    leeds = str(manager_identity("sm-leeds"))

    def new_call_records() -> list[dict[str, Any]]:
        text = log.read_text()
        complete = text[: text.rfind("\n") + 1]  # not a line the server is still writing
        lines = [line for line in complete.splitlines()[seen_lines:] if line.strip()]
        records = [json.loads(line) for line in lines]  # every line parses on its own
        return [r for r in records if r.get("tool") == "execute_sales_query"]

    async def logged() -> bool:  # the server writes its log on its own schedule
        return leeds in {r.get("identity") for r in new_call_records()}

    await eventually(logged, "the calls' log records")
    calls = new_call_records()
    assert all(r.get("request_id") and r.get("identity") for r in calls)
    assert str(manager_identity("sm-leeds")) in {r["identity"] for r in calls}
    assert password not in log.read_text()
