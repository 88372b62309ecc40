"""Store performance figures: one pass over a period's orders for totals and top sellers."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

from zava_mcp.db.queries.identity import StoreRow
from zava_mcp.db.tenant import Tenant


async def fetch_store_and_latest_day(
    conn: Tenant, store: str
) -> tuple[StoreRow, dt.date | None] | None:
    """The caller's store named by ``store`` (its id, code or name, any case; RLS hides the
    stores of others) and the last day it has orders on, in one round trip."""
    row = await conn.fetchrow(
        "select s.id, s.code, s.name, s.location, r.name, s.is_online, "
        "(select max(o.order_date) from retail.orders o where o.store_id = s.id) "
        "from retail.stores s join retail.regions r on r.id = s.region_id "
        "where s.id::text = $1 or lower(s.code) = $1 or lower(s.name) = $1 "
        "order by s.name limit 1",
        store.strip().lower(),
    )
    return (StoreRow(*row[:6]), row[6]) if row else None


@dataclass
class PeriodTotals:
    revenue: float
    orders: int
    units: int
    customers: int


@dataclass
class PeriodSummary:
    totals: PeriodTotals
    top_categories: list[tuple[str, float, int]]
    top_products: list[tuple[str, str, float, int]]


#: $1 store, $2 start, $3 end (exclusive), $4 whether to rank the tops, $5 how many
PERIOD_SUMMARY_SQL = """
with cur as materialized (
  select o.id, o.total_amount, o.customer_id from retail.orders o
  where o.store_id = $1 and o.order_date >= $2 and o.order_date < $3
    and o.status not in ('cancelled', 'returned')),
prod as materialized (
  select i.product_id, sum(i.quantity) as units, sum(i.line_total) as revenue
  from retail.order_items i join cur on cur.id = i.order_id
  where i.store_id = $1 group by i.product_id)
select (select coalesce(sum(total_amount), 0) from cur),
       (select count(*) from cur),
       (select coalesce(sum(units), 0) from prod),
       (select count(distinct customer_id) from cur),
       case when $4::bool then (select coalesce(json_agg(x), '[]') from (
         select c.name, sum(prod.revenue)::float8 as revenue, sum(prod.units)::int8 as units
         from prod join retail.products p on p.id = prod.product_id
         join retail.categories c on c.id = p.category_id
         group by c.name order by 2 desc limit $5::int8) x)::text end,
       case when $4::bool then (select coalesce(json_agg(x), '[]') from (
         select p.sku, p.name, prod.revenue::float8 as revenue, prod.units::int8 as units
         from prod join retail.products p on p.id = prod.product_id
         order by prod.revenue desc, p.sku limit $5::int8) x)::text end
"""


async def fetch_period_summary(
    conn: Tenant,
    store_id: uuid.UUID,
    start: dt.date,
    end: dt.date,
    *,
    tops: bool = True,
    limit: int = 5,
) -> PeriodSummary:
    """Totals and (optionally) top categories and products in one pass over the period."""
    row = await conn.fetchrow(PERIOD_SUMMARY_SQL, store_id, start, end, tops, limit)
    assert row is not None  # scalar subqueries only: always one row
    totals = PeriodTotals(float(row[0]), int(row[1]), int(row[2]), int(row[3]))
    categories = [
        (c["name"], float(c["revenue"]), int(c["units"])) for c in json.loads(row[4] or "[]")
    ]
    products = [
        (p["sku"], p["name"], float(p["revenue"]), int(p["units"]))
        for p in json.loads(row[5] or "[]")
    ]
    return PeriodSummary(totals, categories, products)


async def fetch_latest_order_date(conn: Tenant, store_id: uuid.UUID) -> dt.date | None:
    value: dt.date | None = await conn.fetchval(
        "select max(order_date) from retail.orders where store_id = $1", store_id
    )
    return value
