"""Liveness and readiness: what a load balancer or orchestrator asks before sending traffic."""

from __future__ import annotations

import time
from typing import Any

from zava_mcp.db import queries
from zava_mcp.db.migrations import head_revision
from zava_mcp.db.session import Database
from zava_mcp.errors import MCPError


async def readiness(db: Database | None) -> tuple[bool, dict[str, Any]]:
    """Each dependency with its status; ready only when the database is reachable and migrated."""
    checks: dict[str, Any] = {}
    if db is None:
        return False, {"database": {"ok": False, "error": "not started"}}
    started = time.perf_counter()
    try:
        async with db.unit_of_work(None) as conn:
            revision = await queries.fetch_schema_revision(conn)
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
    except MCPError as exc:
        checks["database"] = {"ok": False, "error": exc.error_code}
    ready = all(check.get("ok") for check in checks.values()) and "migrations" in checks
    return ready, checks
