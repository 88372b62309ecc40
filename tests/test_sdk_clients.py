"""End to end with the official MCP Python SDK client (not fastmcp's): over streamable HTTP, and
over stdio exactly as ``zava-mcp clients`` prints the Claude Desktop entries."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import ClientSession, MCPError, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult, GetPromptResult, ReadResourceResult, TextContent

from tests.servers import database_env, mcp_server
from zava_mcp.infra.embedded import EmbeddedPostgres
from zava_mcp.seed.catalogue import stable_id

pytestmark = pytest.mark.usefixtures("seeded")

ONE_LINE = re.compile(r"^\[([A-Z_]+)\] [^\n]+$")
TOOLS = {
    "execute_sales_query": {"postgresql_query": "select count(*) as n from retail.orders"},
    "get_multiple_table_schemas": {"table_names": ["orders", "stores"]},
    "get_store_performance": {"store_id": "leeds", "time_period": "last_30_days"},
    "semantic_search_products": {"query_description": "cordless drill", "max_results": 3},
    "get_current_user_info": {},
    "get_current_utc_date": {},
}
BAD_CALLS = [
    ("get_store_performance", {"store_id": "leeds", "time_period": "fortnight"}, "time_period"),
    ("get_store_performance", {"time_period": "last_7_days"}, "store_id"),
    ("get_store_performance", {"store_id": "leeds", "extra": 1}, "extra"),
    ("semantic_search_products", {"query_description": "drill", "max_results": "x"}, "integer"),
    ("execute_sales_query", {"postgresql_query": "y" * 100_000}, "characters"),
    ("get_store_performance", {"store_id": "exeter"}, "not one of the stores you can see"),
]


def text_of(result: CallToolResult | GetPromptResult | ReadResourceResult) -> str:
    if isinstance(result, CallToolResult):
        block = result.content[0]
    elif isinstance(result, GetPromptResult):
        block = result.messages[0].content
    else:
        return str(getattr(result.contents[0], "text", ""))
    assert isinstance(block, TextContent)
    return block.text


async def exercise(session: ClientSession, level: str) -> None:
    """Everything a client does: list, call every tool, read, get prompts, make mistakes."""
    init = await session.initialize()
    assert init.server_info.name == "Zava Retail Analytics"
    assert init.server_info.version == "0.1.0"  # ours, not the framework's
    tools = {t.name for t in (await session.list_tools()).tools}
    assert tools == set(TOOLS)
    templates = (await session.list_resource_templates()).resource_templates
    assert [t.uri_template for t in templates] == ["retail://schema/{table}"]
    prompts = {p.name for p in (await session.list_prompts()).prompts}
    assert prompts == {"weekly_store_review", "sales_question"}

    for name, arguments in TOOLS.items():
        result = await session.call_tool(name, arguments)
        assert isinstance(result, CallToolResult)
        assert not result.is_error, (name, text_of(result))
        structured = result.structured_content
        if structured is not None and set(structured) == {"result"}:  # a plain value
            assert structured["result"] == text_of(result), name
        elif structured is not None:  # the text carries the whole structured answer
            assert json.loads(text_of(result)) == structured, name
    me = await session.call_tool("get_current_user_info", {})
    assert isinstance(me, CallToolResult) and me.structured_content is not None
    assert me.structured_content["access_level"] == level

    resource = await session.read_resource("retail://schema/orders")
    assert isinstance(resource, ReadResourceResult)
    assert '"retail.orders"' in text_of(resource)
    for prompt, args in (
        ("weekly_store_review", {"store": "leeds"}),
        ("sales_question", {"question": "Best month?", "style": "detailed"}),
    ):
        got = await session.get_prompt(prompt, args)
        assert isinstance(got, GetPromptResult) and "get_" in text_of(got)

    for name, arguments, needle in [*BAD_CALLS, ("no_such_tool", {}, "unknown tool")]:
        result = await session.call_tool(name, arguments)
        assert isinstance(result, CallToolResult) and result.is_error
        message = text_of(result)
        assert ONE_LINE.match(message) and needle in message, message
        assert message.split("]")[0] in ("[VALIDATION_ERROR", "[NOT_FOUND", "[FORBIDDEN"), message
    for failing in (
        session.read_resource("retail://schema/nope"),
        session.get_prompt("weekly_store_review", {}),
        session.get_prompt("sales_question", {"question": "q", "style": "epic"}),
    ):
        with pytest.raises(MCPError) as info:
            await failing
        assert ONE_LINE.match(str(info.value)), str(info.value)
        assert str(info.value).startswith("[VALIDATION_ERROR]")


async def test_sdk_client_over_streamable_http(pg: EmbeddedPostgres, tmp_path: Path) -> None:
    env = {**database_env(pg), "ZAVA_AUTH_MODE": "header"}
    with mcp_server(env, log=tmp_path / "server.log") as base:
        manager = str(stable_id("manager", "sm-leeds"))
        async with (
            httpx2.AsyncClient(headers={"x-rls-user-id": manager}, timeout=60) as http,
            streamable_http_client(f"{base}/mcp", http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await exercise(session, "store")
    log = (tmp_path / "server.log").read_text()
    assert "Terminating session" not in log
    assert " ERROR " not in log and "| ERROR" not in log, log[-2000:]


async def wait_for_line(path: Path, needle: str, deadline_s: float = 180) -> None:
    """Poll a log file until ``needle`` appears (or fail at the deadline)."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + deadline_s
    while needle not in await asyncio.to_thread(path.read_text):
        assert loop.time() < give_up, f"{needle!r} never appeared in {path}"
        await asyncio.sleep(0.1)


