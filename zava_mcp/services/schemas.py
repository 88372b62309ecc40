"""Typed results the services return; the protocol layer publishes them as output schemas."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

AccessLevel = Literal["store", "region", "head_office"]


class Result(BaseModel):
    """A tool's answer, which says how many rows it holds (the audit trail records it)."""

    def rows_returned(self) -> int | None:
        raise NotImplementedError


def _rows_schema(schema: dict[str, Any]) -> None:
    """Publish ``rows`` as an array without an ``items`` schema. Clients validate structured
    results against the output schema, and a validator walks every element an ``items`` names:
    every row and cell of a 500-row answer, for a constraint ("an array of arrays of anything")
    the description already states."""
    schema.pop("items", None)


class QueryResult(Result):
    columns: list[str] = Field(description="Column names, in order")
    column_types: list[str] = Field(description="PostgreSQL type of each column")
    rows: list[list[Any]] = Field(
        description="Rows, each an array of cell values in column order",
        json_schema_extra=_rows_schema,
    )
    row_count: int = Field(description="Number of rows returned (not the total when truncated)")
    truncated: bool = Field(description="True when rows or cells were cut to fit the limits")
    truncation_reasons: list[str] = Field(default_factory=list)
    note: str | None = Field(
        default=None,
        description="When truncated: what is missing and how to get a complete answer",
    )

    def rows_returned(self) -> int | None:
        return self.row_count


class StoreSummary(BaseModel):
    store_id: str
    code: str
    name: str
    location: str
    region: str
    is_online: bool


class WhoAmI(Result):
    manager_id: str
    full_name: str
    access_level: AccessLevel
    stores: list[StoreSummary]

    def rows_returned(self) -> int | None:
        return len(self.stores)


class ColumnSchema(BaseModel):
    name: str
    data_type: str
    nullable: bool
    default: str | None = None


class ForeignKeySchema(BaseModel):
    columns: list[str]
    references_table: str
    references_columns: list[str]


class TableSchema(BaseModel):
    table: str = Field(description="Schema-qualified table name to use in SQL")
    columns: list[ColumnSchema]
    primary_key: list[str]
    foreign_keys: list[ForeignKeySchema]
    row_level_security: bool = Field(description="Rows are filtered to the caller's stores")
    valid_values: dict[str, Any] = Field(
        default_factory=dict, description="Useful values, limited to what the caller may see"
    )


class TableSchemas(Result):
    tables: list[TableSchema]

    def rows_returned(self) -> int | None:
        return len(self.tables)


LINE_REVENUE = (
    "GBP, sum of order_items.line_total (after line discounts) on the period's counted orders"
)


class CategorySales(BaseModel):
    category: str
    revenue: float = Field(description=LINE_REVENUE)
    units: int = Field(description="Units sold on the period's counted orders")


class ProductSales(BaseModel):
    sku: str
    name: str
    revenue: float = Field(description=LINE_REVENUE)
    units: int = Field(description="Units sold on the period's counted orders")


class PeriodMetrics(BaseModel):
    """Figures over the counted orders of one period: orders with status pending, shipped or
    completed (cancelled and returned orders are excluded everywhere)."""

    start: str = Field(description="First day included (order_date >= start)")
    end: str = Field(description="Exclusive end date (order_date < end)")
    revenue: float = Field(
        description="GBP, sum of orders.total_amount (the sum of its items' line totals after "
        "discounts) over counted orders: cancelled and returned orders are excluded"
    )
    orders: int = Field(description="Counted orders (not cancelled or returned)")
    average_order_value: float = Field(description="GBP, revenue / orders")
    units: int = Field(description="Units on the counted orders' items")
    customers: int = Field(description="Distinct customers with a counted order")


class StorePerformance(Result):
    store_id: str
    store_name: str
    time_period: str
    as_of: str = Field(description="The last day included (latest day with data, at most today)")
    current: PeriodMetrics
    previous: PeriodMetrics = Field(
        description="The comparable period before: same length (year_to_date: a year back)"
    )
    revenue_change_pct: float | None = Field(
        description="Percent change of revenue against previous; null when previous is 0"
    )
    orders_change_pct: float | None
    average_order_value_change_pct: float | None
    top_categories: list[CategorySales] = Field(description="Top 5 categories by revenue")
    top_products: list[ProductSales] = Field(description="Top 5 products by revenue")
    insights: list[str]

    def rows_returned(self) -> int | None:
        return None  # one report of figures, not rows of data


class ProductMatch(BaseModel):
    product_id: str
    sku: str
    name: str
    description: str
    category: str
    product_type: str
    base_price: float = Field(description="List price in GBP")
    similarity: float = Field(description="Cosine similarity to the query, 0 to 1")
    in_stock_units: int | None = Field(
        default=None, description="Units in stock across the caller's stores (stock filter only)"
    )


class ProductSearchResult(Result):
    query: str
    model: str
    results: list[ProductMatch]

    def rows_returned(self) -> int | None:
        return len(self.results)
