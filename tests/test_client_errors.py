"""One error format everywhere a client can see one, and answers whose text is complete."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError
from mcp import MCPError

import zava_mcp.errors as errors_module
from tests.conftest import in_memory_server, manager_identity
from zava_mcp.call_errors import ERROR_CODES
from zava_mcp.db.session import Database
from zava_mcp.infra.metrics import Metrics
from zava_mcp.infra.settings import Settings

ONE_LINE = re.compile(r"^\[([A-Z_]+)\] [^\n]+$")
ROOT = Path(__file__).resolve().parents[1]


def server(db: Database, code: str = "sm-leeds", **settings: Any) -> Any:
    config = Settings(auth_mode="dev", _env_file=None, **settings)  # type: ignore[call-arg]
    return in_memory_server(
        config, database=db, dev_identity=manager_identity(code), metrics=Metrics()
    )


BAD_CALLS = [
    ("get_store_performance", {"store_id": "leeds", "time_period": "fortnight"}, "time_period"),
    ("get_store_performance", {}, "missing required argument 'store_id'"),
    ("get_store_performance", {"store_id": "leeds", "colour": "red"}, "unexpected argument"),
    ("semantic_search_products", {"query_description": "drill", "max_results": "ten"}, "integer"),
    ("execute_sales_query", {"postgresql_query": ""}, "at least 1 character"),
    ("execute_sales_query", {"postgresql_query": "x" * 100_000}, "at most 20000 characters"),
    ("get_multiple_table_schemas", {"table_names": "orders"}, "table_names"),
    ("get_multiple_table_schemas", {"table_names": ["managers"]}, "unknown table"),
]


@pytest.mark.parametrize(("tool", "args", "needle"), BAD_CALLS)
async def test_bad_arguments_are_coded_one_liners(
    app_db: Database, tool: str, args: dict[str, Any], needle: str
) -> None:
    async with Client(server(app_db)) as client:
        with pytest.raises(ToolError) as info:
            await client.call_tool(tool, args)
    message = str(info.value)
    assert ONE_LINE.match(message), message
    assert message.startswith("[VALIDATION_ERROR]"), message
    assert needle in message
    assert "pydantic" not in message and "input_type" not in message
    assert len(message) <= 400


async def test_unknown_tool_is_not_found_and_never_a_metric_label(app_db: Database) -> None:
    metrics = Metrics()
    mcp = in_memory_server(
        Settings(auth_mode="dev", _env_file=None),  # type: ignore[call-arg]
        database=app_db,
        dev_identity=manager_identity("sm-leeds"),
        metrics=metrics,
    )
    async with Client(mcp) as client:
        with pytest.raises(ToolError) as info:
            await client.call_tool("drop_all_tables_please", {})
    message = str(info.value)
    assert ONE_LINE.match(message) and message.startswith("[NOT_FOUND] unknown tool")
    assert "execute_sales_query" in message  # says what exists
    exposition = metrics.render()[0].decode()
    assert "drop_all_tables_please" not in exposition
    assert 'tool="unknown"' in exposition and 'outcome="NOT_FOUND"' in exposition


async def test_resource_errors_reach_the_client(app_db: Database) -> None:
    async with Client(server(app_db)) as client:
        for uri, code, needle in (
            ("retail://schema/nope", "VALIDATION_ERROR", "unknown table"),
            ("retail://schema/managers", "VALIDATION_ERROR", "unknown table"),
            ("retail://nothing/here", "NOT_FOUND", "retail://schema/{table}"),
        ):
            with pytest.raises(MCPError) as info:
                await client.read_resource(uri)
            message = str(info.value)
            assert ONE_LINE.match(message), message
            assert message.startswith(f"[{code}]") and needle in message


async def test_prompt_errors_are_coded_and_arguments_plain(app_db: Database) -> None:
    async with Client(server(app_db)) as client:
        prompts = {p.name: p for p in await client.list_prompts()}
        for prompt in prompts.values():
            for argument in prompt.arguments or []:
                assert "JSON schema" not in (argument.description or ""), argument
                assert argument.description
        for name, args, code, needle in (
            ("weekly_store_review", {}, "VALIDATION_ERROR", "missing required argument 'store'"),
            ("weekly_store_review", {"store": "leeds", "x": "1"}, "VALIDATION_ERROR", "'x'"),
            ("sales_question", {"question": "q", "style": "long"}, "VALIDATION_ERROR", "style"),
            ("no_such_prompt", {}, "NOT_FOUND", "sales_question"),
        ):
            with pytest.raises(MCPError) as info:
                await client.get_prompt(name, args)
            message = str(info.value)
            assert ONE_LINE.match(message), message
            assert message.startswith(f"[{code}]") and needle in message


async def test_text_content_of_a_61_row_answer_has_every_row(app_db: Database) -> None:
    async with Client(server(app_db, "ho-1")) as client:
        result = await client.call_tool(
            "execute_sales_query",
            {"postgresql_query": "select g, 'row ' || g from generate_series(1, 61) g"},
        )
    assert result.structured_content is not None
    assert result.structured_content["row_count"] == 61
    text = result.content[0].text  # type: ignore[union-attr]
    assert json.loads(text) == result.structured_content
    for n in range(1, 62):
        assert f'[{n},"row {n}"]' in text


async def test_truncated_answer_says_why_and_how_to_aggregate(app_db: Database) -> None:
    async with Client(server(app_db, "ho-1")) as client:
        result = await client.call_tool(
            "execute_sales_query",
            {
                "postgresql_query": "select "
                + " || ".join(["md5(g::text)"] * 8)
                + " as pad from generate_series(1, 400) g"
            },
        )
    data = result.structured_content
    assert data is not None and data["truncated"] is True
    assert any("response cap of 65536 bytes" in r for r in data["truncation_reasons"])
    assert "Aggregate in SQL" in data["note"] and f"first {data['row_count']} rows" in data["note"]
    assert len(result.content[0].text) < 70_000  # type: ignore[union-attr]


async def test_store_performance_text_has_top_lists(app_db: Database) -> None:
    async with Client(server(app_db)) as client:
        result = await client.call_tool(
            "get_store_performance", {"store_id": "leeds", "time_period": "last_90_days"}
        )
    text = result.content[0].text  # type: ignore[union-attr]
    assert result.structured_content is not None
    for product in result.structured_content["top_products"]:
        assert product["name"] in text
    for category in result.structured_content["top_categories"]:
        assert category["category"] in text


async def test_schema_tool_describes_only_agent_tables(app_db: Database) -> None:
    async with Client(server(app_db, "ho-1")) as client:
        tables = [
            "regions", "stores", "categories", "product_types", "products",
            "customers", "inventory", "orders", "order_items",
        ]  # fmt: skip
        result = await client.call_tool("get_multiple_table_schemas", {"table_names": tables})
        text = result.content[0].text  # type: ignore[union-attr]
        for hidden in ("managers", "data_version", "product_description_embeddings"):
            assert hidden not in text
        with pytest.raises(ToolError, match=r"^\[VALIDATION_ERROR\] unknown table") as info:
            await client.call_tool("get_multiple_table_schemas", {"table_names": ["data_version"]})
        assert "product_description_embeddings" not in str(info.value)


def test_every_error_code_is_in_the_list_and_the_readme() -> None:
    raised = {
        cls.error_code
        for cls in vars(errors_module).values()
        if isinstance(cls, type) and issubclass(cls, errors_module.ZavaError)
    }
    source = "\n".join(p.read_text() for p in (ROOT / "zava_mcp").rglob("*.py"))
    raised |= set(re.findall(r'error_code="([A-Z_]+)"', source))
    raised |= set(re.findall(r'"\[([A-Z_]+)\]', source))
    raised |= set(re.findall(r'coded\(\s*"([A-Z_]+)"', source))
    assert raised <= set(ERROR_CODES), raised - set(ERROR_CODES)
    readme = (ROOT / "README.md").read_text().split("\n## Errors\n")[1].split("\n## ")[0]
    table = dict(re.findall(r"^\| `([A-Z_]+)` \| ([^|]+) \|$", readme, re.MULTILINE))
    assert table == ERROR_CODES
