"""The seed: deterministic, idempotent, and clear about what is wrong."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio

from zava_mcp.db.migrations import upgrade
from zava_mcp.errors import NotMigratedError
from zava_mcp.infra.embedded import EmbeddedPostgres
from zava_mcp.infra.settings import asyncpg_dsn
from zava_mcp.seed.catalogue import Catalogue
from zava_mcp.seed.loader import SeedReport, seed, table_counts

AGGREGATES = """
select (select count(*) from retail.orders) as orders,
       (select sum(total_amount) from retail.orders) as revenue,
       (select sum(quantity) from retail.order_items) as units,
       (select sum(line_total) from retail.order_items) as lines,
       (select string_agg(store_id::text || ':' || n, ',' order by store_id)
          from (select store_id, count(*) n from retail.orders group by 1) s) as per_store,
       (select string_agg(to_char(m, 'YYYY-MM') || ':' || n, ',' order by m)
          from (select date_trunc('month', order_date) m, count(*) n from retail.orders
                group by 1) s) as per_month,
       (select sum(stock_level) from retail.inventory) as stock,
       (select md5(string_agg(id::text, ',' order by id)) from retail.customers) as customers
"""


@pytest_asyncio.fixture(loop_scope="session")
async def scratch(pg: EmbeddedPostgres) -> AsyncIterator[asyncpg.Connection]:
    name = f"seed_{uuid.uuid4().hex[:8]}"
    url = pg.create_database(name)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        yield conn
    finally:
        await conn.close()
        pg.drop_database(name)


async def test_second_run_adds_nothing(
    owner_conn: asyncpg.Connection, catalogue: Catalogue, seeded: SeedReport
) -> None:
    before = await table_counts(owner_conn)
    again = await seed(owner_conn, catalogue, scale=5.0, progress=False)
    assert again.skipped
    assert await table_counts(owner_conn) == before


async def test_two_seeds_from_scratch_give_identical_aggregates(
    pg: EmbeddedPostgres, catalogue: Catalogue, seeded: SeedReport, owner_conn: asyncpg.Connection
) -> None:
    name = f"seed_{uuid.uuid4().hex[:8]}"
    url = pg.create_database(name)
    try:
        await asyncio.to_thread(upgrade, "head", url)
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            first = await seed(conn, catalogue, scale=0.01, progress=False)
            a = dict(await conn.fetchrow(AGGREGATES))
            counted = await table_counts(conn)
            # vacuumed after the load: every page of the sales tables is all-visible, so the
            # covering indexes answer from the index alone from the first call
            visibility = await conn.fetch(
                "select relname, relpages, relallvisible from pg_class c join pg_namespace n "
                "on n.oid = c.relnamespace where nspname = 'retail' "
                "and relname in ('orders', 'order_items')"
            )
            second = await seed(conn, catalogue, scale=0.01, reset=True, progress=False)
            b = dict(await conn.fetchrow(AGGREGATES))
        finally:
            await conn.close()
    finally:
        pg.drop_database(name)
    assert first.rows == second.rows
    assert first.rows == {table: n for table, n in counted.items() if n}
    assert len(visibility) == 2
    for row in visibility:
        assert row["relpages"] > 0 and row["relallvisible"] == row["relpages"], dict(row)
    assert a == b
    assert a["orders"] == 2000 and a["revenue"] > 0
    # seasonality: spring/summer months are busier than winter ones
    months = dict(item.split(":") for item in a["per_month"].split(","))
    may = sum(int(v) for k, v in months.items() if k.endswith("-05"))
    jan = sum(int(v) for k, v in months.items() if k.endswith("-01"))
    assert may > jan


async def test_seeding_an_unmigrated_database_says_to_migrate(
    scratch: asyncpg.Connection, catalogue: Catalogue
) -> None:
    with pytest.raises(NotMigratedError, match="alembic upgrade head"):
        await seed(scratch, catalogue, scale=0.01, progress=False)


def _run_seed_cli(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("ZAVA_")}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "zava_mcp.seed", "--no-progress", "--no-embeddings"],
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("admin_url", "expected"),
    [
        ("postgresql://zava_owner:secret-pw@127.0.0.1:1/zava", "cannot connect"),
        ("postgresql://zava_owner:secret-pw@127.0.0.1:{port}/no_such_db", "cannot connect"),
        ("not a url at all", "invalid"),
    ],
)
def test_bad_urls_give_one_clear_line(pg: EmbeddedPostgres, admin_url: str, expected: str) -> None:
    url = admin_url.format(port=pg.port)
    result = _run_seed_cli({"ZAVA_ADMIN_DATABASE_URL": url, "ZAVA_DATABASE_URL": url})
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert expected in lines[0].lower()
    assert "Traceback" not in result.stderr
    assert "secret-pw" not in result.stderr + result.stdout
