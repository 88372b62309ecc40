"""Every tool through an in-memory ``fastmcp.Client(mcp)``: fast feedback on the protocol layer."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from fastmcp import Client
from fastmcp.exceptions import ToolError

from tests.conftest import app_database, in_memory_server, manager_identity
from tests.oracle import LEVELS, codes_at, visible_store_names
from zava_mcp.db.session import Database, PoolConfig
from zava_mcp.infra.settings import Settings
from zava_mcp.seed.catalogue import Catalogue


def code_for(catalogue: Catalogue, level: str, index: int = 0) -> str:
    return codes_at(catalogue, level)[index]


def own_and_other_store(catalogue: Catalogue) -> tuple[str, str, str]:
    """A store manager's code, their store's code and a store in another region."""
    manager = next(m for m in catalogue.managers if m.access_level == "store")
    own = next(s for s in catalogue.stores if s.id == manager.store_id)
    other = next(s for s in catalogue.stores if s.region_id != own.region_id)
    return manager.code, own.code, other.code


def client_for(db: Database, code: str) -> Client[Any]:
    settings = Settings(auth_mode="dev", _env_file=None)  # type: ignore[call-arg]
    return Client(in_memory_server(settings, database=db, dev_identity=manager_identity(code)))


@pytest_asyncio.fixture(loop_scope="session", params=LEVELS)
async def level_client(
    request: pytest.FixtureRequest, app_db: Database, catalogue: Catalogue
) -> AsyncIterator[Any]:
    code = code_for(catalogue, request.param)
    async with client_for(app_db, code) as client:
        yield request.param, code, client


async def test_lists_every_tool(app_db: Database, catalogue: Catalogue) -> None:
    async with client_for(app_db, code_for(catalogue, "head_office")) as client:
        names = {t.name for t in await client.list_tools()}
        assert names == {
            "execute_sales_query",
            "get_multiple_table_schemas",
            "get_store_performance",
            "semantic_search_products",
            "get_current_utc_date",
            "get_current_user_info",
        }
        tools = {t.name: t for t in await client.list_tools()}
        assert tools["execute_sales_query"].output_schema is not None
        assert "read-only" in (tools["execute_sales_query"].description or "")


async def test_whoami_per_level(level_client: Any, catalogue: Catalogue) -> None:
    level, code, client = level_client
    result = await client.call_tool("get_current_user_info", {})
    data = result.structured_content
    assert data["access_level"] == level
    assert {s["name"] for s in data["stores"]} == visible_store_names(catalogue, code)
    assert data["full_name"] in result.content[0].text


async def test_sales_query_sees_only_own_stores(level_client: Any, catalogue: Catalogue) -> None:
    level, code, client = level_client
    expected = visible_store_names(catalogue, code)
    if level == "store":
        assert len(expected) == 1
    elif level == "head_office":
        assert len(expected) == len(catalogue.stores)
    for table in ("orders", "customers", "inventory", "order_items"):
        result = await client.call_tool(
            "execute_sales_query",
            {
                "postgresql_query": f"select distinct s.name from retail.{table} t "
                "join retail.stores s on s.id = t.store_id"
            },
        )
        seen = {row[0] for row in result.structured_content["rows"]}
        assert seen == expected, (level, table)


async def test_sales_query_result_shape_and_truncation(
    app_db: Database, catalogue: Catalogue
) -> None:
    async with client_for(app_db, code_for(catalogue, "head_office")) as client:
        result = await client.call_tool(
            "execute_sales_query",
            {"postgresql_query": "select g, 'x' as label from generate_series(1, 2000) g"},
        )
        data = result.structured_content
        assert data["columns"] == ["g", "label"]
        assert data["column_types"][0] == "int4"
        assert data["row_count"] == 500 and data["truncated"] is True
        assert "row cap" in data["truncation_reasons"][0]


async def test_store_performance_own_store(app_db: Database, catalogue: Catalogue) -> None:
    manager, own, _ = own_and_other_store(catalogue)
    async with client_for(app_db, manager) as client:
        result = await client.call_tool(
            "get_store_performance", {"store_id": own, "time_period": "last_90_days"}
        )
        data = result.structured_content
        assert data["store_name"] == next(s.name for s in catalogue.stores if s.code == own)
        assert data["current"]["orders"] > 0
        assert data["current"]["revenue"] > 0
        assert data["insights"]
        assert data["top_categories"] and data["top_products"]


_RECOUNT = """
select coalesce(sum(o.total_amount), 0)::float8 as revenue, count(*) as orders,
       count(distinct o.customer_id) as customers,
       coalesce((select sum(i.quantity) from retail.order_items i
                 where i.order_id = any(array_agg(o.id))), 0) as units
