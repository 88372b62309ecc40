"""Metrics (own registry, exposition, pool callback, endpoint) and the query monitor."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import prometheus_client
import pytest
from loguru import logger
from prometheus_client.parser import text_string_to_metric_families
from starlette.requests import Request

from zava_mcp.errors import QueryTimeoutError
from zava_mcp.infra.metrics import Metrics, metrics_endpoint
from zava_mcp.infra.querymon import QueryMonitor, query_hash

# --- metrics -----------------------------------------------------------------------------------


def samples(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of ``metrics.render()``, parsed back with prometheus' own parser."""
    body, _ = metrics.render()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body.decode("utf-8"))
        for sample in family.samples
    }


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return samples(metrics).get((name, frozenset(labels.items())))


def test_counters_and_histograms_move() -> None:
    metrics = Metrics()
    assert value(metrics, "tool_calls_total", tool="whoami", outcome="ok") is None
    metrics.record_tool_call("whoami", "ok", 0.004)
    metrics.record_tool_call("whoami", "ok", 0.2)
    metrics.record_tool_call("whoami", "error", 0.01)
    metrics.record_cache("query", hit=True)
    metrics.record_embedding("local", "ok", 0.05)
    metrics.audit_write_failures_total.inc()
    metrics.query_errors_total.labels(operation="sales", error_code="QUERY_TIMEOUT").inc()

    assert value(metrics, "tool_calls_total", tool="whoami", outcome="ok") == 2
    assert value(metrics, "tool_calls_total", tool="whoami", outcome="error") == 1
    assert value(metrics, "tool_duration_seconds_count", tool="whoami") == 3
    assert value(metrics, "tool_duration_seconds_bucket", tool="whoami", le="0.005") == 1
    assert value(metrics, "tool_duration_seconds_bucket", tool="whoami", le="0.001") == 0
    assert value(metrics, "tool_duration_seconds_bucket", tool="whoami", le="30.0") == 3
    assert value(metrics, "cache_requests_total", cache="query", result="hit") == 1
    assert value(metrics, "embedding_calls_total", provider="local", outcome="ok") == 1
    assert value(metrics, "embedding_duration_seconds_count", provider="local") == 1
    assert value(metrics, "audit_write_failures_total") == 1
    assert value(metrics, "query_errors_total", operation="sales", error_code="QUERY_TIMEOUT") == 1


def test_render_parses_and_names_every_metric() -> None:
    metrics = Metrics(version="9.9.9")
    body, content_type = metrics.render()
    assert content_type.startswith("text/plain")
    families = {f.name: f.type for f in text_string_to_metric_families(body.decode("utf-8"))}
    expected = {
        "tool_calls": "counter",
        "tool_duration_seconds": "histogram",
        "query_duration_seconds": "histogram",
        "slow_queries": "counter",
        "query_errors": "counter",
        "cache_requests": "counter",
        "embedding_calls": "counter",
        "embedding_duration_seconds": "histogram",
        "audit_write_failures": "counter",
        "build_info": "gauge",
    }
    assert expected.items() <= families.items()
    assert value(metrics, "build_info", version="9.9.9") == 1


def test_pool_gauges_come_from_the_callback_at_scrape_time() -> None:
    metrics = Metrics()
    assert value(metrics, "db_pool_size") is None  # no callback: no samples
    stats = {"size": 10.0, "checked_out": 3.0, "overflow": 1.0, "waiters": 2.0}
    calls = 0

    def pool() -> dict[str, float]:
        nonlocal calls
        calls += 1
        return dict(stats)

    metrics.set_pool_collector(pool)
    assert calls == 0  # read at scrape time, not when set
    assert value(metrics, "db_pool_size") == 10
    assert value(metrics, "db_pool_checked_out") == 3
    assert value(metrics, "db_pool_overflow") == 1
    assert value(metrics, "db_pool_waiters") == 2
    stats["checked_out"] = 7.0
    assert value(metrics, "db_pool_checked_out") == 7
    assert calls == 5  # once per scrape

    def broken() -> dict[str, float]:
        raise RuntimeError("pool gone")

    metrics.set_pool_collector(broken)
    assert value(metrics, "db_pool_size") is None
    assert value(metrics, "build_info", version=metrics_version()) == 1  # scrape still works
    metrics.set_pool_collector(None)
    assert value(metrics, "db_pool_size") is None


def metrics_version() -> str:
    from zava_mcp import __version__

    return __version__


def test_instances_are_independent_and_off_the_global_registry() -> None:
    first, second = Metrics(), Metrics()
    first.record_tool_call("whoami", "ok", 0.01)
    assert value(first, "tool_calls_total", tool="whoami", outcome="ok") == 1
    assert value(second, "tool_calls_total", tool="whoami", outcome="ok") is None
    assert first.registry is not second.registry
    global_value = prometheus_client.REGISTRY.get_sample_value(
        "tool_calls_total", {"tool": "whoami", "outcome": "ok"}
    )
    assert global_value is None


async def test_metrics_endpoint_serves_the_exposition() -> None:
    metrics = Metrics()
    metrics.record_tool_call("get_store_performance", "ok", 0.3)
    endpoint = metrics_endpoint(metrics)
    request = Request({"type": "http", "method": "GET", "path": "/metrics", "headers": []})
    response = await endpoint(request)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = bytes(response.body).decode("utf-8")
    assert 'tool_calls_total{outcome="ok",tool="get_store_performance"} 1.0' in text


