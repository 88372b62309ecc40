"""QueryCache: per-identity keys, hits, TTL, single-flight, failures, generations."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import pytest

from zava_mcp.identity import Identity
from zava_mcp.infra.cache import ANONYMOUS, CacheKey, QueryCache, make_key
from zava_mcp.infra.metrics import Metrics

ALICE = "11111111-1111-4111-8111-111111111111"
BOB = "22222222-2222-4222-8222-222222222222"


class Counter:
    """A compute function that counts its calls and returns ``(tag, call number)``."""

    def __init__(self, tag: str = "v", *, gate: asyncio.Event | None = None) -> None:
        self.tag = tag
        self.calls = 0
        self.gate = gate
        #: set when a computation has begun (every caller queued before it has joined by then:
        #: asyncio runs ready tasks in order)
        self.started = asyncio.Event()

    def __call__(self) -> Callable[[], Awaitable[tuple[str, int]]]:
        async def compute() -> tuple[str, int]:
            self.calls += 1
            self.started.set()
            if self.gate is not None:
                await self.gate.wait()
            return (self.tag, self.calls)

        return compute


def cache_counts(metrics: Metrics, name: str = "query") -> tuple[float, float]:
    hit = metrics.registry.get_sample_value(
        "cache_requests_total", {"cache": name, "result": "hit"}
    )
    miss = metrics.registry.get_sample_value(
        "cache_requests_total", {"cache": name, "result": "miss"}
    )
    return (hit or 0.0, miss or 0.0)


class Clock:
    """A clock the test moves by hand: the cache's TTL without waiting for it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_second_call_is_a_hit() -> None:
    metrics = Metrics()
    cache = QueryCache(metrics=metrics, name="schema")
    compute = Counter()
    key = make_key(ALICE, "schema", ["orders", "stores"])
    assert await cache.get_or_compute(key, compute()) == ("v", 1)
    assert await cache.get_or_compute(key, compute()) == ("v", 1)
    assert compute.calls == 1
    assert cache_counts(metrics, "schema") == (1.0, 1.0)
    assert len(cache) == 1


async def test_identities_never_share_a_result() -> None:
    cache = QueryCache()
    computed: list[str] = []

    def for_(identity: str) -> Callable[[], Awaitable[str]]:
        async def compute() -> str:
            computed.append(identity)
            return f"rows visible to {identity}"

        return compute

    alice_key = make_key(ALICE, "sales", "store-1", "week")
    bob_key = make_key(BOB, "sales", "store-1", "week")
    assert alice_key.kind == bob_key.kind and alice_key.payload == bob_key.payload
    assert alice_key != bob_key
    alice = await cache.get_or_compute(alice_key, for_(ALICE))
    bob = await cache.get_or_compute(bob_key, for_(BOB))
    anonymous = await cache.get_or_compute(
        make_key(ANONYMOUS, "sales", "store-1", "week"), for_(ANONYMOUS)
    )
    assert computed == [ALICE, BOB, ANONYMOUS]
    assert len({alice, bob, anonymous}) == 3
    assert await cache.get_or_compute(bob_key, for_("nobody")) == bob


