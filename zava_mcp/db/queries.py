"""All SQL the services run. Every function takes a connection from a tenant-bound unit of work,
so Row Level Security has already narrowed every tenant table to the caller's stores."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from cachetools import LRUCache
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from zava_mcp.errors import QueryTimeoutError

# --------------------------------------------------------------------------- agent SQL


@dataclass
class RawResult:
    columns: list[str]
    column_types: list[str]
    rows: list[list[Any]]
    truncated: bool = False
    truncation_reasons: list[str] = field(default_factory=list)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def _cap_cell(value: Any, max_cell_bytes: int) -> tuple[Any, bool]:
    if isinstance(value, str):
        encoded = value.encode()
        if len(encoded) > max_cell_bytes:
            return encoded[:max_cell_bytes].decode(errors="ignore") + "…", True
        return value, False
    if isinstance(value, list | dict):
        size = len(json.dumps(value, default=str))
        if size > max_cell_bytes:
            return json.dumps(value, default=str)[:max_cell_bytes] + "…", True
    return value, False


#: types whose values have a small fixed size: they pass through the wrapper untouched
FIXED_SIZE_TYPES = frozenset(
    {
        "bool",
        "int2",
        "int4",
        "int8",
        "float4",
        "float8",
        "numeric",
        "money",
        "oid",
        "date",
        "time",
        "timetz",
        "timestamp",
        "timestamptz",
        "interval",
        "uuid",
    }
)
#: what one result may hold in memory before the row cap is lowered for wide results
WIDE_RESULT_BYTES = 32 * 1024 * 1024


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def bounded_select(sql: str, attributes: list[Any], *, limit: int, max_cell_chars: int) -> str:
    """The agent's statement as a MATERIALIZED CTE read through a ``LIMIT``: at most ``limit``
    rows, variable-size cells cut to ``max_cell_chars`` by the database, original column names
    kept. The CTE is a planning fence (a ``LIMIT`` over a plain subquery made the planner pick
    slow "first rows" plans) and is evaluated lazily, only as far as the ``LIMIT`` reads."""
    if not attributes:
        # rows without columns are still rows: bounded like any other result
        return f"WITH zava_q AS MATERIALIZED (\n{sql}\n) SELECT FROM zava_q LIMIT {int(limit)}"
    names = [f"c{i}" for i in range(len(attributes))]
    projection = ", ".join(
        (
            f"zava_q.{n}"
            if a.type.name in FIXED_SIZE_TYPES
            else f"left(zava_q.{n}::text, {max_cell_chars})"
        )
        + f" AS {_ident(a.name)}"
        for n, a in zip(names, attributes, strict=True)
    )
    # newlines: a trailing line comment in the agent's text cannot swallow the wrapper
    return (
        f"WITH zava_q({', '.join(names)}) AS MATERIALIZED (\n{sql}\n) "
        f"SELECT {projection} FROM zava_q LIMIT {int(limit)}"
    )


async def run_read_query(
    conn: AsyncConnection,
    sql: str,
    *,
    max_rows: int,
    max_cell_bytes: int,
    max_response_bytes: int,
    plan_key: str = "",
    timeout_s: float | None = None,
) -> RawResult:
    """Run one guarded read through the extended protocol (prepare + execute), never simple.

    The statement is prepared first (its columns are known before anything runs); a read is
    then run wrapped (:func:`bounded_select`) with ``LIMIT max_rows + 1`` and variable-size
    cells cut by the database, so at most the row cap + 1 rows of bounded size leave PostgreSQL,
    whatever the statement's shape (rows without columns included). A ``LIMIT`` rather than a
    portal row count: PostgreSQL never runs a parallel plan for a portal fetched in batches,
    which made analytics several times slower. Cells and the response are capped again here in
    bytes; ``truncated`` says when anything was cut.

    Both prepared statements are kept per connection and ``plan_key`` (:func:`_prepared`), so a
    question asked again costs one round trip, like asyncpg's own statement cache. Pass the
    caller's identity as ``plan_key``: PostgreSQL plans a statement without parameters once, with
    row estimates taken under the identity bound at the time, and a store manager should not
    run the plan made for head office (or the reverse). Kept statements are invisible to other
    sessions and to agent SQL (``pg_prepared_statement`` is closed to the application role).
    """
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    statement = await _prepared(conn, driver, sql, plan_key)
    attributes = list(statement.get_attributes())
    result = RawResult(
        columns=[a.name for a in attributes],
        column_types=[a.type.name for a in attributes],
        rows=[],
    )
    variable = sum(a.type.name not in FIXED_SIZE_TYPES for a in attributes)
    row_bound = 16 * (len(attributes) + 1) + variable * 4 * (max_cell_bytes + 1)
    limit = max(2, min(max_rows + 1, WIDE_RESULT_BYTES // row_bound))
    statement = await _prepared(
        conn,
        driver,
        bounded_select(sql, attributes, limit=limit, max_cell_chars=max_cell_bytes + 1),
        plan_key,
    )
    try:
        # ``timeout_s`` backs the server's statement_timeout from this side: past it the driver
        # cancels the query and the connection is not reused
        records = await statement.fetch(timeout=timeout_s)
    except TimeoutError:
        raise QueryTimeoutError("the query took too long and was cancelled") from None
    except asyncpg.exceptions.InvalidCachedStatementError:
        # the schema changed under a kept statement: forget this connection's statements and
        # let the caller ask again (the transaction is aborted, so no retry here)
        conn.info.pop(STATEMENTS_KEY, None)
        raise
    # we asked for one row more than we keep: its arrival means the result was cut
    keep = min(max_rows, limit - 1)
    cut_reason = (
        f"row cap of {max_rows} reached"
        if keep == max_rows
        else f"wide rows: cut at {keep} rows to bound memory"
    )
    shaped = [_shape_row(record, max_cell_bytes) for record in records[:keep]]
    if len(json.dumps([row for row, _ in shaped], default=str)) > max_response_bytes:
        # over the byte cap: keep the rows that fit, in order (the whole result is measured once
        # first, since nearly every answer fits)
        budget, fitting = max_response_bytes, 0
        for row, _ in shaped:
            budget -= len(json.dumps(row, default=str))
            if budget < 0:
                break
            fitting += 1
        shaped = shaped[:fitting]
        result.truncated = True
        result.truncation_reasons.append(f"response cap of {max_response_bytes} bytes reached")
    elif len(records) > keep:
        result.truncated = True
        result.truncation_reasons.append(cut_reason)
    result.rows = [row for row, _ in shaped]
    if any(cut for _, cut in shaped):
        result.truncated = True
        result.truncation_reasons.append(f"cells longer than {max_cell_bytes} bytes were cut")
    return result


#: cell types that are already JSON values (checked by exact type: ``bool`` is an ``int``)
_PLAIN = frozenset({int, float, bool, type(None)})


def _shape_row(record: Any, max_cell_bytes: int) -> tuple[list[Any], bool]:
    """One row as JSON-ready cells, each at most ``max_cell_bytes``; and whether any was cut."""
    short = max_cell_bytes // 4  # a str of this many characters fits in the cap in any UTF-8
    row: list[Any] = []
    cut = False
    for value in record:
        kind = type(value)
        if kind in _PLAIN or (kind is str and len(value) <= short):
            row.append(value)
            continue
        cell, was_cut = _cap_cell(_jsonable(value), max_cell_bytes)
        cut = cut or was_cut
        row.append(cell)
    return row, cut


#: prepared agent statements kept per pooled connection (in its ``info``, which SQLAlchemy
#: clears when the connection is replaced), least recently used dropped first; each holds a
#: plan in its backend, so the count stays modest
STATEMENTS_KEY = "zava_prepared_statements"
STATEMENTS_PER_CONNECTION = 64


async def _prepared(conn: AsyncConnection, driver: Any, sql: str, plan_key: str) -> Any:
    """``sql`` prepared on this connection for ``plan_key``: kept from an earlier call, or
    prepared now.

    A kept statement describes the schema as it was when it was prepared; PostgreSQL refuses to
    run one whose result type has changed since (``InvalidCachedStatementError``), and
    :func:`run_read_query` then forgets them all. The pool's recycle time bounds their age.
    """
    kept: LRUCache[tuple[str, str], Any] = conn.info.setdefault(
        STATEMENTS_KEY, LRUCache(maxsize=STATEMENTS_PER_CONNECTION)
    )
    statement = kept.get((plan_key, sql))
    if statement is None:
        statement = await driver.prepare(sql)
        kept[(plan_key, sql)] = statement
    return statement


# --------------------------------------------------------------------------- health


async def fetch_schema_revision(conn: AsyncConnection) -> str | None:
    if (await conn.execute(text("select to_regclass('public.alembic_version')"))).scalar() is None:
        return None
    value = (await conn.execute(text("select version_num from public.alembic_version"))).scalar()
    return str(value) if value is not None else None


async def fetch_data_version(conn: AsyncConnection) -> int | None:
    value = (await conn.execute(text("select version from retail.data_version"))).scalar()
    return int(value) if value is not None else None


# --------------------------------------------------------------------------- identity


@dataclass(frozen=True)
class CurrentManager:
    manager_id: uuid.UUID
    full_name: str
    access_level: str
    region_id: uuid.UUID | None
    store_id: uuid.UUID | None


async def fetch_current_manager(conn: AsyncConnection) -> CurrentManager | None:
    row = (
        await conn.execute(
            text(
                "select manager_id, full_name, access_level, region_id, store_id "
                "from retail.get_current_manager()"
            )
        )
    ).first()
    return CurrentManager(*row) if row else None


@dataclass(frozen=True)
class StoreRow:
    id: uuid.UUID
    code: str
    name: str
    location: str
    region: str
    is_online: bool


async def fetch_visible_stores(conn: AsyncConnection) -> list[StoreRow]:
    rows = await conn.execute(
        text(
            "select s.id, s.code, s.name, s.location, r.name, s.is_online "
            "from retail.stores s join retail.regions r on r.id = s.region_id order by s.name"
        )
    )
    return [StoreRow(*row) for row in rows]


# --------------------------------------------------------------------------- schemas


@dataclass
class ColumnInfo:
    name: str
    data_type: str
    nullable: bool
    default: str | None


@dataclass
class ForeignKeyInfo:
    columns: list[str]
    references_table: str
    references_columns: list[str]


@dataclass
class TableInfo:
    name: str
    columns: list[ColumnInfo]
    primary_key: list[str]
    foreign_keys: list[ForeignKeyInfo]
    row_level_security: bool


async def fetch_table_names(conn: AsyncConnection) -> list[str]:
    rows = await conn.execute(
        text(
            "select c.relname from pg_catalog.pg_class c "
            "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = 'retail' and c.relkind in ('r', 'v', 'm') "
            "and has_table_privilege(c.oid, 'SELECT') order by 1"
        )
    )
    return [r[0] for r in rows]


async def fetch_table_info(conn: AsyncConnection, table: str) -> TableInfo:
    columns = [
        ColumnInfo(*row)
        for row in await conn.execute(
            text(
                "select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), "
                "not a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid) "
                "from pg_catalog.pg_attribute a "
                "left join pg_catalog.pg_attrdef d "
                "  on d.adrelid = a.attrelid and d.adnum = a.attnum "
                "where a.attrelid = cast(:t as regclass) and a.attnum > 0 and not a.attisdropped "
                "order by a.attnum"
            ),
            {"t": f"retail.{table}"},
        )
    ]
    constraints = await conn.execute(
        text(
            "select con.contype::text, "
            "  array(select a.attname from unnest(con.conkey) with ordinality k(n, i) "
            "        join pg_catalog.pg_attribute a "
            "          on a.attrelid = con.conrelid and a.attnum = k.n "
            "        order by k.i), "
            "  ft.relname, "
            "  array(select a.attname from unnest(con.confkey) with ordinality k(n, i) "
            "        join pg_catalog.pg_attribute a on a.attrelid = con.confrelid "
            "         and a.attnum = k.n order by k.i) "
            "from pg_catalog.pg_constraint con "
            "left join pg_catalog.pg_class ft on ft.oid = con.confrelid "
            "where con.conrelid = cast(:t as regclass) and con.contype in ('p', 'f') "
            "order by con.conname"
        ),
        {"t": f"retail.{table}"},
    )
    primary_key: list[str] = []
    foreign_keys: list[ForeignKeyInfo] = []
    for contype, cols, ftable, fcols in constraints:
        if contype == "p":
            primary_key = list(cols)
        else:
            foreign_keys.append(ForeignKeyInfo(list(cols), ftable, list(fcols)))
    rls = (
        await conn.execute(
            text("select relrowsecurity from pg_catalog.pg_class where oid = cast(:t as regclass)"),
            {"t": f"retail.{table}"},
        )
    ).scalar_one()
    return TableInfo(table, columns, primary_key, foreign_keys, bool(rls))


async def fetch_valid_values(conn: AsyncConnection, table: str) -> dict[str, Any]:
    """Values worth showing the model for ``table``; RLS limits them to what the caller sees."""
    values: dict[str, Any] = {}
    if table in ("stores", "orders", "customers", "inventory", "order_items"):
        rows = await conn.execute(text("select name from retail.stores order by name"))
        values["store_names"] = [r[0] for r in rows]
    if table in ("products", "categories", "product_types", "order_items", "inventory"):
        rows = await conn.execute(text("select name from retail.categories order by name"))
        values["category_names"] = [r[0] for r in rows]
    if table == "product_types":
        rows = await conn.execute(text("select name from retail.product_types order by name"))
        values["product_type_names"] = [r[0] for r in rows]
    if table == "regions":
        rows = await conn.execute(text("select name from retail.regions order by name"))
        values["region_names"] = [r[0] for r in rows]
    if table == "orders":
        row = (
            await conn.execute(text("select min(order_date), max(order_date) from retail.orders"))
        ).one()
        values["order_date_range"] = [_jsonable(row[0]), _jsonable(row[1])]
        rows = await conn.execute(text("select distinct status from retail.orders order by 1"))
        values["status_values"] = [r[0] for r in rows]
    return values


# --------------------------------------------------------------------------- sales analytics


@dataclass
class PeriodTotals:
    revenue: float
    orders: int
    units: int
    customers: int


async def fetch_store(conn: AsyncConnection, store_id: uuid.UUID) -> StoreRow | None:
    row = (
        await conn.execute(
            text(
                "select s.id, s.code, s.name, s.location, r.name, s.is_online from retail.stores s "
                "join retail.regions r on r.id = s.region_id where s.id = :id"
            ),
            {"id": store_id},
        )
    ).first()
    return StoreRow(*row) if row else None


@dataclass
class PeriodSummary:
    totals: PeriodTotals
    top_categories: list[tuple[str, float, int]]
    top_products: list[tuple[str, str, float, int]]


PERIOD_SUMMARY_SQL = """
with cur as materialized (
  select o.id, o.total_amount, o.customer_id from retail.orders o
  where o.store_id = :s and o.order_date >= :a and o.order_date < :b
    and o.status not in ('cancelled', 'returned')),
