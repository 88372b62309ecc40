"""Small walls with no database: the token-time policy, the throttled readiness probe, the
per-caller limits and the bounded audit arguments."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest

from zava_mcp.auth import token_time_problem
from zava_mcp.db.audit import MAX_ARGUMENTS_BYTES, canonical_arguments
from zava_mcp.errors import RateLimitedError
from zava_mcp.health import ThrottledProbe
from zava_mcp.identity import Identity
from zava_mcp.pipeline import CallerLimits

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("claims", "problem"),
    [
        ({"exp": NOW + 600, "iat": NOW}, None),
        ({"exp": NOW + 600}, None),
        ({"exp": NOW + 600, "iat": NOW + 30, "nbf": NOW + 30}, None),  # within the leeway
        ({"iat": NOW}, "no exp claim: tokens must expire"),
        ({"exp": NOW - 120, "iat": NOW - 700}, "expired"),
        ({"exp": NOW + 7200, "iat": NOW + 3600}, "issued in the future (iat)"),
        ({"exp": NOW + 7200, "nbf": NOW + 3600}, "not yet valid (nbf)"),
        ({"exp": NOW + 90_000, "iat": NOW}, "lives longer than the 86400 s the server accepts"),
        ({"exp": NOW + 90_000}, "lives longer than the 86400 s the server accepts"),
        ({"exp": "soon"}, "exp is not a number"),
        ({"exp": True}, "exp is not a number"),
    ],
)
def test_token_time_policy(claims: dict[str, Any], problem: str | None) -> None:
    assert token_time_problem(claims, now=NOW, leeway_s=60, max_lifetime_s=86_400) == problem


async def test_readiness_checks_the_database_at_most_once_a_second() -> None:
    runs = 0

    async def check() -> tuple[bool, dict[str, Any]]:
        nonlocal runs
        runs += 1
        return True, {"status": "ready"}

    probe = ThrottledProbe(check, min_interval_s=3600)
    results = await asyncio.gather(*(probe.result() for _ in range(500)))
    assert runs == 1 and probe.runs == 1
    assert all(r == (True, {"status": "ready"}) for r in results)


async def test_caller_limits_refuse_past_the_in_flight_limit_and_free_the_slot() -> None:
    limits = CallerLimits(in_flight=2, per_minute=0, queue_wait_s=0.01)
    alice, bob = Identity(uuid.uuid4()), Identity(uuid.uuid4())
    release = asyncio.Event()
    entered = asyncio.Event()
    inside = 0

    async def hold() -> None:
        nonlocal inside
        async with limits.slot(alice):
            inside += 1
            if inside == 2:
                entered.set()
            await release.wait()

    holders = [asyncio.create_task(hold()) for _ in range(2)]
    await entered.wait()
    with pytest.raises(RateLimitedError, match="2 calls of yours are already running"):
        async with limits.slot(alice):
            pass
    async with limits.slot(bob):  # another caller is not slowed
        pass
    release.set()
    await asyncio.gather(*holders)
    async with limits.slot(alice):  # the slots are free again
        pass


async def test_caller_limits_per_minute() -> None:
    limits = CallerLimits(in_flight=0, per_minute=3, queue_wait_s=0)
    alice = Identity(uuid.uuid4())
    for _ in range(3):
        async with limits.slot(alice):
            pass
    with pytest.raises(RateLimitedError) as info:
        async with limits.slot(alice):
            pass
    assert "more than 3 calls in a minute" in info.value.message
    assert 0 < info.value.retry_after_s <= 60


@pytest.mark.parametrize(
    "arguments",
    [
        {"q": "x" * 1_000_000},
        {"q": [["y" * 100_000] * 7] * 5},
        {"q": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}}},
        {f"k{i}": i for i in range(10_000)},
        {"nul\x00key": "nul\x00value"},
    ],
)
def test_audit_arguments_are_bounded(arguments: dict[str, Any]) -> None:
    stored, digest = canonical_arguments(arguments)
    text = json.dumps(stored, ensure_ascii=False)
    assert len(text.encode()) <= MAX_ARGUMENTS_BYTES + 200
    assert "\x00" not in text and "\\u0000" not in text
    assert len(digest) == 64
    assert canonical_arguments(arguments)[1] == digest
