"""What every service gets: the tenant-bound database, limits, the result cache and monitor."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from zava_mcp.db.session import Database
from zava_mcp.identity import Identity
from zava_mcp.infra.cache import QueryCache, make_key
from zava_mcp.infra.querymon import QueryMonitor
from zava_mcp.infra.settings import LimitSettings

T = TypeVar("T")


# the services take their part of the settings tree whole (the name predates the tree)
Limits = LimitSettings


@dataclass(frozen=True)
class ServiceContext:
    db: Database
    limits: Limits
    cache: QueryCache | None = None
    monitor: QueryMonitor | None = None

    async def cached(
        self,
        identity: Identity,
        kind: str,
        parts: tuple[Any, ...],
        compute: Callable[[], Awaitable[T]],
    ) -> T:
        """``compute()``, or its cached result for this identity (keys always carry it)."""
        if self.cache is None:
            return await compute()
        return await self.cache.get_or_compute(make_key(identity, kind, *parts), compute)

    @contextlib.asynccontextmanager
    async def track(self, sql: str, *, operation: str) -> AsyncIterator[None]:
        """Time a query for the slow-query log and metrics (typed errors pass through)."""
        if self.monitor is None:
            yield
            return
        async with self.monitor.track(sql, operation=operation):
            yield