@pytest.mark.parametrize("identity", [None, "", "   ", "-", "manager 7", 42])
def test_a_key_cannot_omit_the_identity(identity: object) -> None:
    with pytest.raises(ValueError):
        make_key(identity, "sales", "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        CacheKey(identity, "sales", "[]")  # type: ignore[arg-type]


def test_key_identity_forms_and_payload_encoding() -> None:
    as_uuid = uuid.UUID(ALICE)
    forms: list[str | uuid.UUID | Identity] = [
        ALICE,
        ALICE.upper(),
        f" {ALICE} ",
        as_uuid,
        Identity(as_uuid),
    ]
    assert {make_key(form, "k", 1) for form in forms} == {CacheKey(ALICE, "k", "[1]")}
    assert make_key(ANONYMOUS, "k").identity == ANONYMOUS
    # parts are encoded, not joined: no collisions between different argument lists
    assert make_key(ALICE, "k", "a,b") != make_key(ALICE, "k", "a", "b")
    assert make_key(ALICE, "k", "1") != make_key(ALICE, "k", 1)
    assert make_key(ALICE, "k", {"b": 1, "a": 2}) == make_key(ALICE, "k", {"a": 2, "b": 1})
    assert make_key(ALICE, "a", "x") != make_key(ALICE, "b", "x")
    with pytest.raises(ValueError):
        make_key(ALICE, "")


async def test_entries_expire_after_the_ttl() -> None:
    clock = Clock()
    cache = QueryCache(ttl_s=30, timer=clock)
    compute = Counter()
    key = make_key(ALICE, "kind", "payload")
    assert await cache.get_or_compute(key, compute()) == ("v", 1)
    clock.now += 29.9
    assert await cache.get_or_compute(key, compute()) == ("v", 1)  # still fresh
    clock.now += 0.2
    assert await cache.get_or_compute(key, compute()) == ("v", 2)  # expired: computed again
    assert compute.calls == 2


async def test_lru_eviction_at_maxsize() -> None:
    cache = QueryCache(maxsize=2)
    compute = Counter()
    keys = [make_key(ALICE, "k", n) for n in range(3)]
    for key in keys:
        await cache.get_or_compute(key, compute())
    assert len(cache) == 2
    await cache.get_or_compute(keys[0], compute())  # evicted: computed again
    assert compute.calls == 4


async def test_concurrent_callers_share_one_computation() -> None:
    metrics = Metrics()
    cache = QueryCache(metrics=metrics)
    gate = asyncio.Event()
    compute = Counter(gate=gate)
    key = make_key(ALICE, "sales", "top-products")
    pending = [asyncio.ensure_future(cache.get_or_compute(key, compute())) for _ in range(10)]
    await compute.started.wait()
    assert compute.calls == 1
    gate.set()
    results = await asyncio.gather(*pending)
    assert results == [("v", 1)] * 10
    assert compute.calls == 1
    assert cache_counts(metrics) == (9.0, 1.0)
    assert await cache.get_or_compute(key, compute()) == ("v", 1)


async def test_a_failure_reaches_every_waiter_and_is_not_cached() -> None:
    cache = QueryCache()
    gate = asyncio.Event()
    started = asyncio.Event()
    calls = 0

    async def failing() -> str:
        nonlocal calls
        calls += 1
        started.set()
        await gate.wait()
        raise RuntimeError("database unavailable")

    key = make_key(BOB, "schema", "orders")
    pending = [asyncio.ensure_future(cache.get_or_compute(key, failing)) for _ in range(5)]
    await started.wait()
    gate.set()
    outcomes = await asyncio.gather(*pending, return_exceptions=True)
    assert calls == 1
    assert all(isinstance(o, RuntimeError) and str(o) == "database unavailable" for o in outcomes)
    assert len(cache) == 0

    async def working() -> str:
        return "schema"

    assert await cache.get_or_compute(key, working) == "schema"
    assert await cache.get_or_compute(key, failing) == "schema"
    assert calls == 1


async def test_a_cancelled_caller_does_not_cancel_the_others() -> None:
    cache = QueryCache()
    gate = asyncio.Event()
    compute = Counter(gate=gate)
    key = make_key(ALICE, "k", "p")
    first = asyncio.ensure_future(cache.get_or_compute(key, compute()))
    second = asyncio.ensure_future(cache.get_or_compute(key, compute()))
    await compute.started.wait()
    first.cancel()
    await asyncio.wait([first])  # the cancellation has landed before the computation ends
    assert not second.done()
    gate.set()
    assert await second == ("v", 1)
    assert first.cancelled()
    assert compute.calls == 1


async def test_clear_if_generation_changed() -> None:
    cache = QueryCache()
    compute = Counter()
    key = make_key(ALICE, "k", "p")
    assert cache.clear_if_generation_changed(1) is True  # the first generation seen
    await cache.get_or_compute(key, compute())
    assert cache.clear_if_generation_changed(1) is False
    assert await cache.get_or_compute(key, compute()) == ("v", 1)  # kept
    assert cache.clear_if_generation_changed(2) is True
    assert cache.generation == 2
    assert len(cache) == 0
    assert await cache.get_or_compute(key, compute()) == ("v", 2)


async def test_a_result_computed_across_a_clear_is_not_stored() -> None:
    cache = QueryCache()
    gate = asyncio.Event()
    compute = Counter(gate=gate)
    key = make_key(ALICE, "k", "p")
    pending = asyncio.ensure_future(cache.get_or_compute(key, compute()))
    await compute.started.wait()
    cache.clear()  # e.g. the data changed meanwhile
    gate.set()
    assert await pending == ("v", 1)  # its caller still gets it...
    assert len(cache) == 0  # ...but it is not cached
    assert await cache.get_or_compute(key, compute()) == ("v", 2)


async def test_keys_must_come_from_make_key() -> None:
    cache = QueryCache()

    async def compute() -> int:
        return 1

    with pytest.raises(TypeError):
        await cache.get_or_compute(("alice", "k", "p"), compute)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        QueryCache(ttl_s=0)
