"""Seed throughput (rows/s) and ``get_store_performance`` latency at two scales."""

from __future__ import annotations

import time
from typing import Any

from fastmcp import Client

from benchmarks import output
from benchmarks.cluster import SeededDatabase, database_name, seed_database
from benchmarks.context import Context, warm_up
from benchmarks.load import mcp_transport
from benchmarks.processes import has_result_cache, mcp_server
from benchmarks.stats import summary
from benchmarks.workload import head_office
from zava_mcp.seed.catalogue import load_catalogue

BIG_SCALE = 10.0


def scratch_name(scale: float) -> str:
    return "scratch_" + database_name(scale)


async def _seed_scratch(ctx: Context, scale: float) -> tuple[SeededDatabase, dict[str, Any]]:
    name = scratch_name(scale)
    with output.step(f"seed: scale {scale:g} into scratch database {name}"):
        url = await ctx.cluster.create_migrated(name)
        report = await seed_database(url, scale)
    rate = report.total_rows / report.seconds if report.seconds else 0.0
    output.say(f"  scale {scale:g}: {report.total_rows:,} rows in {report.seconds:.1f}s")
    output.say(f"  scale {scale:g}: {rate:,.0f} rows/s")
    database = SeededDatabase(name, scale, url, ctx.cluster.app_url(name), False, report)
    return database, {
        "scale": scale,
        "rows": report.total_rows,
        "seconds": round(report.seconds, 2),
        "rows_per_s": round(rate, 1),
        "tables": report.rows,
        "database": "scratch",
    }


async def seed(ctx: Context) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    for scale in ctx.config.counts.seed_scales:
        fresh = ctx.db.report
        if fresh is not None and scale == ctx.db.scale and not fresh.skipped:
            rate = fresh.total_rows / fresh.seconds if fresh.seconds else 0.0
            output.say(f"seed: scale {scale:g} measured while seeding the bench database")
            output.say(f"  scale {scale:g}: {fresh.total_rows:,} rows, {rate:,.0f} rows/s")
            runs.append(
                {
                    "scale": scale,
                    "rows": fresh.total_rows,
                    "seconds": round(fresh.seconds, 2),
                    "rows_per_s": round(rate, 1),
                    "tables": fresh.rows,
                    "database": "bench (seeded by this run)",
                }
            )
            continue
        database, run = await _seed_scratch(ctx, scale)
        runs.append(run)
        if scale == BIG_SCALE and ctx.config.wants("store_performance"):
            ctx.scratch[scale] = database  # store_performance uses it, then drops it
        else:
            with output.step(f"seed: dropping {database.name}"):
                await ctx.cluster.drop(database.name)
    return {
        "runs": runs,
        "method": "zava_mcp.seed.loader.seed (a streamed COPY per table in one transaction, "
        "then VACUUM ANALYZE)",
    }


class _Caller:
    """Times ``get_store_performance`` calls over one MCP session."""

    def __init__(self, client: Client[Any]) -> None:
        self.client = client

    async def __call__(self, store: str, period: str = "last_30_days") -> float:
        began = time.perf_counter()
        out = await self.client.call_tool_mcp(
            "get_store_performance", {"store_id": store, "time_period": period}
        )
        ms = (time.perf_counter() - began) * 1000
        if out.is_error:
            text = " ".join(getattr(c, "text", "") for c in out.content)
            raise RuntimeError(f"get_store_performance failed: {text[:200]}")
        return ms


async def _store_perf_on(ctx: Context, database: SeededDatabase, label: str) -> dict[str, Any]:
    counts = ctx.config.counts
    stores = [s.code for s in load_catalogue().stores]
    who = head_office()
    log = ctx.logs / f"server-store-perf-{database.name}.log"
    with (
        output.step(f"store_performance: fresh server on {database.name} ({label}), no cache"),
        mcp_server(database.app, database.admin, log, searches=False) as server,
    ):
        await warm_up(server)
        async with Client(mcp_transport(server.mcp_url, who)) as client:
            call = _Caller(client)
            cold_first = await call(stores[0])
            cold_per_store = [await call(s) for s in stores[1:]]
            warm: list[float] = []
            deadline = time.monotonic() + counts.level_cap_s
            for i in range(counts.store_perf_warm_calls):
                if time.monotonic() >= deadline:
                    break
                warm.append(await call(stores[i % len(stores)]))
            periods = {}
            for period in ("last_7_days", "last_90_days"):
                periods[period] = summary([await call(s, period) for s in stores[:3]])
    warm_summary = summary(warm)
    output.say(
        f"  {label}: cold first call {cold_first:.1f} ms, warm p50 {warm_summary['p50_ms']} ms"
        f" (p95 {warm_summary['p95_ms']} ms, {len(warm)} calls)"
    )
    result: dict[str, Any] = {
        "database": database.name,
        "scale": database.scale,
        "cold_first_call_ms": round(cold_first, 3),
        "cold_first_per_store": summary(cold_per_store),
        "warm": warm_summary,
        "warm_p50_ms": warm_summary["p50_ms"],
        "other_periods_warm": periods,
        "identity": f"{who.code} ({who.access_level})",
        "result_cache": "off",
        "cached": None,
    }
    if has_result_cache():
        result["cached"] = await _cached(ctx, database, label, stores)
    return result


async def _cached(
    ctx: Context, database: SeededDatabase, label: str, stores: list[str]
) -> dict[str, Any]:
    """The same calls with the server's result cache on: misses first, then hits."""
    log = ctx.logs / f"server-store-perf-cached-{database.name}.log"
    with (
        output.step(f"store_performance: server with the result cache on ({label})"),
        mcp_server(database.app, database.admin, log, cache=True, searches=False) as server,
    ):
        await warm_up(server)
        async with Client(mcp_transport(server.mcp_url, head_office())) as client:
            call = _Caller(client)
            misses = [await call(s) for s in stores]
            hits = [await call(stores[i % len(stores)]) for i in range(len(stores) * 3)]
    data = {"first_call_per_store": summary(misses), "repeated": summary(hits)}
    output.say(
        f"  {label}, cache on: first call per store p50 {data['first_call_per_store']['p50_ms']}"
        f" ms, repeated p50 {data['repeated']['p50_ms']} ms"
    )
    return data


async def store_performance(ctx: Context) -> dict[str, Any]:
    results: dict[str, Any] = {}
    results[f"scale_{ctx.db.scale:g}"] = await _store_perf_on(ctx, ctx.db, "bench database")
    big = ctx.scratch.pop(BIG_SCALE, None)
    if ctx.db.scale != BIG_SCALE and not ctx.config.quick:
        try:
            if big is None:
                big, _ = await _seed_scratch(ctx, BIG_SCALE)
            results[f"scale_{BIG_SCALE:g}"] = await _store_perf_on(ctx, big, "scale 10")
        finally:
            if big is not None:
                with output.step(f"store_performance: dropping {big.name}"):
                    await ctx.cluster.drop(big.name)
    elif big is not None:
        await ctx.cluster.drop(big.name)
    return {
        "tool": "get_store_performance (last_30_days unless noted), head office caller",
        "cold": "first call on a freshly started server; then the first call for each other store",
        "by_scale": results,
    }