from retail.orders o
where o.store_id = $1 and o.order_date >= $2 and o.order_date < $3
  and o.status not in ('cancelled', 'returned')
"""
_RECOUNT_TOPS = """
select p.sku, c.name as category, sum(i.line_total)::float8 as revenue
from retail.orders o join retail.order_items i on i.order_id = o.id
join retail.products p on p.id = i.product_id join retail.categories c on c.id = p.category_id
where o.store_id = $1 and o.order_date >= $2 and o.order_date < $3
  and o.status not in ('cancelled', 'returned')
group by p.sku, c.name
"""


@pytest.mark.parametrize("connections", [10, 1])
@pytest.mark.parametrize("period", ["last_7_days", "last_90_days", "month_to_date", "year_to_date"])
async def test_store_performance_figures_match_a_plain_recount(
    pg: Any, catalogue: Catalogue, owner_conn: Any, period: str, connections: int
) -> None:
    """Both periods' figures and the current period's tops, recounted by the simplest SQL on
    the owner's connection (the report reads the previous period on a second connection when
    one is free: both readings must be the caller's)."""
    manager, own, _ = own_and_other_store(catalogue)
    store_id = next(s.id for s in catalogue.stores if s.code == own)
    # one connection: no second one is ever free, so the periods are read one after the other
    db = await app_database(pg, PoolConfig(pool_size=connections, max_overflow=0))
    try:
        async with client_for(db, manager) as client:
            result = await client.call_tool(
                "get_store_performance", {"store_id": own, "time_period": period}
            )
    finally:
        await db.dispose()
    data = result.structured_content
    for key in ("current", "previous"):
        got = data[key]
        bounds = (dt.date.fromisoformat(got["start"]), dt.date.fromisoformat(got["end"]))
        want = await owner_conn.fetchrow(_RECOUNT, store_id, *bounds)
        assert got["orders"] == want["orders"], key
        assert got["units"] == want["units"], key
        assert got["customers"] == want["customers"], key
        assert got["revenue"] == pytest.approx(want["revenue"], abs=0.01), key
    assert data["previous"]["orders"] > 0  # the comparison has something to compare with
    bounds = (
        dt.date.fromisoformat(data["current"]["start"]),
        dt.date.fromisoformat(data["current"]["end"]),
    )
    lines = await owner_conn.fetch(_RECOUNT_TOPS, store_id, *bounds)
    by_product = sorted(lines, key=lambda r: (-r["revenue"], r["sku"]))[:5]
    assert [p["sku"] for p in data["top_products"]] == [r["sku"] for r in by_product]
    by_category: dict[str, float] = {}
    for r in lines:
        by_category[r["category"]] = by_category.get(r["category"], 0.0) + r["revenue"]
    top = sorted(by_category.items(), key=lambda kv: -kv[1])[:5]
    assert [c["category"] for c in data["top_categories"]] == [name for name, _ in top]


