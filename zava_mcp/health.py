"""Liveness and readiness: what a load balancer or orchestrator asks before sending traffic."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from zava_mcp.db.migrations import head_revision
from zava_mcp.db.queries import meta as meta_queries
from zava_mcp.db.session import Database
from zava_mcp.errors import ZavaError

if TYPE_CHECKING:
    from zava_mcp.app import Services


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


async def server_readiness(services: Services | None) -> tuple[bool, dict[str, Any]]:
    """The server's /readyz answer: the primary, the read replica when there is one, and
    whether the embedding model is loaded yet."""
    if services is None:
        ready, checks = await readiness(None)
        return ready, {"status": "not ready", "checks": checks}
    ready, checks = await readiness(services.db)
    checks["embedder"] = {
        "ok": True,
        "model": services.embedder.model_name,
        "loaded": bool(getattr(services.embedder, "loaded", True)),
        # the background warm-up (model load, ONNX export) is over: timings are steady from here
        "warm": bool(getattr(services.embedder, "warmed", True)),
        # local model: onnx once the single-query fast path is built, torch before or without it
        "runtime": getattr(services.embedder, "runtime", None),
    }
    if services.replica is not None:
        replica_ready, replica_checks = await readiness(services.replica)
        checks["read_replica"] = {"ok": replica_ready, **replica_checks.get("database", {})}
        ready = ready and replica_ready
    return ready, {"status": "ready" if ready else "not ready", "checks": checks}
