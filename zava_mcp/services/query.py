"""Agent-written SQL: guarded, then run read-only as the caller under RLS with hard limits."""

from __future__ import annotations

import asyncio
import re

from cachetools import LRUCache

from zava_mcp.db.guard import GuardedQuery, check_query
from zava_mcp.identity import Identity
from zava_mcp.services.base import ServiceContext
from zava_mcp.services.schemas import QueryResult

#: results of queries that read the clock or random numbers are never cached
VOLATILE = re.compile(
    r"\b(now|current_date|current_time|current_timestamp|localtime|localtimestamp|clock_"
    r"timestamp|statement_timestamp|transaction_timestamp|timeofday|random|gen_random_uuid)\b",
    re.IGNORECASE,
)


#: how long past the statement timeout the driver waits before cancelling from its side
CLIENT_TIMEOUT_GRACE_S = 2.0


class QueryService:
    """Runs one read-only statement for one caller."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        # sql text -> its accepted GuardedQuery (pure function of the text: safe to share)
        self._accepted: LRUCache[str, GuardedQuery] = LRUCache(maxsize=2048)

    async def guard(self, sql: str) -> GuardedQuery:
        """The SQL guard's verdict; accepted queries are remembered (agents repeat themselves)."""
        accepted = self._accepted.get(sql)
        if accepted is None:
            # the parser runs on a big-stack thread of its own; keep the event loop free
            accepted = await asyncio.to_thread(check_query, sql)
            self._accepted[sql] = accepted
        return accepted

    async def execute(self, *, identity: Identity, sql: str) -> QueryResult:
        """Check ``sql`` with the SQL guard, then run it as ``identity``; raises typed errors."""
        guarded = await self.guard(sql)
        if VOLATILE.search(guarded.sql):
            return await self._run(identity, guarded)
        return await self.ctx.cached(
            identity, "sql", (guarded.sql,), lambda: self._run(identity, guarded)
        )

    async def _run(self, identity: Identity, guarded: GuardedQuery) -> QueryResult:
        sql = guarded.sql
        limits = self.ctx.limits
        async with (
            self.ctx.track(sql, operation="agent_sql"),
            self.ctx.db.unit_of_work(
                identity,
                statement_timeout_ms=limits.statement_timeout_ms,
                lock_timeout_ms=limits.lock_timeout_ms,
            ) as conn,
        ):
            raw = await conn.run(
                guarded,
                max_rows=limits.max_rows,
                max_cell_bytes=limits.max_cell_bytes,
                max_response_bytes=limits.max_response_bytes,
                plan_key=str(identity.manager_id),
                timeout_s=limits.statement_timeout_ms / 1000 + CLIENT_TIMEOUT_GRACE_S,
            )
        return QueryResult(
            columns=raw.columns,
            column_types=raw.column_types,
            rows=raw.rows,
            row_count=len(raw.rows),
            truncated=raw.truncated,
            truncation_reasons=raw.truncation_reasons,
            note=truncation_note(raw.truncation_reasons, len(raw.rows)) if raw.truncated else None,
        )


def truncation_note(reasons: list[str], rows: int) -> str:
    """What a cut answer lacks and how to ask for one that fits (read by the model)."""
    return (
        f"Incomplete answer: only the first {rows} rows are here ({'; '.join(reasons)}), so "
        "totals, counts and rankings computed from these rows would be wrong. Aggregate in SQL "
        "(GROUP BY with sum/count/avg), filter with WHERE, or ask for fewer columns and an "
        "ORDER BY ... LIMIT for a top-N list."
    )