prod as materialized (
  select i.product_id, sum(i.quantity) as units, sum(i.line_total) as revenue
  from retail.order_items i join cur on cur.id = i.order_id
  where i.store_id = :s group by i.product_id)
select (select coalesce(sum(total_amount), 0) from cur),
       (select count(*) from cur),
       (select coalesce(sum(units), 0) from prod),
       (select count(distinct customer_id) from cur),
       case when :tops then (select coalesce(json_agg(x), '[]') from (
         select c.name, sum(prod.revenue)::float8 as revenue, sum(prod.units)::int8 as units
         from prod join retail.products p on p.id = prod.product_id
         join retail.categories c on c.id = p.category_id
         group by c.name order by 2 desc limit :n) x)::text end,
       case when :tops then (select coalesce(json_agg(x), '[]') from (
         select p.sku, p.name, prod.revenue::float8 as revenue, prod.units::int8 as units
         from prod join retail.products p on p.id = prod.product_id
         order by prod.revenue desc, p.sku limit :n) x)::text end
"""


async def fetch_period_summary(
    conn: AsyncConnection,
    store_id: uuid.UUID,
    start: dt.date,
    end: dt.date,
    *,
    tops: bool = True,
    limit: int = 5,
) -> PeriodSummary:
    """Totals and (optionally) top categories and products in one pass over the period."""
    row = (
        await conn.execute(
            text(PERIOD_SUMMARY_SQL),
            {"s": store_id, "a": start, "b": end, "tops": tops, "n": limit},
        )
    ).one()
    totals = PeriodTotals(float(row[0]), int(row[1]), int(row[2]), int(row[3]))
    categories = [
        (c["name"], float(c["revenue"]), int(c["units"])) for c in json.loads(row[4] or "[]")
    ]
    products = [
        (p["sku"], p["name"], float(p["revenue"]), int(p["units"]))
        for p in json.loads(row[5] or "[]")
    ]
    return PeriodSummary(totals, categories, products)


async def fetch_latest_order_date(conn: AsyncConnection, store_id: uuid.UUID) -> dt.date | None:
    value = (
        await conn.execute(
            text("select max(order_date) from retail.orders where store_id = :s"), {"s": store_id}
        )
    ).scalar_one()
    return value  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- semantic search


@dataclass(frozen=True)
class ProductHit:
    product_id: uuid.UUID
    sku: str
    name: str
    description: str
    category: str
    product_type: str
    base_price: float
    similarity: float
    in_stock_units: int | None = None


def vector_literal(vector: list[float]) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


async def set_probes(conn: AsyncConnection, probes: int, *, iterative: bool = False) -> None:
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    statements = [f"SET LOCAL ivfflat.probes = {int(probes)}"]
    if iterative:
        # pgvector 0.8: keep scanning lists until enough rows pass the stock filter
        statements += [
            "SET LOCAL ivfflat.iterative_scan = relaxed_order",
            f"SET LOCAL ivfflat.max_probes = {max(int(probes) * 8, 64)}",
        ]
    await driver.execute("; ".join(statements))


async def search_products(
    conn: AsyncConnection,
    embedding: list[float],
    *,
    threshold: float,
    limit: int,
    model: str,
    probes: int,
) -> list[ProductHit]:
    """Nearest products by description through ``retail.search_products_by_description`` (the
    plain vector search of 0003; the service searches with :mod:`zava_mcp.db.search`)."""
    await set_probes(conn, probes)
    rows = await conn.execute(
        text(
            "select product_id, sku, product_name, product_description, category_name, "
            "product_type_name, base_price, similarity "
            "from retail.search_products_by_description(cast(:q as public.vector), :t, :n, :m)"
        ),
        {"q": vector_literal(embedding), "t": threshold, "n": limit, "m": model},
    )
    return [ProductHit(r[0], r[1], r[2], r[3], r[4], r[5], float(r[6]), float(r[7])) for r in rows]
