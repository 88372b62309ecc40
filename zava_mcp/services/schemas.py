"""Typed results the services return; the protocol layer publishes them as output schemas."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

AccessLevel = Literal["store", "region", "head_office"]


def _rows_schema(schema: dict[str, Any]) -> None:
    """Publish ``rows`` as an array without an ``items`` schema. Clients validate structured
    results against the output schema, and a validator walks every element an ``items`` names:
    every row and cell of a 500-row answer, for a constraint ("an array of arrays of anything")
    the description already states."""
    schema.pop("items", None)


class QueryResult(BaseModel):
    columns: list[str] = Field(description="Column names, in order")
    column_types: list[str] = Field(description="PostgreSQL type of each column")
    rows: list[list[Any]] = Field(
        description="Rows, each an array of cell values in column order",
        json_schema_extra=_rows_schema,
    )
    row_count: int = Field(description="Number of rows returned")
    truncated: bool = Field(description="True when rows or cells were cut to fit the limits")
    truncation_reasons: list[str] = Field(default_factory=list)

    def to_text(self, max_rows: int = 20) -> str:
        lines = [" | ".join(self.columns)]
        lines += [
            " | ".join("" if v is None else str(v) for v in row) for row in self.rows[:max_rows]
        ]
        more = self.row_count - min(self.row_count, max_rows)
        tail = f"\n… {more} more rows" if more else ""
        note = " (truncated: " + "; ".join(self.truncation_reasons) + ")" if self.truncated else ""
        return f"{self.row_count} rows{note}\n" + "\n".join(lines) + tail


class StoreSummary(BaseModel):
    store_id: str
    code: str
    name: str
    location: str
    region: str
    is_online: bool


class WhoAmI(BaseModel):
    manager_id: str
    full_name: str
    access_level: AccessLevel
    stores: list[StoreSummary]

    def to_text(self) -> str:
        names = ", ".join(s.name for s in self.stores)
        return f"{self.full_name} ({self.access_level}); stores: {names}"


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

    def to_text(self) -> str:
        cols = ", ".join(f"{c.name} {c.data_type}" for c in self.columns)
        fks = "; ".join(
            f"{','.join(f.columns)} -> {f.references_table}({','.join(f.references_columns)})"
            for f in self.foreign_keys
        )
        values = "; ".join(f"{k}: {v}" for k, v in self.valid_values.items())
        return (
            f"{self.table}({cols})"
            + (f"\n  keys: {fks}" if fks else "")
            + (f"\n  values: {values}" if values else "")
        )


class TableSchemas(BaseModel):
    tables: list[TableSchema]

    def to_text(self) -> str:
        return "\n".join(t.to_text() for t in self.tables)


class CategorySales(BaseModel):
    category: str
    revenue: float
    units: int


class ProductSales(BaseModel):
    sku: str
    name: str
    revenue: float
    units: int


class PeriodMetrics(BaseModel):
    start: str
    end: str = Field(description="Exclusive end date")
    revenue: float
    orders: int
    average_order_value: float
    units: int
    customers: int


class StorePerformance(BaseModel):
    store_id: str
    store_name: str
    time_period: str
    as_of: str = Field(description="The last day included (latest day with data, at most today)")
    current: PeriodMetrics
    previous: PeriodMetrics
    revenue_change_pct: float | None
    orders_change_pct: float | None
    average_order_value_change_pct: float | None
    top_categories: list[CategorySales]
    top_products: list[ProductSales]
    insights: list[str]

    def to_text(self) -> str:
        c = self.current
        head = (
            f"{self.store_name}, {self.time_period} ({c.start} to {self.as_of}): "
            f"revenue {c.revenue:,.2f}, {c.orders} orders, AOV {c.average_order_value:,.2f}, "
            f"{c.units} units"
        )
        return head + "\n" + "\n".join(f"- {i}" for i in self.insights)


class ProductMatch(BaseModel):
    product_id: str
    sku: str
    name: str
    description: str
    category: str
    product_type: str
    base_price: float
    similarity: float
    in_stock_units: int | None = Field(
        default=None, description="Units in stock across the caller's stores (stock filter only)"
    )


class ProductSearchResult(BaseModel):
    query: str
    model: str
    results: list[ProductMatch]

    def to_text(self) -> str:
        lines = [
            f"{m.similarity:.3f}  {m.sku}  {m.name}  [{m.category} / {m.product_type}]  "
            f"{m.base_price:.2f}"
            for m in self.results
        ]
        return f"{len(self.results)} products for {self.query!r}\n" + "\n".join(lines)
