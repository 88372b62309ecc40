"""Query performance monitor: times each query, logs slow and failed ones, feeds the metrics.

Usage::

    async with monitor.track(sql, operation="agent_sql"):
        rows = await conn.execute(...)

A query that finishes is observed in ``query_duration_seconds{operation}``; one slower than the
threshold is also logged (WARNING ``slow query``) and counted in ``slow_queries_total``. A query
that raises is logged (WARNING ``query failed``), counted in ``query_errors_total{operation,
error_code}`` and the exception propagates unchanged. Cancellation is neither an error nor a
measurement: it propagates untouched.

Logged SQL is whitespace-collapsed, redacted and cut to :data:`LOGGED_SQL_CHARS` characters;
:func:`query_hash` identifies a statement across log lines without repeating it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Final, Literal

from loguru import logger

from zava_mcp.infra.logging import redact
from zava_mcp.infra.metrics import Metrics

__all__ = ["LOGGED_SQL_CHARS", "Operation", "QueryMonitor", "QueryTrack", "query_hash"]

LOGGED_SQL_CHARS: Final = 200
"""How much of a slow query's text goes into its log line."""

Operation = Literal["agent_sql", "schema", "sales", "identity", "search", "audit", "health"]
"""The operation names callers use (a metric label: keep the set small)."""


def _normalise(sql: str) -> str:
    return " ".join(sql.split())


def query_hash(sql: str) -> str:
    """A stable id for ``sql``: sha256 of its whitespace-collapsed text, first 16 hex digits."""
    return hashlib.sha256(_normalise(sql).encode("utf-8")).hexdigest()[:16]


@dataclass
class QueryTrack:
    """What :meth:`QueryMonitor.track` yields; ``duration_s`` is set when the block ends."""

    query_hash: str
    operation: str
    duration_s: float | None = None
    slow: bool = False


def error_code_of(exc: BaseException) -> str:
    """The exception's ``error_code`` attribute if it has one, else its class name."""
    code = getattr(exc, "error_code", None)
    if isinstance(code, str) and code:
        return code[:64]
    return type(exc).__name__


class QueryMonitor:
    """Times queries; ``metrics`` may be ``None`` (logging only)."""

    def __init__(self, metrics: Metrics | None, *, slow_threshold_s: float = 1.0) -> None:
        if slow_threshold_s < 0:
            raise ValueError("slow_threshold_s must be >= 0")
        self.metrics = metrics
        self.slow_threshold_s = slow_threshold_s

    @asynccontextmanager
    async def track(self, sql: str, *, operation: str) -> AsyncIterator[QueryTrack]:
        """Time the block that runs ``sql`` (see the module docstring)."""
        track = QueryTrack(query_hash=query_hash(sql), operation=operation)
        started = time.perf_counter()
        try:
            yield track
        except Exception as exc:
            track.duration_s = time.perf_counter() - started
            self._failed(track, exc)
            raise
        track.duration_s = elapsed = time.perf_counter() - started
        if self.metrics is not None:
            self.metrics.query_duration_seconds.labels(operation=operation).observe(elapsed)
        if elapsed > self.slow_threshold_s:
            track.slow = True
            self._slow(track, sql)

    def _slow(self, track: QueryTrack, sql: str) -> None:
        assert track.duration_s is not None
        duration_ms = round(track.duration_s * 1000, 1)
        # redact the whole statement before cutting it, so no secret is split past the mask
        text = redact(_normalise(sql))[:LOGGED_SQL_CHARS]
        logger.bind(
            query_hash=track.query_hash,
            duration_ms=duration_ms,
            operation=track.operation,
            query=text,
        ).warning(
            "slow query: {} took {:.0f} ms (hash {})",
            track.operation,
            duration_ms,
            track.query_hash,
        )
        if self.metrics is not None:
            self.metrics.slow_queries_total.labels(operation=track.operation).inc()

    def _failed(self, track: QueryTrack, exc: Exception) -> None:
        assert track.duration_s is not None
        code = error_code_of(exc)
        duration_ms = round(track.duration_s * 1000, 1)
        logger.bind(
            query_hash=track.query_hash,
            duration_ms=duration_ms,
            operation=track.operation,
            error_code=code,
        ).warning("query failed: {} {} (hash {})", track.operation, code, track.query_hash)
        if self.metrics is not None:
            self.metrics.query_errors_total.labels(operation=track.operation, error_code=code).inc()
