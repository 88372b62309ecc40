"""A real streaming replica of the session's embedded primary: RLS holds on it exactly as on the
primary, it refuses writes, and a real server sends read-only tool queries there while its audit
rows land on the primary."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport

from tests.conftest import manager_identity
from tests.oracle import visible_store_ids
from tests.replica import EmbeddedReplica, start_streaming_replica
from tests.servers import database_env, mcp_server
from tests.waiting import eventually
from zava_mcp.db import audit
from zava_mcp.db.session import Database, PoolConfig
from zava_mcp.identity import Identity
from zava_mcp.infra.embedded import SUPERUSER, EmbeddedPostgres, free_port
from zava_mcp.infra.settings import asyncpg_dsn
from zava_mcp.security.binding import read_identity_key
from zava_mcp.seed.catalogue import Catalogue
from zava_mcp.seed.loader import SeedReport

TABLES = ("orders", "customers", "inventory")


async def primary_lsn(pg: EmbeddedPostgres) -> str:
    conn = await asyncpg.connect(asyncpg_dsn(pg.admin_url()))
    try:
        return str(await conn.fetchval("select pg_current_wal_lsn()::text"))
    finally:
        await conn.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def replica(pg: EmbeddedPostgres, seeded: SeedReport) -> AsyncIterator[EmbeddedReplica]:
    # Not under /tmp/pytest-of-<user>: every pytest session that starts resets that to 0700,
    # and the replica runs as the unprivileged system user, opening its files by absolute path.
    data_dir = Path(tempfile.mkdtemp(prefix="zava-replica-"))
    try:
        server = await asyncio.to_thread(start_streaming_replica, pg, data_dir, port=free_port())
        try:
            # everything the seed wrote is on the replica before any test looks
            await asyncio.to_thread(server.wait_for_replay, await primary_lsn(pg), 30.0)
            yield server
        finally:
            await asyncio.to_thread(server.stop)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def replica_db(replica: EmbeddedReplica) -> AsyncIterator[Database]:
    db = Database.from_url(
        replica.app_url(),
        PoolConfig(pool_size=2, max_overflow=2),
        identity_key=await read_identity_key(replica.admin_url()),
    )
    yield db
    await db.dispose()


async def connect(url: Any) -> asyncpg.Connection:
    return await asyncpg.connect(asyncpg_dsn(url))


async def test_replica_is_a_streaming_hot_standby(
    pg: EmbeddedPostgres, replica: EmbeddedReplica
) -> None:
    assert replica.port != pg.port
    standby = await connect(replica.url(SUPERUSER, database="postgres"))
    try:
        assert await standby.fetchval("select pg_is_in_recovery()") is True
        assert await standby.fetchval("select inet_server_port()") == replica.port
        assert await standby.fetchval("select status from pg_stat_wal_receiver") == "streaming"
    finally:
        await standby.close()
    primary = await connect(pg.url(SUPERUSER, database="postgres"))
    try:
        assert await primary.fetchval("select pg_is_in_recovery()") is False
        senders = await primary.fetch(
            "select host(client_addr) as client_addr, state from pg_stat_replication"
        )
    finally:
        await primary.close()
    assert ("127.0.0.1", "streaming") in [(s["client_addr"], s["state"]) for s in senders]


async def visible_rows(db: Database, identity: Identity | None) -> dict[str, dict[uuid.UUID, int]]:
    """Per table: rows the identity sees, by store."""
    seen: dict[str, dict[uuid.UUID, int]] = {}
    async with db.unit_of_work(identity) as conn:
        for table in TABLES:
            rows = await conn.fetch(
                f"select store_id, count(*) from retail.{table} group by store_id"
            )
            seen[table] = {store: count for store, count in rows}
    return seen


async def test_rls_on_the_replica_is_the_primarys(
    app_db: Database, replica_db: Database, catalogue: Catalogue
) -> None:
    levels = {m.access_level for m in catalogue.managers}
    assert {"store", "region", "head_office"} <= levels
    for manager in catalogue.managers:
        identity = manager_identity(manager.code)
        on_replica = await visible_rows(replica_db, identity)
        assert on_replica == await visible_rows(app_db, identity), manager.code
        for table in ("orders", "customers"):
            assert set(on_replica[table]) == visible_store_ids(catalogue, manager.code), (
                manager.code,
                table,
            )
            assert all(count > 0 for count in on_replica[table].values())
    nobody = await visible_rows(replica_db, None)
    assert nobody == {table: {} for table in TABLES}
    assert await visible_rows(app_db, None) == nobody


async def test_replica_refuses_writes(replica: EmbeddedReplica, catalogue: Catalogue) -> None:
    owner = await connect(replica.admin_url())
    try:
        assert await owner.fetchval("select pg_is_in_recovery()") is True
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await owner.execute("update retail.stores set name = name")
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await owner.execute("create table public.written_on_replica (id int)")
        with pytest.raises(asyncpg.PostgresError, match="recovery"):
            await owner.execute("begin read write")
    finally:
        await owner.close()
    # the application role's one write path, the audit append, cannot land here either
    entry = audit.AuditRecord(
        manager_id=manager_identity(catalogue.managers[0].code).manager_id,
        tool="execute_sales_query",
        arguments={},
        rows_returned=0,
        duration_ms=1.0,
        outcome="ok",
        error_code=None,
        request_id="replica-write",
    )
    writer = audit.audit_database(replica.app_url(), PoolConfig(pool_size=1, max_overflow=0))
    try:
        with pytest.raises(asyncpg.PostgresError, match=r"recovery|read-only"):
            await audit.record(writer, entry)
    finally:
        await writer.dispose()


# ----------------------------------------------------------------------------- a real server


@pytest.fixture(scope="module")
def replica_server(
    pg: EmbeddedPostgres, replica: EmbeddedReplica, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    env = {
        **database_env(pg),
        "ZAVA_READ_REPLICA_URL": asyncpg_dsn(replica.app_url()),
        "ZAVA_AUTH_MODE": "header",
        "ZAVA_TRUSTED_PROXIES": '["127.0.0.1/32"]',
        "ZAVA_POOL_SIZE": "2",
    }
    log = Path(tmp_path_factory.mktemp("replica-server")) / "server.log"
    with mcp_server(env, log=log) as base:
        yield base


async def audit_rows(pg: EmbeddedPostgres) -> list[asyncpg.Record]:
    owner = await connect(pg.admin_url())
    try:
        assert await owner.fetchval("select pg_is_in_recovery()") is False
        return list(await owner.fetch("select id, manager_id, tool, outcome from audit.tool_calls"))
    finally:
        await owner.close()


async def test_server_queries_the_replica_and_audits_on_the_primary(
    pg: EmbeddedPostgres, replica: EmbeddedReplica, replica_server: str, catalogue: Catalogue
) -> None:
    manager = next(m for m in catalogue.managers if m.access_level == "store")
    store = next(s for s in catalogue.stores if s.id == manager.store_id)
    identity = manager_identity(manager.code)
    before = {row["id"] for row in await audit_rows(pg)}
    transport = StreamableHttpTransport(
        f"{replica_server}/mcp", headers={"x-rls-user-id": str(identity)}
    )
    # With replay paused on the replica, a row written on the primary is visible there only:
    # the tool's answer says which server it came from.
    standby = await connect(replica.url(SUPERUSER))
    owner = await connect(pg.admin_url())
    probe = f"replica-probe-{uuid.uuid4().hex[:8]}"
    try:
        await standby.execute("select pg_wal_replay_pause()")
        await owner.execute(
            "insert into retail.regions (code, name) values ($1, 'Replica probe')", probe
        )
        async with Client(transport) as client:
            where = (
                await client.call_tool(
                    "execute_sales_query",
                    {
                        "postgresql_query": "select count(*) from retail.regions "
                        f"where code = '{probe}'"
                    },
                )
            ).structured_content
    finally:
        await owner.execute("delete from retail.regions where code = $1", probe)
        await standby.execute("select pg_wal_replay_resume()")
        await owner.close()
        await standby.close()
    async with Client(transport) as client:
        stores = (
            await client.call_tool(
                "execute_sales_query",
                {
                    "postgresql_query": "select distinct s.name from retail.orders o "
                    "join retail.stores s on s.id = o.store_id"
                },
            )
        ).structured_content
    assert where is not None and stores is not None
    assert where["rows"] == [[0]]  # the replica had not seen the probe row
    assert stores["rows"] == [[store.name]]

    async def new_rows() -> list[asyncpg.Record]:
        return [row for row in await audit_rows(pg) if row["id"] not in before]

    async def both_calls_settled() -> bool:  # outcome rows are written after the answers
        return len(await new_rows()) >= 4

    await eventually(both_calls_settled, "the two calls' audit rows on the primary")
    new = sorted(await new_rows(), key=lambda r: r["id"])
    assert sorted((r["tool"], r["manager_id"], r["outcome"]) for r in new) == sorted(
        [("execute_sales_query", identity.manager_id, "started")] * 2
        + [("execute_sales_query", identity.manager_id, "ok")] * 2
    )


def test_readiness_checks_the_replica(replica_server: str) -> None:
    ready = httpx.get(f"{replica_server}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    checks = ready.json()["checks"]
    assert checks["read_replica"]["ok"] is True
    assert checks["database"]["ok"] and checks["migrations"]["ok"]