def printed_configs(env: dict[str, str], cwd: Path) -> list[dict[str, Any]]:
    """Run ``zava-mcp clients`` and parse the JSON documents it prints (between comments)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("ZAVA_")}
    full.update(env)
    out = subprocess.run(
        [sys.executable, "-m", "zava_mcp", "clients"],
        env=full,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    documents, current = [], []
    for line in [*out.splitlines(), "#"]:
        if line.startswith("#"):
            if current:
                documents.append(json.loads("\n".join(current)))
                current = []
        else:
            current.append(line)
    return documents


async def test_printed_stdio_entries_run_as_printed(pg: EmbeddedPostgres, tmp_path: Path) -> None:
    # a non-default port and data folder, as the user had: the entries must carry them
    env = {"ZAVA_EMBEDDED_PORT": str(pg.port), "ZAVA_DATA_DIR": str(pg.data_dir)}
    vscode, claude = printed_configs(env, cwd=tmp_path)
    assert set(vscode["servers"]) == set(claude["mcpServers"])
    levels = {"zava-store-manager": "store", "zava-regional-manager": "region"}
    levels["zava-head-office"] = "head_office"
    elsewhere = tmp_path / "client-cwd"  # a client starts servers from its own folder
    elsewhere.mkdir()
    for name, entry in claude["mcpServers"].items():
        assert Path(entry["command"]).is_absolute(), entry
        assert entry["env"]["ZAVA_EMBEDDED_PORT"] == str(pg.port)
        assert entry["env"]["ZAVA_DATA_DIR"] == str(pg.data_dir)
        params = StdioServerParameters(
            command=entry["command"], args=entry["args"], env=entry["env"], cwd=elsewhere
        )
        with (tmp_path / f"{name}.stderr").open("w") as errlog:
            async with (
                stdio_client(params, errlog=errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                if name == "zava-store-manager":
                    # the model loads in the background as the server starts, before any search
                    await wait_for_line(tmp_path / f"{name}.stderr", "embedding model")
                    await exercise(session, levels[name])
                else:
                    await session.initialize()
                    me = await session.call_tool("get_current_user_info", {})
                    assert isinstance(me, CallToolResult) and me.structured_content is not None
                    assert me.structured_content["access_level"] == levels[name]
        stderr = (tmp_path / f"{name}.stderr").read_text()
        assert "Traceback" not in stderr, stderr[-2000:]
