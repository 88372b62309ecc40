"""Closed-loop load: N concurrent callers, each asking its fixed sequence of questions.

Two ways to ask: MCP (one ``fastmcp.Client`` session per caller over streamable HTTP, reused for
every call) and direct (asyncpg as the application role, each statement in its own transaction
that binds the identity first, exactly as the server's unit of work does). Both are bounded by a
call count and a deadline.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport

from benchmarks.stats import summary
from benchmarks.workload import QUERIES, Caller, plan
from zava_mcp.db.pool import disable_asyncpg_jit_toggle
from zava_mcp.security.binding import signed_identity

#: the direct floor uses as many connections as one server's pool can hold (10 + 10 overflow)
DIRECT_POOL_MAX = 20


@dataclass
class LevelResult:
    mode: str
    clients: int
    latencies_ms: list[float] = field(default_factory=list)
    by_query_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    hit_time_cap: bool = False

    @property
    def calls(self) -> int:
        return len(self.latencies_ms)

    @property
    def calls_per_s(self) -> float:
        return self.calls / self.wall_s if self.wall_s > 0 else 0.0

    def record(self, query: str, ms: float) -> None:
        self.latencies_ms.append(ms)
        self.by_query_ms.setdefault(query, []).append(ms)

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(text[:300])

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "clients": self.clients,
            "calls": self.calls,
            "errors": self.errors,
            "error_samples": self.error_samples,
            "wall_s": round(self.wall_s, 3),
            "calls_per_s": round(self.calls_per_s, 2),
            "hit_time_cap": self.hit_time_cap,
            **summary(self.latencies_ms),
            "by_query_p50_ms": {
                q: summary(v)["p50_ms"] for q, v in sorted(self.by_query_ms.items())
            },
        }


CallFn = Callable[[int, str], Awaitable[str | None]]
"""Ask question ``name`` as client ``i``; returns an error text or ``None``."""


async def _drive(result: LevelResult, clients: int, calls: int, cap_s: float, call: CallFn) -> None:
    """Every client makes one untimed warm-up call, then its share of the timed calls."""
    per_client = max(1, calls // clients)
    await asyncio.gather(*(call(i, plan(i, 1)[0]) for i in range(clients)))
    deadline = time.monotonic() + cap_s

    async def worker(i: int) -> None:
        for name in plan(i + 1, per_client):
            if time.monotonic() >= deadline:
                result.hit_time_cap = True
                return
            began = time.perf_counter()
            failure = await call(i, name)
            ms = (time.perf_counter() - began) * 1000
            if failure is None:
                result.record(name, ms)
            else:
                result.error(failure)

    began = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(clients)))
    result.wall_s = time.perf_counter() - began


def mcp_transport(url: str, caller: Caller) -> StreamableHttpTransport:
    return StreamableHttpTransport(url, headers={"x-rls-user-id": str(caller.manager_id)})


async def mcp_level(
    url: str, people: list[Caller], clients: int, calls: int, cap_s: float
) -> LevelResult:
    """``clients`` MCP sessions (one per caller, opened before timing starts)."""
    result = LevelResult("mcp", clients)
    async with AsyncExitStack() as stack:
        opened: list[Client[Any]] = []
        gate = asyncio.Semaphore(32)

        async def open_one(i: int) -> Client[Any]:
            async with gate:
                client: Client[Any] = Client(mcp_transport(url, people[i % len(people)]))
                return await stack.enter_async_context(client)

        opened = list(await asyncio.gather(*(open_one(i) for i in range(clients))))

        async def call(i: int, name: str) -> str | None:
            try:
                out = await opened[i].call_tool_mcp(
                    "execute_sales_query", {"postgresql_query": QUERIES[name]}
                )
            except Exception as exc:
                return f"{type(exc).__name__}: {exc}"
            if out.is_error:
                return " ".join(getattr(c, "text", "") for c in out.content) or "tool error"
            return None

        await _drive(result, clients, calls, cap_s, call)
    return result


async def floor_level(url: str, clients: int, calls: int, cap_s: float) -> LevelResult:
    """``clients`` sessions calling the bare FastMCP server's no-op tool (see
    :mod:`benchmarks.floor`), paced like :func:`mcp_level`: the stack's own CPU per call."""
    result = LevelResult("floor", clients)
    async with AsyncExitStack() as stack:
        opened = [await stack.enter_async_context(Client(url)) for _ in range(clients)]

        async def call(i: int, _name: str) -> str | None:
            try:
                out = await opened[i].call_tool_mcp("ping", {})
            except Exception as exc:
                return f"{type(exc).__name__}: {exc}"
            return "tool error" if out.is_error else None

        await _drive(result, clients, calls, cap_s, call)
    return result


async def direct_pool(dsn: str, size: int) -> asyncpg.Pool:
    async def init(conn: asyncpg.Connection) -> None:
        disable_asyncpg_jit_toggle(conn)

    async def reset(conn: asyncpg.Connection) -> None:
        # asyncpg's default reset calls pg_advisory_unlock_all(), which the application role
        # may not run; every statement here is in a transaction that has already ended
        return None

    pool = await asyncpg.create_pool(
        dsn,
        min_size=size,
        max_size=size,
        init=init,
        reset=reset,
        server_settings={"application_name": "zava-bench-direct", "jit": "off"},
    )
    assert pool is not None
    return pool


async def run_bound(
    conn: asyncpg.Connection,
    manager_id: uuid.UUID,
    key: bytes,
    sql: str,
    *,
    serial: bool = False,
) -> list[Any]:
    """One statement in a READ ONLY transaction bound to ``manager_id`` signed with ``key``
    (like unit_of_work).

    ``serial`` turns parallel query off for the transaction.
    """
    async with conn.transaction(readonly=True):
        bind = f"SET LOCAL zava.manager_id = '{signed_identity(manager_id, key)}'"
        if serial:
            bind += "; SET LOCAL max_parallel_workers_per_gather = 0"
        await conn.execute(bind)
        return list(await conn.fetch(sql))


async def direct_level(
    dsn: str, key: bytes, people: list[Caller], clients: int, calls: int, cap_s: float
) -> LevelResult:
    """The floor: the same questions through asyncpg as the application role."""
    result = LevelResult("direct", clients)
    pool = await direct_pool(dsn, min(clients, DIRECT_POOL_MAX))
    try:

        async def call(i: int, name: str) -> str | None:
            try:
                async with pool.acquire() as conn:
                    who = people[i % len(people)]
                    await run_bound(conn, who.manager_id, key, QUERIES[name])
            except Exception as exc:
                return f"{type(exc).__name__}: {exc}"
            return None

        await _drive(result, clients, calls, cap_s, call)
    finally:
        await pool.close()
    return result
