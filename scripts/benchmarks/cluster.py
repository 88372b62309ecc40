"""The benchmark's own embedded PostgreSQL: one cluster, one seeded database per scale.

The cluster lives in its own data folder (default ``.zava/bench``) on its own port, apart from
the development database. Each scale gets its own database (``bench_s1``, ``bench_s0_01``...),
migrated with the real revisions and seeded by the real loader; a marker table records the scale
so a later run reuses it instead of seeding again. Scratch databases (scale 10, vectors) are
created and dropped by the benchmarks that need them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.engine import URL

from zava_mcp.db.migrations import upgrade
from zava_mcp.db.urls import embedded_bootstrap
from zava_mcp.infra.embedded import SUPERUSER, EmbeddedPostgres, free_port
from zava_mcp.infra.settings import asyncpg_dsn
from zava_mcp.security.policy import APP_ROLE
from zava_mcp.seed.catalogue import load_catalogue
from zava_mcp.seed.loader import SeedReport, seed

#: Server settings for the benchmark cluster (durability left at the defaults: the audit trail's
#: commit per tool call pays for its WAL flush as it would in production).
SERVER_OPTIONS = {
    "max_connections": "300",
    "shared_buffers": "1GB",
    "max_parallel_maintenance_workers": "2",
}
MARKER_TABLE = "public.zava_bench_seed"
T = TypeVar("T")


def database_name(scale: float) -> str:
    """``bench_s1``, ``bench_s10``, ``bench_s0_01``: one database per scale."""
    text = f"{scale:g}".replace(".", "_").replace("-", "m")
    return f"bench_s{text}"


def plain_url(url: URL) -> str:
    """A libpq URL (password included) for ``ZAVA_*DATABASE_URL``; never log it."""
    return asyncpg_dsn(url)


def _running_port(pgdata: Path) -> int | None:
    pidfile = pgdata / "postmaster.pid"
    if not pidfile.exists():
        return None
    try:
        lines = pidfile.read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
        os.kill(pid, 0)
    except (ValueError, IndexError, OSError):
        return None
    return port


@dataclass
class SeededDatabase:
    name: str
    scale: float
    admin: URL
    app: URL
    reused: bool
    report: SeedReport | None


class BenchCluster:
    """Start (or reuse) the benchmark cluster; stop it at the end only if this run started it."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir.resolve()
        running = _running_port(self.data_dir / "pgdata")
        self.was_running = running is not None
        chosen = running or port or free_port()
        self.pg = EmbeddedPostgres(
            self.data_dir,
            bootstrap=embedded_bootstrap(),
            port=chosen,
            database="postgres",
            server_options=SERVER_OPTIONS,
        )

    def start(self) -> None:
        self.pg.start()
        # The cluster's own database is postgres, which the bootstrap opened to the application
        # role as the served database; the bench never serves it, and the server's posture check
        # refuses a role that can connect to another database
        _run_apart(self._close_postgres())

    async def _close_postgres(self) -> None:
        conn = await asyncpg.connect(plain_url(self.pg.url(SUPERUSER, database="postgres")))
        try:
            await conn.execute(f"REVOKE CONNECT ON DATABASE postgres FROM {APP_ROLE}")
        finally:
            await conn.close()

    def stop(self) -> None:
        if not self.was_running:
            self.pg.stop()

    def admin_url(self, database: str) -> URL:
        return self.pg.url("zava_owner", database=database)

    def app_url(self, database: str) -> URL:
        return self.pg.url("zava_app", database=database)

    async def database_exists(self, name: str) -> bool:
        creds = self.pg.credentials()
        conn = await asyncpg.connect(
            host="127.0.0.1",
            port=self.pg.port,
            user="postgres",
            password=creds.superuser,
            database="postgres",
        )
        try:
            return bool(await conn.fetchval("select 1 from pg_database where datname = $1", name))
        finally:
            await conn.close()

    async def create_migrated(self, name: str) -> URL:
        """A fresh database with the schema (dropping any leftover of the same name)."""
        await asyncio.to_thread(self.pg.drop_database, name)
        url = await asyncio.to_thread(self.pg.create_database, name)
        await asyncio.to_thread(upgrade, "head", url)
        return url

    async def drop(self, name: str) -> None:
        await asyncio.to_thread(self.pg.drop_database, name)

    async def seeded(self, scale: float) -> SeededDatabase:
        """The database for ``scale``: reused when already seeded at that scale, else built."""
        name = database_name(scale)
        if await self.database_exists(name):
            conn = await asyncpg.connect(asyncpg_dsn(self.admin_url(name)))
            try:
                recorded = await conn.fetchval(
                    f"select scale from {MARKER_TABLE}"
                    if await conn.fetchval("select to_regclass($1)", MARKER_TABLE)
                    else "select null::float8"
                )
            finally:
                await conn.close()
            if recorded is not None and float(recorded) == scale:
                # the code may have gained revisions since the seed: bring the schema up to date
                await asyncio.to_thread(upgrade, "head", self.admin_url(name))
                return SeededDatabase(
                    name, scale, self.admin_url(name), self.app_url(name), True, None
                )
        url = await self.create_migrated(name)
        report = await seed_database(url, scale)
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            await conn.execute(
                f"create table {MARKER_TABLE} (scale float8 not null, seeded_at timestamptz "
                "not null default now(), rows bigint not null, seconds float8 not null)"
            )
            await conn.execute(
                f"insert into {MARKER_TABLE} (scale, rows, seconds) values ($1, $2, $3)",
                scale,
                report.total_rows,
                report.seconds,
            )
        finally:
            await conn.close()
        return SeededDatabase(name, scale, url, self.app_url(name), False, report)


