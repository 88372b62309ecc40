"""The analytics questions the load benchmarks ask, and who asks them.

Each question is the SQL an assistant would send to ``execute_sales_query``: schema-qualified,
read-only, aggregated in SQL, over a recent window ending at the latest order in the data.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from zava_mcp.seed.catalogue import load_catalogue, stable_id

QUERIES: dict[str, str] = {
    "revenue_by_month": (
        "select s.name as store, date_trunc('month', o.order_date)::date as month, "
        "sum(o.total_amount) as revenue, count(*) as orders "
        "from retail.orders o join retail.stores s on s.id = o.store_id "
        "where o.order_date >= (select max(order_date) from retail.orders) - 365 "
        "group by 1, 2 order by 1, 2"
    ),
    "top_products": (
        "select p.sku, p.name, sum(i.quantity) as units, sum(i.line_total) as revenue "
        "from retail.order_items i "
        "join retail.orders o on o.id = i.order_id and o.store_id = i.store_id "
        "join retail.products p on p.id = i.product_id "
        "where o.order_date >= (select max(order_date) from retail.orders) - 90 "
        "group by 1, 2 order by revenue desc limit 10"
    ),
    "basket_size": (
        "select s.name as store, count(distinct o.id) as orders, "
        "round(sum(i.quantity)::numeric / count(distinct o.id), 2) as items_per_order, "
        "round(sum(i.line_total) / count(distinct o.id), 2) as avg_basket "
        "from retail.orders o "
        "join retail.order_items i on i.order_id = o.id and i.store_id = o.store_id "
        "join retail.stores s on s.id = o.store_id "
        "where o.order_date >= (select max(order_date) from retail.orders) - 30 "
        "group by 1 order by 1"
    ),
    "customer_counts": (
        "select s.name as store, count(*) as customers, "
        "count(*) filter (where exists (select 1 from retail.orders o "
        "where o.customer_id = c.id "
        "and o.order_date >= (select max(order_date) from retail.orders) - 90)) as active_90d "
        "from retail.customers c join retail.stores s on s.id = c.store_id "
        "group by 1 order by 1"
    ),
    "low_inventory": (
        "select s.name as store, p.sku, p.name, i.stock_level "
        "from retail.inventory i join retail.products p on p.id = i.product_id "
        "join retail.stores s on s.id = i.store_id "
        "where i.stock_level < 10 order by i.stock_level, s.name, p.sku limit 100"
    ),
}
QUERY_NAMES: tuple[str, ...] = tuple(QUERIES)


@dataclass(frozen=True)
class Caller:
    code: str
    access_level: str
    manager_id: uuid.UUID


def callers() -> list[Caller]:
    """Every manager of the catalogue, interleaved by level: head office, region, store, ...

    Client ``i`` of a load level is ``callers()[i % len]``, so every level mixes all three
    access levels (one client: head office).
    """
    managers = load_catalogue().managers
    by_level: dict[str, list[Caller]] = {"head_office": [], "region": [], "store": []}
    for m in sorted(managers, key=lambda m: m.code):
        by_level.setdefault(m.access_level, []).append(
            Caller(m.code, m.access_level, stable_id("manager", m.code))
        )
    mixed: list[Caller] = []
    queues = [list(v) for v in by_level.values()]
    while any(queues):
        for queue in queues:
            if queue:
                mixed.append(queue.pop(0))
    return mixed


def head_office() -> Caller:
    return next(c for c in callers() if c.access_level == "head_office")


def plan(client: int, calls: int) -> list[str]:
    """The fixed sequence of question names client ``client`` asks (rotated per client)."""
    return [QUERY_NAMES[(client + j) % len(QUERY_NAMES)] for j in range(calls)]
