"""The audit trail as the tests read it: each call has a ``started`` row, written beside the
call and committed before it answers, and an outcome row (``ok`` or ``error``), written after
the answer (a call refused before its caller is known has only the outcome row)."""

from __future__ import annotations

import asyncpg

from tests.waiting import eventually


async def last_id(owner: asyncpg.Connection) -> int:
    return int(await owner.fetchval("select coalesce(max(id), 0) from audit.tool_calls"))


async def outcome_rows(owner: asyncpg.Connection, since: int) -> list[asyncpg.Record]:
    """The outcome rows appended after row ``since``, one per call, in call order (the order of
    their "started" rows: outcome rows are written after the answers, so a call that ended
    quickly may write its outcome before the previous call's)."""
    return list(
        await owner.fetch(
            "select o.* from audit.tool_calls as o left join audit.tool_calls as s "
            "on s.request_id = o.request_id and s.outcome = 'started' and s.id > $1 "
            "where o.id > $1 and o.outcome <> 'started' order by coalesce(s.id, o.id)",
            since,
        )
    )


async def started_rows(owner: asyncpg.Connection, since: int) -> list[asyncpg.Record]:
    return list(
        await owner.fetch(
            "select * from audit.tool_calls where id > $1 and outcome = 'started' order by id",
            since,
        )
    )


async def settled_outcomes(
    owner: asyncpg.Connection, since: int, calls: int
) -> list[asyncpg.Record]:
    """The outcome rows after ``since`` once there are ``calls`` of them (they are written after
    the answers, so a test that reads them while the server runs waits for them)."""

    async def enough() -> bool:
        return len(await outcome_rows(owner, since)) >= calls

    await eventually(enough, f"{calls} audit outcome rows")
    return await outcome_rows(owner, since)