async def test_store_performance_for_other_store_is_refused(
    app_db: Database, catalogue: Catalogue
) -> None:
    manager, _, other = own_and_other_store(catalogue)
    other_id = str(next(s.id for s in catalogue.stores if s.code == other))
    async with client_for(app_db, manager) as client:
        for store in (other, other_id, "no-such-store"):
            with pytest.raises(ToolError, match=r"^\[FORBIDDEN\]"):
                await client.call_tool("get_store_performance", {"store_id": store})
    regional = code_for(catalogue, "region")
    async with client_for(app_db, regional) as client:
        with pytest.raises(ToolError, match=r"^\[FORBIDDEN\]"):
            await client.call_tool("get_store_performance", {"store_id": other_id})


@pytest.mark.parametrize(
    ("tool", "args", "pattern"),
    [
        ("get_store_performance", {"store_id": "any", "time_period": "fortnight"}, "time_period"),
        ("get_multiple_table_schemas", {"table_names": ["no_such_table"]}, r"\[VALIDATION_ERROR\]"),
        ("get_multiple_table_schemas", {"table_names": []}, "table_names"),
        (
            "semantic_search_products",
            {"query_description": "drill", "max_results": 500},
            "max_results",
        ),
        ("execute_sales_query", {"postgresql_query": ""}, "postgresql_query"),
        (
            "execute_sales_query",
            {"postgresql_query": "delete from retail.orders"},
            r"\[QUERY_REJECTED\]",
        ),
        (
            "execute_sales_query",
            {"postgresql_query": "select nope from retail.orders"},
            r"\[QUERY_ERROR\]",
        ),
    ],
)
async def test_argument_errors_are_clear_tool_errors(
    app_db: Database, catalogue: Catalogue, tool: str, args: dict[str, Any], pattern: str
) -> None:
    async with client_for(app_db, code_for(catalogue, "store")) as client:
        with pytest.raises(ToolError, match=pattern) as info:
            await client.call_tool(tool, args)
        assert "Traceback" not in str(info.value)
        # the server keeps serving
        ok = await client.call_tool("get_current_utc_date", {})
        assert ok.content[0].text.startswith("20")


async def test_table_schemas_show_only_visible_values(
    app_db: Database, catalogue: Catalogue
) -> None:
    manager, own, _ = own_and_other_store(catalogue)
    own_name = next(s.name for s in catalogue.stores if s.code == own)
    async with client_for(app_db, manager) as client:
        result = await client.call_tool(
            "get_multiple_table_schemas", {"table_names": ["orders", "retail.order_items"]}
        )
        tables = {t["table"]: t for t in result.structured_content["tables"]}
        orders = tables["retail.orders"]
        assert orders["valid_values"]["store_names"] == [own_name]
        assert orders["primary_key"] == ["id"]
        assert {
            "columns": ["store_id"],
            "references_table": "retail.stores",
            "references_columns": ["id"],
        } in orders["foreign_keys"]
        assert orders["row_level_security"] is True
        assert tables["retail.order_items"]["columns"]


async def test_resource_and_prompts(app_db: Database, catalogue: Catalogue) -> None:
    manager, _, other = own_and_other_store(catalogue)
    other_name = next(s.name for s in catalogue.stores if s.code == other)
    async with client_for(app_db, manager) as client:
        contents = await client.read_resource("retail://schema/stores")
        assert '"retail.stores"' in contents[0].text  # type: ignore[union-attr]
        assert other_name not in contents[0].text  # type: ignore[union-attr]
        prompts = {p.name for p in await client.list_prompts()}
        assert {"weekly_store_review", "sales_question"} <= prompts
        prompt = await client.get_prompt("weekly_store_review", {"store": "leeds"})
        assert "get_store_performance" in prompt.messages[0].content.text  # type: ignore[union-attr]


async def test_utc_date(app_db: Database, catalogue: Catalogue) -> None:
    async with client_for(app_db, code_for(catalogue, "head_office")) as client:
        result = await client.call_tool("get_current_utc_date", {})
        assert result.content[0].text.endswith("+00:00")
