"""Bulk loading with COPY, in one transaction: a seed is whole or absent, never partial."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import asyncpg

from zava_mcp.errors import DatabaseUnavailableError, NotMigratedError
from zava_mcp.seed.catalogue import Catalogue
from zava_mcp.seed.generate import Generator, Scale
from zava_mcp.seed.progress import Progress
from zava_mcp.seed.progress import progress as progress_bar

ALL_TABLES = (
    "order_items",
    "orders",
    "inventory",
    "customers",
    "product_description_embeddings",
    "product_type_embeddings",
    "products",
    "product_types",
    "categories",
    "managers",
    "stores",
    "regions",
)
CHUNK = 20_000
#: the tables of generated history: loaded in bulk, their secondary indexes and foreign keys
#: built once afterwards
GENERATED_TABLES = ("customers", "orders", "order_items", "inventory")

_DEFERRABLE = """
select format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) as drop,
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname,
              pg_get_constraintdef(c.oid)) as build
from pg_constraint c
where c.contype = 'f' and c.conrelid = any($1::regclass[])
union all
select format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
from pg_index i
where i.indrelid = any($1::regclass[])
  and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
"""


@dataclass
class SeedReport:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: bool = False
    embeddings: Any = None

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


async def connect(dsn: str) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(dsn, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise DatabaseUnavailableError(f"cannot connect to the database: {_short(exc)}") from None


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


async def ensure_migrated(conn: asyncpg.Connection) -> None:
    missing = await conn.fetchval(
        "select count(*) from unnest($1::text[]) t where to_regclass('retail.' || t) is null",
        list(ALL_TABLES),
    )
    if missing:
        raise NotMigratedError(
            "the database is not migrated; run `alembic upgrade head` (or `zava-mcp migrate`) first"
        )


async def table_counts(conn: asyncpg.Connection) -> dict[str, int]:
    counts = {}
    for table in reversed(ALL_TABLES):
        counts[table] = int(await conn.fetchval(f"select count(*) from retail.{table}"))
    return counts


async def seed(
    conn: asyncpg.Connection,
    catalogue: Catalogue,
    *,
    scale: float = 1.0,
    reset: bool = False,
    progress: bool = True,
) -> SeedReport:
    """Load the catalogue and generated history unless already there (``reset`` reloads)."""
    await ensure_migrated(conn)
    started = time.perf_counter()
    report = SeedReport()
    # flushed commits, whatever the server's default: VACUUM marks a page all-visible only once
    # its rows' commit is known flushed, and the commit LSN PostgreSQL checks is the latest of
    # any asynchronous commit among 32 neighbouring transactions (ANALYZE's among them)
    await conn.execute("SET synchronous_commit = on")
    try:
        if not await _load(conn, catalogue, scale, reset, progress, report):
            return report
        # VACUUM too: it sets the visibility map, so the covering index answers from the
        # index alone (index-only scans) from the first call, not once autovacuum runs
        for table in reversed(ALL_TABLES):
            await conn.execute(f"VACUUM (ANALYZE) retail.{table}")
    finally:
        await conn.execute("RESET synchronous_commit")
    report.seconds = time.perf_counter() - started
    return report


async def _load(
    conn: asyncpg.Connection,
    catalogue: Catalogue,
    scale: float,
    reset: bool,
    progress: bool,
    report: SeedReport,
) -> bool:
    """Everything in one transaction; False (and the counts) when the data is already there."""
    async with conn.transaction():
        if reset:
            await conn.execute(
                "TRUNCATE " + ", ".join(f"retail.{t}" for t in ALL_TABLES) + " CASCADE"
            )
        elif await conn.fetchval("select exists(select 1 from retail.products)"):
            report.skipped = True
            report.rows = await table_counts(conn)
            return False
        bar = progress_bar("seeding", unit=" rows", enabled=progress)
        try:
            await _load_catalogue(conn, catalogue, report, bar)
            generator = Generator(catalogue, Scale.of(scale))
            async with _built_after(conn, GENERATED_TABLES):
                await _copy(
                    conn,
                    "customers",
                    Generator.customer_columns,
                    generator.customers(),
                    report,
                    bar,
                )
                await _copy(
                    conn, "orders", Generator.order_columns, generator.orders(), report, bar
                )
                await _copy(
                    conn, "order_items", Generator.item_columns, generator.order_items, report, bar
                )
                generator.order_items.clear()
                await _copy(
                    conn,
                    "inventory",
                    Generator.inventory_columns,
                    generator.inventory(),
                    report,
                    bar,
                )
                bar.set_description("seeding indexes and foreign keys")
        finally:
            bar.close()
        await bump_data_version(conn)
    return True


@contextlib.asynccontextmanager
async def _built_after(conn: asyncpg.Connection, tables: Sequence[str]) -> AsyncIterator[None]:
    """Inside the seed's transaction: the foreign keys and the secondary indexes (those no
    constraint owns) of ``tables`` are dropped for the load and made again after it, from their
    own definitions in the catalog. A foreign key checked once over the loaded table and an
    index built by one sort cost a fraction of a check and an index insert per row. The
    primary keys and unique constraints stay, so a duplicate still fails the load."""
    steps = await conn.fetch(_DEFERRABLE, [f"retail.{t}" for t in tables])
    for step in steps:
        await conn.execute(step["drop"])
    yield
    await conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
    # indexes first: the foreign keys' checks may use them
    for step in sorted(steps, key=lambda s: s["build"].startswith("ALTER")):
        await conn.execute(step["build"])


async def bump_data_version(conn: asyncpg.Connection) -> None:
    """Servers clear their result caches when this moves."""
    await conn.execute("update retail.data_version set version = version + 1, changed_at = now()")


async def _load_catalogue(
    conn: asyncpg.Connection, catalogue: Catalogue, report: SeedReport, bar: Progress
) -> None:
    await _copy(
        conn,
        "regions",
        ("id", "code", "name"),
        [(r.id, r.code, r.name) for r in catalogue.regions],
        report,
        bar,
    )
    await _copy(
        conn,
        "stores",
        ("id", "code", "name", "location", "region_id", "is_online"),
        [(s.id, s.code, s.name, s.location, s.region_id, s.is_online) for s in catalogue.stores],
        report,
        bar,
    )
    await _copy(
        conn,
        "managers",
        ("id", "code", "full_name", "email", "access_level", "store_id", "region_id"),
        [
            (m.id, m.code, m.full_name, m.email, m.access_level, m.store_id, m.region_id)
            for m in catalogue.managers
        ],
        report,
        bar,
    )
    await conn.executemany(
        "update retail.stores set manager_id = $1 where id = $2",
        [(m.id, m.store_id) for m in catalogue.managers if m.access_level == "store"],
    )
    await _copy(
        conn,
        "categories",
        ("id", "name", "description"),
        [(c.id, c.name, c.description) for c in catalogue.categories],
        report,
        bar,
    )
    await _copy(
        conn,
        "product_types",
        ("id", "category_id", "name", "description"),
        [(t.id, t.category_id, t.name, t.description) for t in catalogue.product_types],
        report,
        bar,
    )
    await _copy(
        conn,
        "products",
        (
            "id",
            "sku",
            "name",
            "description",
            "category_id",
            "product_type_id",
            "cost",
            "base_price",
        ),
        [
            (
                p.id,
                p.sku,
                p.name,
                p.description,
                p.category_id,
                p.product_type_id,
                p.cost,
                p.base_price,
            )
            for p in catalogue.products
        ],
        report,
        bar,
    )


async def _copy(
    conn: asyncpg.Connection,
    table: str,
    columns: tuple[str, ...],
    rows: Iterable[tuple[object, ...]],
    report: SeedReport,
    bar: Progress,
) -> None:
    """One COPY per table, fed as the rows are generated: PostgreSQL stores one batch while
    the next is made (a COPY per batch waited for each to be stored before making the next)."""
    bar.set_description(f"seeding {table}")
    count = 0

    def counted() -> Iterator[tuple[object, ...]]:
        nonlocal count
        iterator = iter(rows)
        while chunk := list(islice(iterator, CHUNK)):
            yield from chunk
            count += len(chunk)
            bar.update(len(chunk))

    await conn.copy_records_to_table(
        table, schema_name="retail", columns=list(columns), records=counted()
    )
    report.rows[table] = report.rows.get(table, 0) + count
