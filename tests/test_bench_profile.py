"""The profile step's stack classifier (scripts/benchmarks/stacks.py): hand-written py-spy
stacks, no server and no database."""

from __future__ import annotations

import pytest
from benchmarks.stacks import CATEGORIES, Breakdown, Frame, classify, package_path, parse_line

#: the main thread's frames down to the event loop, as py-spy writes them for zava-mcp serve
LOOP = (
    "<module> (zava_mcp/__main__.py:3);main (zava_mcp/cli.py:304);serve (zava_mcp/cli.py:107);"
    "run (uvicorn/main.py:632);Server.run (uvicorn/server.py:86);"
    "Runner.run (asyncio/runners.py:118)"
)
REQUEST = (
    f"{LOOP};RequestResponseCycle.run_asgi (uvicorn/protocols/http/httptools_impl.py:422);"
    "Starlette.__call__ (starlette/applications.py:96);"
    "StreamableHTTPSessionManager.handle_request (mcp/server/streamable_http_manager.py:140);"
    "FastMCP.call_tool (fastmcp/server/server.py:900)"
)
PIPELINE = (
    f"{REQUEST};CallPipeline.on_call_tool (zava_mcp/pipeline.py:211);"
    "CallPipeline._serve (zava_mcp/pipeline.py:272)"
)
TOOL = (
    f"{PIPELINE};FunctionTool.run (fastmcp/tools/function_tool.py:450);"
    "execute_sales_query (zava_mcp/tools/sales.py:45);"
    "QueryService.execute (zava_mcp/services/query.py:50)"
)


def category(stack: str) -> str:
    parsed = parse_line(f"{stack} 1")
    assert parsed is not None
    return classify(parsed[0])


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        # the audit append's INSERT is the audit's, though asyncpg is nearer the leaf
        (
            f"{LOOP};AuditTrail._write (zava_mcp/db/audit.py:170);"
            "record (zava_mcp/db/audit.py:133);"
            "Connection._do_execute (asyncpg/connection.py:1900)",
            "audit",
        ),
        # loguru's JSON is logging's, not serialization
        (
            f"{PIPELINE};Logger.info (loguru/_logger.py:2000);dumps (json/__init__.py:231)",
            "logging",
        ),
        (
            f"{PIPELINE};Metrics.record_tool_call (zava_mcp/infra/metrics.py:80);"
            "MetricWrapperBase.labels (prometheus_client/metrics.py:190)",
            "metrics",
        ),
        (
            "Thread.run (threading.py:982);check_query (zava_mcp/db/guard.py:60);"
            "parse_sql (pglast/parser.py:10)",
            "guard",
        ),
        # the cache encloses the query it computes: the query is not the cache's cost
        (
            f"{TOOL};QueryCache.get_or_compute (zava_mcp/infra/cache.py:140);"
            "QueryService._run (zava_mcp/services/query.py:60);"
            "PreparedStatement.fetch (asyncpg/prepared_stmt.py:170)",
            "query+transaction",
        ),
        (f"{TOOL};QueryCache.get_or_compute (zava_mcp/infra/cache.py:140)", "cache"),
        # _shape_row is in zava_mcp/db/queries/ (a query rule) but conversion comes first
        (
            f"{TOOL};run (zava_mcp/db/queries/agent.py:170);"
            "_shape_row (zava_mcp/db/queries/agent.py:200);"
            "jsonable (zava_mcp/db/queries/agent.py:35)",
            "conversion",
        ),
        (
            f"{TOOL};Database.unit_of_work (zava_mcp/db/session.py:223);"
            "AsyncRetrying.__anext__ (tenacity/asyncio/__init__.py:199)",
            "query+transaction",
        ),
        (
            f"{REQUEST};_validate_input (fastmcp/tools/function_tool.py:192);"
            "TypeAdapter.validate_python (pydantic/type_adapter.py:400)",
            "validation",
        ),
        (
            f"{REQUEST};serialize_server_result (mcp_types/methods.py:50);"
            "JSONEncoder.iterencode (json/encoder.py:250)",
            "serialization",
        ),
        (f"{PIPELINE};CallerLimits.slot (zava_mcp/pipeline.py:160)", "zava pipeline+services"),
        (REQUEST, "FastMCP/MCP"),
        (
            f"{LOOP};RequestResponseCycle.send (uvicorn/protocols/http/httptools_impl.py:500)",
            "HTTP transport",
        ),
        # C code under the loop (uvloop, asyncpg's protocol, httptools) has no frame of its own
        (LOOP, "event loop"),
        (f"{LOOP};current_task (asyncio/tasks.py:40)", "event loop"),
        ("Thread.run (threading.py:982);something (somewhere/else.py:1)", "other"),
    ],
)
def test_each_stack_lands_in_its_category(stack: str, expected: str) -> None:
    assert expected in CATEGORIES
    assert category(stack) == expected


def test_a_package_is_matched_from_its_top_only() -> None:
    # tenacity's own asyncio module is not the event loop, fastmcp/ is not mcp/
    assert (
        category(
            "Thread.run (threading.py:982);AsyncRetrying.iter (tenacity/asyncio/__init__.py:1)"
        )
        == "other"
    )
    assert not Frame("f", "fastmcp/server/server.py").under("mcp/")
    assert package_path("/usr/lib/python3.11/asyncio/tasks.py") == "asyncio/tasks.py"
    assert (
        package_path("/v/lib/python3.11/site-packages/mcp/server/lowlevel.py")
        == "mcp/server/lowlevel.py"
    )
    assert package_path("/work/checkout/zava_mcp/pipeline.py") == "zava_mcp/pipeline.py"


def test_an_empty_stack_is_native_code() -> None:
    assert parse_line(" 7") == ([], 7)
    assert classify([]) == "native"
    assert parse_line("\n") is None


def test_breakdown_shares_the_cpu_per_call_and_counts_zava_functions_inclusively() -> None:
    raw = "\n".join(
        [
            f"{TOOL};PreparedStatement.fetch (asyncpg/prepared_stmt.py:170) 6",
            f"{PIPELINE};CallerLimits.slot (zava_mcp/pipeline.py:160) 2",
            f"{LOOP} 2",
            "",
        ]
    )
    data = Breakdown.of(raw).to_json(2.0)
    assert data["samples"] == 10
    categories = data["categories"]
    assert isinstance(categories, dict)
    assert categories["query+transaction"] == {"samples": 6, "share_pct": 60.0, "ms_per_call": 1.2}
    assert categories["event loop"]["ms_per_call"] == 0.4
    assert sum(c["samples"] for c in categories.values()) == 10
    top = data["top_zava_functions"]
    assert isinstance(top, list)
    by_function = {t["function"]: (t["samples"], t["inclusive_pct"]) for t in top}
    # _serve is on 8 of the 10 stacks, the tool on 6; the entry point (cli.py), on all, is out
    assert by_function["zava_mcp/pipeline.py:CallPipeline._serve"] == (8, 80.0)
    assert by_function["zava_mcp/tools/sales.py:execute_sales_query"] == (6, 60.0)
    assert top[0]["samples"] == 8
    assert not any(name.startswith("zava_mcp/cli.py") for name in by_function)
