"""Agent-written SQL: guarded, then run read-only as the caller under RLS with hard limits."""

from __future__ import annotations

import asyncio

from zava_mcp.db import queries
from zava_mcp.db.guard import check_query
from zava_mcp.db.identity import Identity
from zava_mcp.services.base import ServiceContext
from zava_mcp.services.schemas import QueryResult


class QueryService:
    """Runs one read-only statement for one caller."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def execute(self, *, identity: Identity, sql: str) -> QueryResult:
        """Check ``sql`` with the SQL guard, then run it as ``identity``; raises typed errors."""
        # the parser runs on a big-stack thread of its own; keep the event loop free meanwhile
        guarded = await asyncio.to_thread(check_query, sql)
        limits = self.ctx.limits
        async with self.ctx.db.unit_of_work(
            identity,
            statement_timeout_ms=limits.statement_timeout_ms,
            lock_timeout_ms=limits.lock_timeout_ms,
        ) as conn:
            raw = await queries.run_read_query(
                conn,
                guarded.sql,
                max_rows=limits.max_rows,
                max_cell_bytes=limits.max_cell_bytes,
                max_response_bytes=limits.max_response_bytes,
            )
        return QueryResult(
            columns=raw.columns,
            column_types=raw.column_types,
            rows=raw.rows,
            row_count=len(raw.rows),
            truncated=raw.truncated,
            truncation_reasons=raw.truncation_reasons,
        )
