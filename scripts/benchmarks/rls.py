"""What Row Level Security costs: head office's questions under RLS against the owner's.

Both run direct over asyncpg, sequentially, in the same transaction shape (READ ONLY, identity
bound with ``SET LOCAL``). The application role goes through every policy; the owner has
BYPASSRLS, so the same statements run without them. Repetitions alternate which goes first.

Measured twice: as configured (the headline figure), and with parallel query off for both, which
isolates the cost of evaluating the policies from plan-shape differences (the policies' helper
functions are PARALLEL UNSAFE, so RLS plans never use parallel workers).
"""

from __future__ import annotations

import time
from typing import Any

import asyncpg

from benchmarks import output
from benchmarks.context import Context
from benchmarks.load import run_bound
from benchmarks.stats import median, summary
from benchmarks.workload import QUERIES, Caller, head_office
from zava_mcp.db.pool import disable_asyncpg_jit_toggle

Timings = dict[str, dict[str, list[float]]]


async def _connect(dsn: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(
        dsn, server_settings={"application_name": "zava-bench-rls", "jit": "off"}
    )
    disable_asyncpg_jit_toggle(conn)
    return conn


async def _compare(
    rls: asyncpg.Connection,
    owner: asyncpg.Connection,
    who: Caller,
    key: bytes,
    repetitions: int,
    cap_s: float,
    *,
    serial: bool,
) -> tuple[Timings, dict[str, dict[str, int]], int]:
    timings: Timings = {"rls": {q: [] for q in QUERIES}, "owner": {q: [] for q in QUERIES}}
    rows: dict[str, dict[str, int]] = {"rls": {}, "owner": {}}
    for conn in (rls, owner):  # warm-up: plans, caches
        for sql in QUERIES.values():
            await run_bound(conn, who.manager_id, key, sql, serial=serial)
    deadline = time.monotonic() + cap_s
    done = 0
    for rep in range(repetitions):
        if time.monotonic() >= deadline:
            output.warn(f"rls_overhead: time cap hit after {done} repetitions")
            break
        order = (("rls", rls), ("owner", owner))
        for label, conn in order if rep % 2 == 0 else tuple(reversed(order)):
            for name, sql in QUERIES.items():
                began = time.perf_counter()
                got = await run_bound(conn, who.manager_id, key, sql, serial=serial)
                timings[label][name].append((time.perf_counter() - began) * 1000)
                rows[label][name] = len(got)
        done += 1
    return timings, rows, done


def _per_query(
    timings: Timings, rows: dict[str, dict[str, int]]
) -> tuple[dict[str, dict[str, Any]], float, float]:
    per_query: dict[str, dict[str, Any]] = {}
    total_rls = total_owner = 0.0
    for name in QUERIES:
        m_rls, m_owner = median(timings["rls"][name]), median(timings["owner"][name])
        total_rls += m_rls
        total_owner += m_owner
        per_query[name] = {
            "rls_p50_ms": round(m_rls, 3),
            "owner_p50_ms": round(m_owner, 3),
            "overhead_pct": round((m_rls / m_owner - 1) * 100, 1) if m_owner else None,
            "rows_rls": rows["rls"].get(name),
            "rows_owner": rows["owner"].get(name),
        }
    return per_query, total_rls, total_owner


def _pct(a: float, b: float) -> float | None:
    return round((a / b - 1) * 100, 2) if b else None


async def rls_overhead(ctx: Context) -> dict[str, Any]:
    counts = ctx.config.counts
    who = head_office()
    key = await ctx.identity_key()
    rls = await _connect(ctx.app_dsn)
    owner = await _connect(ctx.admin_dsn)
    try:
        with output.step(
            f"rls_overhead: {len(QUERIES)} queries x {counts.rls_repetitions} repetitions, "
            "app role (RLS) vs owner (BYPASSRLS)"
        ):
            timings, rows, done = await _compare(
                rls, owner, who, key, counts.rls_repetitions, counts.rls_cap_s, serial=False
            )
        per_query, total_rls, total_owner = _per_query(timings, rows)
        for name, data in per_query.items():
            output.say(
                f"  {name:<18} RLS {data['rls_p50_ms']:8.2f} ms  owner "
                f"{data['owner_p50_ms']:8.2f} ms  {data['overhead_pct']:+6.1f}%"
            )
        output.say(f"  overhead {_pct(total_rls, total_owner)}% (sum of per-query p50)")
        with output.step("rls_overhead: again with parallel query off for both"):
            s_timings, s_rows, s_done = await _compare(
                rls, owner, who, key, counts.rls_repetitions, counts.rls_cap_s, serial=True
            )
        s_per_query, s_rls, s_owner = _per_query(s_timings, s_rows)
        output.say(f"  serial overhead {_pct(s_rls, s_owner)}% (sum of per-query p50)")
    finally:
        await rls.close()
        await owner.close()
    all_rls = [v for q in QUERIES for v in timings["rls"][q]]
    all_owner = [v for q in QUERIES for v in timings["owner"][q]]
    return {
        "identity": f"{who.code} ({who.access_level})",
        "repetitions": done,
        "per_query": per_query,
        "sum_p50_ms_rls": round(total_rls, 3),
        "sum_p50_ms_owner": round(total_owner, 3),
        "overhead_pct": _pct(total_rls, total_owner),
        "rls": summary(all_rls),
        "owner": summary(all_owner),
        "serial": {
            "repetitions": s_done,
            "per_query": s_per_query,
            "sum_p50_ms_rls": round(s_rls, 3),
            "sum_p50_ms_owner": round(s_owner, 3),
            "overhead_pct": _pct(s_rls, s_owner),
        },
        "method": "sum over queries of per-query median latency: RLS / owner - 1",
        "note": "the policies call retail.get_user_store_list(), which is PARALLEL UNSAFE, so "
        "plans under RLS never use parallel workers while the owner's may; 'serial' compares "
        "both with max_parallel_workers_per_gather = 0 to separate the cost of evaluating the "
        "policies from that difference in plan shape",
    }