@pytest.fixture
def warnings_logged() -> Iterator[list[dict[str, object]]]:
    """WARNING+ loguru records as (message, extra) dicts."""
    seen: list[dict[str, object]] = []
    sink = logger.add(
        lambda m: seen.append({"message": m.record["message"], **m.record["extra"]}),
        level="WARNING",
    )
    yield seen
    logger.remove(sink)


LONG_SQL = (
    "SELECT   s.store_name,\n       sum(oi.total_amount)  AS revenue\n"
    "  FROM retail.orders o /* password=hunter22 */\n"
    "  JOIN retail.order_items oi ON oi.order_id = o.order_id\n"
    "  JOIN retail.stores s ON s.store_id = o.store_id\n"
    " WHERE o.order_date >= date '2024-01-01'\n"
    " GROUP BY s.store_name ORDER BY revenue DESC LIMIT 10"
)


def test_query_hash_is_stable_and_whitespace_blind() -> None:
    digest = query_hash("select 1 from retail.stores")
    assert len(digest) == 16 and int(digest, 16) >= 0
    assert query_hash("select   1\n  from retail.stores ") == digest
    assert query_hash("select 2 from retail.stores") != digest


async def test_slow_query_is_logged_and_counted(warnings_logged: list[dict[str, object]]) -> None:
    metrics = Metrics()
    monitor = QueryMonitor(metrics, slow_threshold_s=0.01)
    async with monitor.track(LONG_SQL, operation="sales") as track:
        await asyncio.sleep(0.03)

    (entry,) = warnings_logged
    assert str(entry["message"]).startswith("slow query")
    assert entry["query_hash"] == query_hash(LONG_SQL) == track.query_hash
    assert entry["operation"] == "sales"
    # at least the time spent inside (no upper bound: a busy machine may take any longer)
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 20
    normalised = " ".join(LONG_SQL.split())
    assert len(normalised) > 200
    logged = str(entry["query"])
    assert len(logged) <= 200
    assert logged.startswith("SELECT s.store_name, sum(oi.total_amount) AS revenue FROM")
    assert "hunter22" not in logged
    assert "/* password=*** */" in logged
    assert track.slow and track.duration_s is not None
    assert value(metrics, "slow_queries_total", operation="sales") == 1
    assert value(metrics, "query_duration_seconds_count", operation="sales") == 1


async def test_fast_query_is_only_observed(warnings_logged: list[dict[str, object]]) -> None:
    metrics = Metrics()
    monitor = QueryMonitor(metrics, slow_threshold_s=5)
    async with monitor.track("select 1", operation="health"):
        pass
    assert warnings_logged == []
    assert value(metrics, "slow_queries_total", operation="health") is None
    assert value(metrics, "query_duration_seconds_count", operation="health") == 1


async def test_failed_query_reraises_and_counts(warnings_logged: list[dict[str, object]]) -> None:
    metrics = Metrics()
    monitor = QueryMonitor(metrics, slow_threshold_s=0.0)
    error = QueryTimeoutError("the query took too long and was cancelled")
    with pytest.raises(QueryTimeoutError) as raised:
        async with monitor.track("select pg_sleep(60)", operation="agent_sql"):
            raise error
    assert raised.value is error
    with pytest.raises(ZeroDivisionError):
        async with monitor.track("select 1/0", operation="agent_sql"):
            raise ZeroDivisionError("division by zero")

    assert [(e["message"], e["error_code"], e["query_hash"]) for e in warnings_logged] == [
        (
            f"query failed: agent_sql QUERY_TIMEOUT (hash {query_hash('select pg_sleep(60)')})",
            "QUERY_TIMEOUT",
            query_hash("select pg_sleep(60)"),
        ),
        (
            f"query failed: agent_sql ZeroDivisionError (hash {query_hash('select 1/0')})",
            "ZeroDivisionError",
            query_hash("select 1/0"),
        ),
    ]
    assert (
        value(metrics, "query_errors_total", operation="agent_sql", error_code="QUERY_TIMEOUT") == 1
    )
    assert (
        value(metrics, "query_errors_total", operation="agent_sql", error_code="ZeroDivisionError")
        == 1
    )
    # a failure is neither a measured duration nor a slow query
    assert value(metrics, "query_duration_seconds_count", operation="agent_sql") is None
    assert value(metrics, "slow_queries_total", operation="agent_sql") is None


async def test_cancellation_is_not_a_query_error(
    warnings_logged: list[dict[str, object]],
) -> None:
    metrics = Metrics()
    monitor = QueryMonitor(metrics, slow_threshold_s=0.0)

    inside = asyncio.Event()

    async def query() -> None:
        async with monitor.track("select pg_sleep(10)", operation="search"):
            inside.set()
            await asyncio.Event().wait()  # a query that never finishes on its own

    task = asyncio.ensure_future(query())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert warnings_logged == []
    assert not any(name == "query_errors_total" for name, _ in samples(metrics))


async def test_monitor_without_metrics_still_logs(
    warnings_logged: list[dict[str, object]],
) -> None:
    monitor = QueryMonitor(None, slow_threshold_s=0.0)
    async with monitor.track("select 1", operation="schema"):
        await asyncio.sleep(0.001)
    assert len(warnings_logged) == 1
    with pytest.raises(ValueError):
        QueryMonitor(None, slow_threshold_s=-1)
