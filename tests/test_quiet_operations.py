"""Operations that stay quiet and harmless: read-only alembic commands leave the data version
alone, and the seed and embedding steps report progress when stderr is not a terminal."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio
from alembic import command
from sqlalchemy.engine import URL

from zava_mcp.db.migrations import alembic_config, upgrade
from zava_mcp.embeddings import LocalEmbedder
from zava_mcp.infra.embedded import EmbeddedPostgres
from zava_mcp.infra.settings import asyncpg_dsn
from zava_mcp.seed.embed import embed_catalogue
from zava_mcp.seed.progress import ProgressLines


@pytest_asyncio.fixture(loop_scope="session")
async def scratch_url(migrated: EmbeddedPostgres) -> AsyncIterator[URL]:
    """A migrated database of its own (these tests move its revision and reseed it)."""
    name = f"ops_{uuid.uuid4().hex[:8]}"
    url = migrated.create_database(name)
    try:
        await asyncio.to_thread(upgrade, "head", url)
        yield url
    finally:
        migrated.drop_database(name)


async def data_version(url: URL) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return int(await conn.fetchval("select version from retail.data_version"))
    finally:
        await conn.close()


async def test_read_only_alembic_commands_leave_the_data_version_alone(scratch_url: URL) -> None:
    before = await data_version(scratch_url)
    config = alembic_config(scratch_url)
    await asyncio.to_thread(command.check, config)
    await asyncio.to_thread(command.current, config)
    await asyncio.to_thread(command.upgrade, config, "head")  # nothing to do
    assert await data_version(scratch_url) == before
    # a real migration still moves it (servers clear their caches): 0005 recreates the table
    # at version 1, and the run bumps it
    await asyncio.to_thread(command.downgrade, config, "0004")
    await asyncio.to_thread(command.upgrade, config, "head")
    assert await data_version(scratch_url) == 2


async def test_seed_and_embedding_report_progress_without_a_terminal(
    scratch_url: URL, embedder: LocalEmbedder
) -> None:
    dsn = asyncpg_dsn(scratch_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAVA_")}
    env.update({"ZAVA_DATABASE_URL": dsn, "ZAVA_ADMIN_DATABASE_URL": dsn})
    seeded = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "zava_mcp.seed", "--scale", "0.002", "--no-embeddings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert seeded.returncode == 0, seeded.stderr
    lines = seeded.stderr.splitlines()
    assert lines[0] == "seeding..."
    assert "seeding orders... (" in seeded.stderr
    assert "seeding inventory" in seeded.stderr
    # the keys and indexes dropped for the load are built last
    assert lines[-1].startswith("seeding indexes and foreign keys: done, ")
    assert "\r" not in seeded.stderr  # no bar redraws in a log

    conn = await asyncpg.connect(dsn)
    out = io.StringIO()
    try:
        original, sys.stderr = sys.stderr, out
        try:
            report = await embed_catalogue(conn, embedder, progress=True)
        finally:
            sys.stderr = original
    finally:
        await conn.close()
    text = out.getvalue().splitlines()
    assert text[0] == "embedding..."
    assert text[-1].startswith(f"embedding: done, {report.embedded:,}/{report.embedded:,} products")


def test_progress_lines_come_while_a_step_runs() -> None:
    out = io.StringIO()
    bar = ProgressLines("seeding", unit=" rows", every_s=0, out=out)
    bar.set_description("seeding orders")
    bar.update(1500)
    bar.update(500)
    bar.close()
    lines = out.getvalue().splitlines()
    assert lines[:4] == [
        "seeding...",
        "seeding orders... (0 rows so far)",
        lines[2],
        lines[3],
    ]
    assert lines[2].startswith("seeding orders: 1,500 rows, ")
    assert lines[3].startswith("seeding orders: 2,000 rows, ")
    assert lines[4].startswith("seeding orders: done, 2,000 rows in ")


def test_migrate_says_what_it_did_without_plugin_chatter(migrated: EmbeddedPostgres) -> None:
    dsn = asyncpg_dsn(migrated.admin_url())
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAVA_")}
    env.update({"ZAVA_DATABASE_URL": dsn, "ZAVA_ADMIN_DATABASE_URL": dsn})
    out = subprocess.run(
        [sys.executable, "-m", "zava_mcp", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "migrated to head"
    assert "setup plugin" not in out.stderr
