"""A per-identity TTL cache for query results, single-flight per key, safe for asyncio.

Row-level security makes every result depend on who asked, so every :class:`CacheKey` carries
the caller's identity and :func:`make_key` refuses to build one without it: a result computed for
one manager can never be served to another.

Concurrent callers of one key share one computation (it runs in a task of its own, so a caller
that is cancelled does not cancel it for the others); a computation that fails is not cached
and its exception reaches every caller waiting on it.

Across processes, the seed and the migrations bump a generation number in the database: feed
it to :meth:`QueryCache.clear_if_generation_changed` and the cache empties when it moves.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar, cast

from cachetools import TTLCache

from zava_mcp.identity import Identity
from zava_mcp.infra.metrics import Metrics

__all__ = ["ANONYMOUS", "CacheKey", "QueryCache", "make_key"]

T = TypeVar("T")

ANONYMOUS: Final = "anonymous"
"""The identity of callers bound to nobody (they see no tenant rows)."""

_MISSING: Final = object()


def _canonical_identity(identity: object) -> str:
    if identity is None:
        raise ValueError("a cache key needs the caller's identity")
    if isinstance(identity, Identity):
        return str(identity.manager_id)
    if isinstance(identity, uuid.UUID):
        return str(identity)
    if not isinstance(identity, str):
        raise ValueError(
            f"a cache key's identity must be a manager UUID or {ANONYMOUS!r}, "
            f"not {type(identity).__name__}"
        )
    text = identity.strip()
    if not text:
        raise ValueError("a cache key needs the caller's identity")
    if text == ANONYMOUS:
        return ANONYMOUS
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise ValueError(
            f"a cache key's identity must be a manager UUID or {ANONYMOUS!r}"
        ) from None


@dataclass(frozen=True, slots=True)
class CacheKey:
    """Who asked (canonical UUID text or ``"anonymous"``), what kind of result, and for what."""

    identity: str
    kind: str
    payload: str

    def __post_init__(self) -> None:
        # direct construction gets the same checks as make_key
        object.__setattr__(self, "identity", _canonical_identity(self.identity))
        if not isinstance(self.kind, str) or not self.kind:
            raise ValueError("a cache key needs a kind")
        if not isinstance(self.payload, str):
            raise ValueError("a cache key's payload must be a string")


def make_key(identity: str | uuid.UUID | Identity, kind: str, *parts: object) -> CacheKey:
    """The key for ``kind`` computed with ``parts`` for ``identity``.

    ``identity``: a manager UUID (text, :class:`uuid.UUID` or an ``Identity``) or
    ``"anonymous"``; missing, empty or anything else is a ``ValueError``. ``parts`` are encoded
    as canonical JSON, so ``("a,b",)`` and ``("a", "b")`` never collide; dicts are key-sorted and
    values JSON cannot encode are taken as ``str(value)``.
    """
    payload = json.dumps(
        list(parts), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return CacheKey(_canonical_identity(identity), kind, payload)


class QueryCache:
    """TTL + LRU cache of computed results with single-flight per key.

    ``cache_requests_total{cache=name, result}`` counts ``hit`` (served without running
    ``compute``: a cached value, or a computation already in flight) and ``miss`` (this caller
    ran ``compute``).
    """

    def __init__(
        self,
        *,
        ttl_s: float = 300,
        maxsize: int = 1024,
        metrics: Metrics | None = None,
        name: str = "query",
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_s <= 0:
            raise ValueError("ttl_s must be > 0")
        if maxsize < 1:
            raise ValueError("maxsize must be >= 1")
        self.name = name
        self.metrics = metrics
        self._cache: TTLCache[CacheKey, Any] = TTLCache(maxsize=maxsize, ttl=ttl_s, timer=timer)
        self._inflight: dict[CacheKey, asyncio.Task[Any]] = {}
        self._epoch = 0  # bumped by clear(): results computed before it are not stored
        self._generation: int | None = None

    def __len__(self) -> int:
        self._cache.expire()
        return len(self._cache)

    @property
    def generation(self) -> int | None:
        """The last generation passed to :meth:`clear_if_generation_changed`."""
        return self._generation

    async def get_or_compute(self, key: CacheKey, compute: Callable[[], Awaitable[T]]) -> T:
        """The cached value for ``key``, else the result of ``compute()`` (then cached)."""
        if not isinstance(key, CacheKey):
            raise TypeError("QueryCache keys must be built with make_key()")
        value = self._cache.get(key, _MISSING)
        if value is not _MISSING:
            self._count(hit=True)
            return cast(T, value)
        task = self._inflight.get(key)
        if task is None:
            self._count(hit=False)
            task = asyncio.ensure_future(self._compute(key, compute, self._epoch))
            self._inflight[key] = task
            task.add_done_callback(self._settled(key))
        else:
            self._count(hit=True)
        # shield: a caller that is cancelled leaves the computation running for the others
        return cast(T, await asyncio.shield(task))

    async def _compute(
        self, key: CacheKey, compute: Callable[[], Awaitable[Any]], epoch: int
    ) -> Any:
        value = await compute()
        if epoch == self._epoch:
            self._cache[key] = value
        return value

    def _settled(self, key: CacheKey) -> Callable[[asyncio.Task[Any]], None]:
        def done(task: asyncio.Task[Any]) -> None:
            if self._inflight.get(key) is task:
                del self._inflight[key]
            if not task.cancelled():
                task.exception()  # retrieved: no "exception was never retrieved" warning

        return done

    def clear(self) -> None:
        """Drop every entry; computations in flight finish for their callers but are not stored,
        and later callers start afresh."""
        self._epoch += 1
        self._cache.clear()
        self._inflight.clear()

    def clear_if_generation_changed(self, generation: int) -> bool:
        """Clear when ``generation`` differs from the last one seen (the first one seen counts
        as new); return whether the cache was cleared."""
        if generation == self._generation:
            return False
        self._generation = generation
        self.clear()
        return True

    def _count(self, *, hit: bool) -> None:
        if self.metrics is not None:
            self.metrics.record_cache(self.name, hit=hit)
