"""Waiting for something to happen without guessing how long it takes: poll with a deadline.

The deadline is a guard against a hang, not a measurement: a busy machine may take far longer
than a quiet one, and a test passes as soon as the condition holds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import asyncpg

#: how long a condition may take to come true before the test gives up (a hang guard)
DEFAULT_DEADLINE_S = 60.0


async def eventually(
    check: Callable[[], Awaitable[bool]],
    what: str,
    *,
    deadline_s: float = DEFAULT_DEADLINE_S,
    every_s: float = 0.01,
) -> None:
    """Return once ``check()`` is true; fail the test with ``what`` if the deadline passes."""
    give_up = time.monotonic() + deadline_s
    while not await check():
        if time.monotonic() >= give_up:
            raise AssertionError(f"still waiting after {deadline_s:g}s for {what}")
        await asyncio.sleep(every_s)


async def backend_running(admin: asyncpg.Connection, pid: int, fragment: str) -> None:
    """Wait until backend ``pid`` is executing a statement that contains ``fragment``."""

    async def running() -> bool:
        row = await admin.fetchrow("select state, query from pg_stat_activity where pid = $1", pid)
        return row is not None and row["state"] == "active" and fragment in row["query"]

    await eventually(running, f"backend {pid} to run {fragment!r}")


async def backend_gone(admin: asyncpg.Connection, pid: int) -> None:
    """Wait until backend ``pid`` has exited (its socket is closed by then)."""

    async def gone() -> bool:
        return not await admin.fetchval("select 1 from pg_stat_activity where pid = $1", pid)

    await eventually(gone, f"backend {pid} to exit")
