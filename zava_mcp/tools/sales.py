"""Sales tools: the agent's read-only SQL and one store's performance report."""

from __future__ import annotations

from typing import Annotated

from fastmcp.dependencies import Depends
from fastmcp.tools.base import ToolResult
from pydantic import Field

from zava_mcp.identity import Identity
from zava_mcp.services.query import QueryService
from zava_mcp.services.sales import SalesAnalyticsService, TimePeriod
from zava_mcp.services.schemas import QueryResult, StorePerformance
from zava_mcp.tools.deps import current_caller, query_service, sales_service
from zava_mcp.tools.results import ToolSpec, result


async def execute_sales_query(
    postgresql_query: Annotated[
        str,
        Field(
            description="One read-only PostgreSQL SELECT (CTEs, window functions, "
            "aggregates allowed) over tables in the retail schema.",
            min_length=1,
            max_length=20000,
        ),
    ],
    query: QueryService = Depends(query_service),
    caller: Identity = Depends(current_caller),
) -> ToolResult:
    """Run one read-only SQL query over Zava's retail data and return its rows.

    Use schema-qualified names (retail.orders, retail.order_items, retail.customers,
    retail.inventory, retail.products, retail.categories, retail.product_types,
    retail.stores, retail.regions). Rows are already limited to the stores the caller may
    see. Results are capped at a few hundred rows and about 64 KB: when `truncated` is
    true the rows are only a prefix (read `note`), so aggregate in SQL (GROUP BY, sum,
    count) rather than fetching raw rows. Money columns are GBP; to match
    get_store_performance, leave orders with status 'cancelled' or 'returned' out of
    revenue. Only one SELECT statement; anything that writes or changes settings is
    refused.
    """
    return result(await query.execute(identity=caller, sql=postgresql_query))


async def get_store_performance(
    store_id: Annotated[
        str,
        Field(
            description="The store's id (UUID), code or name, from get_current_user_info",
            min_length=1,
            max_length=100,
        ),
    ],
    time_period: Annotated[
        TimePeriod, Field(description="The period to report on, ending at the latest data")
    ] = "last_30_days",
    sales: SalesAnalyticsService = Depends(sales_service),
    caller: Identity = Depends(current_caller),
) -> ToolResult:
    """Revenue, orders, average order value, units, customers, top 5 categories and products
    for one store over a period, with the change against the previous period and short
    plain-language insights. Stores the caller may not see are refused.

    Revenue is in GBP and counts only orders that were not cancelled or returned (status
    pending, shipped or completed): orders.total_amount for the totals, order_items
    line totals after discounts for categories and products. The period ends at `as_of`
    (the latest day with orders, at most today) and runs from `current.start` (inclusive)
    to `current.end` (exclusive); `previous` is the same length just before
    (year_to_date: the same dates a year earlier)."""
    out = await sales.get_store_performance(
        identity=caller, store=store_id, time_period=time_period
    )
    return result(out)


TOOLS = (
    ToolSpec(execute_sales_query, QueryResult),
    ToolSpec(get_store_performance, StorePerformance),
)
