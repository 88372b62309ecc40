"""Prometheus metrics on a registry of their own.

:class:`Metrics` builds every metric on a fresh :class:`~prometheus_client.CollectorRegistry`
(never the global one), so tests and several servers in one process do not clash; nothing is
created at import time. :func:`metrics_endpoint` serves them from Starlette (a FastMCP custom
route).

Labels are bounded: tool names, operations, error codes, provider and cache names. Never put an
identity, a request id or SQL text in a label.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Awaitable, Callable, Iterator

from loguru import logger
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

__all__ = [
    "DURATION_BUCKETS",
    "POOL_GAUGES",
    "Metrics",
    "metrics_endpoint",
]

DURATION_BUCKETS: tuple[float, ...] = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    20.0,
    30.0,
)
"""Seconds: 1 ms to 30 s (statement and tool timeouts sit inside this range)."""

POOL_GAUGES: dict[str, str] = {
    "size": "db_pool_size",
    "checked_out": "db_pool_checked_out",
    "overflow": "db_pool_overflow",
    "waiters": "db_pool_waiters",
}
"""Keys of the pool callback's dict, and the gauge each one feeds."""

_POOL_HELP = {
    "db_pool_size": "Configured size of the database connection pool",
    "db_pool_checked_out": "Database connections currently checked out of the pool",
    "db_pool_overflow": "Database connections open beyond the pool size",
    "db_pool_waiters": "Tasks waiting for a database connection",
}

PoolStats = Callable[[], dict[str, float]]


class PoolCollector(Collector):
    """Pool gauges read at scrape time from a callback (``None``: no samples)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callback: PoolStats | None = None

    def set_callback(self, fn: PoolStats | None) -> None:
        with self._lock:
            self._callback = fn

    def describe(self) -> Iterator[Metric]:
        for name in POOL_GAUGES.values():
            yield GaugeMetricFamily(name, _POOL_HELP[name])

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            callback = self._callback
        if callback is None:
            return
        try:
            stats = callback()
        except Exception as exc:
            # a broken callback must not break the scrape
            logger.warning("pool metrics callback failed: {}", type(exc).__name__)
            return
        for key, name in POOL_GAUGES.items():
            value = stats.get(key, stats.get(name))
            if value is None:
                continue
            family = GaugeMetricFamily(name, _POOL_HELP[name])
            family.add_metric([], float(value))
            yield family


class Metrics:
    """Every metric the server exports, on its own registry.

    The metric objects are public attributes (``metrics.tool_calls_total.labels(tool=...,
    outcome=...).inc()``); the ``record_*`` helpers cover the common cases.
    """

    def __init__(self, *, version: str | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry

        self.tool_calls_total = Counter(
            "tool_calls_total", "MCP tool calls", ["tool", "outcome"], registry=r
        )
        self.tool_duration_seconds = Histogram(
            "tool_duration_seconds",
            "MCP tool call duration",
            ["tool"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.query_duration_seconds = Histogram(
            "query_duration_seconds",
            "Database query duration (successful queries)",
            ["operation"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.slow_queries_total = Counter(
            "slow_queries_total",
            "Queries slower than the slow-query threshold",
            ["operation"],
            registry=r,
        )
        self.query_errors_total = Counter(
            "query_errors_total",
            "Failed database queries",
            ["operation", "error_code"],
            registry=r,
        )
        self.cache_requests_total = Counter(
            "cache_requests_total", "Cache lookups", ["cache", "result"], registry=r
        )
        self.embedding_calls_total = Counter(
            "embedding_calls_total",
            "Embedding provider calls",
            ["provider", "outcome"],
            registry=r,
        )
        self.embedding_duration_seconds = Histogram(
            "embedding_duration_seconds",
            "Embedding provider call duration",
            ["provider"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.audit_write_failures_total = Counter(
            "audit_write_failures_total",
            "Tool calls whose audit row could not be written",
            registry=r,
        )
        self.build_info = Gauge(
            "build_info", "Build information (always 1)", ["version"], registry=r
        )
        self.build_info.labels(version=version or _package_version()).set(1)

        self._pool = PoolCollector()
        r.register(self._pool)

    # --- helpers -----------------------------------------------------------------------------

    def set_pool_collector(self, fn: PoolStats | None) -> None:
        """Read the pool gauges from ``fn`` at each scrape (``None`` stops reporting them).

        ``fn`` returns a dict with any of ``size``, ``checked_out``, ``overflow``, ``waiters``
        (or the full gauge names); missing keys are left out. It runs in the scraping request,
        so it must be quick and must not do I/O (``Database.pool_stats`` is one).
        """
        self._pool.set_callback(fn)

    def record_tool_call(self, tool: str, outcome: str, duration_s: float) -> None:
        self.tool_calls_total.labels(tool=tool, outcome=outcome).inc()
        self.tool_duration_seconds.labels(tool=tool).observe(duration_s)

    def record_embedding(self, provider: str, outcome: str, duration_s: float) -> None:
        self.embedding_calls_total.labels(provider=provider, outcome=outcome).inc()
        self.embedding_duration_seconds.labels(provider=provider).observe(duration_s)

    def record_cache(self, cache: str, *, hit: bool) -> None:
        self.cache_requests_total.labels(cache=cache, result="hit" if hit else "miss").inc()

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def metrics_endpoint(
    metrics: Metrics, *, token: str | None = None
) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint serving ``metrics`` (mount it with ``mcp.custom_route``).

    With ``token``, only a request carrying ``Authorization: Bearer <token>`` is served.
    """
    expected = f"Bearer {token}".encode() if token else None

    async def endpoint(request: Request) -> Response:
        if expected is not None:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return Response(
                    "metrics need the bearer token set in ZAVA_METRICS_TOKEN\n",
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer", "Cache-Control": "no-store"},
                )
        body, content_type = metrics.render()
        return Response(body, headers={"Content-Type": content_type, "Cache-Control": "no-store"})

    return endpoint


def _package_version() -> str:
    from zava_mcp import __version__

    return __version__
