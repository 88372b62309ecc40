"""Table descriptions for the schema tool, read from the catalogue as the caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zava_mcp.db.queries.agent import jsonable
from zava_mcp.db.tenant import Tenant


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


async def fetch_table_names(conn: Tenant) -> list[str]:
    rows = await conn.fetch(
        "select c.relname from pg_catalog.pg_class c "
        "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = 'retail' and c.relkind in ('r', 'v', 'm') "
        "and has_table_privilege(c.oid, 'SELECT') order by 1"
    )
    return [r[0] for r in rows]


async def fetch_table_info(conn: Tenant, table: str) -> TableInfo:
    qualified = f"retail.{table}"
    columns = [
        ColumnInfo(*row)
        for row in await conn.fetch(
            "select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), "
            "not a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid) "
            "from pg_catalog.pg_attribute a "
            "left join pg_catalog.pg_attrdef d "
            "  on d.adrelid = a.attrelid and d.adnum = a.attnum "
            "where a.attrelid = cast($1::text as regclass) and a.attnum > 0 "
            "and not a.attisdropped order by a.attnum",
            qualified,
        )
    ]
    constraints = await conn.fetch(
        "select con.contype::text, "
        "  array(select a.attname::text from unnest(con.conkey) with ordinality k(n, i) "
        "        join pg_catalog.pg_attribute a "
        "          on a.attrelid = con.conrelid and a.attnum = k.n "
        "        order by k.i), "
        "  ft.relname::text, "
        "  array(select a.attname::text from unnest(con.confkey) with ordinality k(n, i) "
        "        join pg_catalog.pg_attribute a on a.attrelid = con.confrelid "
        "         and a.attnum = k.n order by k.i) "
        "from pg_catalog.pg_constraint con "
        "left join pg_catalog.pg_class ft on ft.oid = con.confrelid "
        "where con.conrelid = cast($1::text as regclass) and con.contype in ('p', 'f') "
        "order by con.conname",
        qualified,
    )
    primary_key: list[str] = []
    foreign_keys: list[ForeignKeyInfo] = []
    for contype, cols, ftable, fcols in constraints:
        if contype == "p":
            primary_key = list(cols)
        else:
            foreign_keys.append(ForeignKeyInfo(list(cols), ftable, list(fcols)))
    rls = await conn.fetchval(
        "select relrowsecurity from pg_catalog.pg_class where oid = cast($1::text as regclass)",
        qualified,
    )
    return TableInfo(table, columns, primary_key, foreign_keys, bool(rls))


async def _names(conn: Tenant, sql: str) -> list[str]:
    return [r[0] for r in await conn.fetch(sql)]


async def fetch_valid_values(conn: Tenant, table: str) -> dict[str, Any]:
    """Values worth showing the model for ``table``; RLS limits them to what the caller sees."""
    values: dict[str, Any] = {}
    if table in ("stores", "orders", "customers", "inventory", "order_items"):
        values["store_names"] = await _names(conn, "select name from retail.stores order by name")
    if table in ("products", "categories", "product_types", "order_items", "inventory"):
        values["category_names"] = await _names(
            conn, "select name from retail.categories order by name"
        )
    if table == "product_types":
        values["product_type_names"] = await _names(
            conn, "select name from retail.product_types order by name"
        )
    if table == "regions":
        values["region_names"] = await _names(conn, "select name from retail.regions order by name")
    if table == "orders":
        row = await conn.fetchrow("select min(order_date), max(order_date) from retail.orders")
        assert row is not None  # an aggregate without GROUP BY always returns one row
        values["order_date_range"] = [jsonable(row[0]), jsonable(row[1])]
        values["status_values"] = await _names(
            conn, "select distinct status from retail.orders order by 1"
        )
    return values