async def seed_database(url: URL, scale: float) -> SeedReport:
    """Seed the catalogue and generated history (no embeddings) with the real loader."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        started = time.perf_counter()
        report = await seed(conn, load_catalogue(), scale=scale, reset=True, progress=False)
        report.seconds = report.seconds or time.perf_counter() - started
        return report
    finally:
        await conn.close()


def _run_apart(work: Coroutine[Any, Any, T]) -> T:
    """Run short admin work from inside the bench's event loop, on a loop of its own."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


async def _app_connectable(admin: URL) -> list[str]:
    """The owner's other databases the application role may connect to."""
    conn = await asyncpg.connect(plain_url(admin))
    try:
        rows = await conn.fetch(
            "select datname from pg_catalog.pg_database d where datallowconn "
            "and datname <> current_database() and d.datdba = ("
            "select oid from pg_catalog.pg_roles where rolname = current_user) "
            "and pg_catalog.has_database_privilege($1, d.oid, 'CONNECT')",
            APP_ROLE,
        )
        return [str(r[0]) for r in rows]
    finally:
        await conn.close()


async def _set_app_connect(admin: URL, names: list[str], *, allowed: bool) -> None:
    if not names:
        return
    conn = await asyncpg.connect(plain_url(admin))
    try:
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            verb = (
                f"GRANT CONNECT ON DATABASE {quoted} TO"
                if allowed
                else (f"REVOKE CONNECT ON DATABASE {quoted} FROM")
            )
            await conn.execute(f"{verb} {APP_ROLE}")
    finally:
        await conn.close()


@contextmanager
def only_this_database_open(admin: URL) -> Iterator[None]:
    """The bench keeps a database per scale in one cluster, and the server refuses to start
    where its role could connect to another database (the posture check). So while a server
    starts, the application role's CONNECT on the owner's other bench databases is revoked,
    then given back for the servers already running on them (the check runs only at start)."""
    others = _run_apart(_app_connectable(admin))
    _run_apart(_set_app_connect(admin, others, allowed=False))
    try:
        yield
    finally:
        _run_apart(_set_app_connect(admin, others, allowed=True))
