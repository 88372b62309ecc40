"""Liveness and readiness: what a load balancer or orchestrator asks before sending traffic."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from zava_mcp.db.migrations import head_revision
from zava_mcp.db.queries import meta as meta_queries
from zava_mcp.db.session import Database
from zava_mcp.errors import ZavaError


async def readiness(db: Database | None) -> tuple[bool, dict[str, Any]]:
    """Each dependency with its status; ready only when the database is reachable and migrated."""
    checks: dict[str, Any] = {}
    if db is None:
        return False, {"database": {"ok": False, "error": "not started"}}
    started = time.perf_counter()
    try:
        async with db.unit_of_work(None) as conn:
            revision = await meta_queries.fetch_schema_revision(conn)
        expected = head_revision()
        checks["database"] = {
            "ok": True,
            "latency_ms": round((time.perf_counter() - started) * 1e3, 1),
        }
        checks["migrations"] = {
            "ok": revision == expected,
            "current": revision,
            "expected": expected,
        }
    except ZavaError as exc:
        checks["database"] = {"ok": False, "error": exc.error_code}
    ready = all(check.get("ok") for check in checks.values()) and "migrations" in checks
    return ready, checks


class ThrottledProbe:
    """A readiness check run at most once per ``min_interval_s``: callers in between get the
    last result, and concurrent callers share one run. A flood of probes costs the database one
    check a second, whatever the request rate."""

    def __init__(
        self,
        check: Callable[[], Awaitable[tuple[bool, dict[str, Any]]]],
        *,
        min_interval_s: float = 1.0,
    ) -> None:
        self._check = check
        self._interval = min_interval_s
        self._lock = asyncio.Lock()
        self._last: tuple[float, tuple[bool, dict[str, Any]]] | None = None
        self.runs = 0

    async def result(self) -> tuple[bool, dict[str, Any]]:
        async with self._lock:
            now = time.monotonic()
            if self._last is None or now - self._last[0] >= self._interval:
                self.runs += 1
                self._last = (now, await self._check())
            return self._last[1]
