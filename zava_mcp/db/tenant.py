"""The tenant handle: what a unit of work yields, and the only way the tenant path reaches the
database.

It runs on the pooled asyncpg connection directly (SQLAlchemy keeps the models, the migrations
and the pool): the reviewed SQL of :mod:`zava_mcp.db.queries` goes through :meth:`Tenant.fetch`
and friends, agent SQL only through :meth:`Tenant.run`, which takes a
:class:`~zava_mcp.db.guard.GuardedQuery` (a type only the guard can make), never a ``str``.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from asyncpg.prepared_stmt import PreparedStatement
from cachetools import LRUCache

from zava_mcp.db.guard import GuardedQuery
from zava_mcp.db.queries import agent
from zava_mcp.errors import DatabaseError

#: prepared agent statements kept per pooled connection, least recently used dropped first; each
#: holds a plan in its backend, so the count stays modest
STATEMENTS_PER_CONNECTION = 64

Statements = LRUCache[tuple[str, str], PreparedStatement]


def new_statements() -> Statements:
    return LRUCache(maxsize=STATEMENTS_PER_CONNECTION)


class Tenant:
    """One READ ONLY transaction bound to one caller, on one pooled connection."""

    __slots__ = ("_driver", "_open", "_statements")

    def __init__(self, driver: asyncpg.Connection, statements: Statements) -> None:
        self._driver = driver
        self._statements = statements
        self._open = True

    def close(self) -> None:
        """The unit of work has ended: the connection may already serve another caller, so
        nothing more runs through this handle (its kept statements included)."""
        self._open = False

    @property
    def driver(self) -> asyncpg.Connection:
        if not self._open:
            raise DatabaseError("this unit of work has ended; its connection is not yours")
        return self._driver

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """Rows of one reviewed statement (``$1``... parameters)."""
        return await self.driver.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        return await self.driver.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self.driver.fetchval(sql, *args)

    async def execute(self, sql: str) -> None:
        """Reviewed statements without parameters (``SET LOCAL ...``), in one simple-protocol
        message."""
        await self.driver.execute(sql)

    async def run(
        self,
        query: GuardedQuery,
        *,
        max_rows: int,
        max_cell_bytes: int,
        max_response_bytes: int,
        plan_key: str = "",
        timeout_s: float | None = None,
    ) -> agent.AgentResult:
        """Agent SQL the guard accepted, bounded (see :func:`zava_mcp.db.queries.agent.run`)."""
        return await agent.run(
            self,
            query,
            max_rows=max_rows,
            max_cell_bytes=max_cell_bytes,
            max_response_bytes=max_response_bytes,
            plan_key=plan_key,
            timeout_s=timeout_s,
        )

    async def prepared(self, sql: str, plan_key: str) -> PreparedStatement:
        """``sql`` prepared on this connection for ``plan_key``: kept from an earlier call, or
        prepared now.

        A kept statement describes the schema as it was when it was prepared; PostgreSQL refuses
        to run one whose result type has changed since (``InvalidCachedStatementError``), and
        :meth:`forget_statements` then drops them all. The pool's recycle time bounds their age.
        """
        driver = self.driver
        statement = self._statements.get((plan_key, sql))
        if statement is None:
            statement = await driver.prepare(sql)
            self._statements[(plan_key, sql)] = statement
        return statement

    def forget_statements(self) -> None:
        self._statements.clear()

    @property
    def kept_statements(self) -> int:
        """How many prepared statements this connection keeps (for tests and diagnostics)."""
        return len(self._statements)
