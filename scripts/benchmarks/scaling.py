"""Server memory under the heaviest load level, and two replicas behind nginx against one."""

from __future__ import annotations

from typing import Any

import psutil

from benchmarks import output
from benchmarks.context import Context, warm_up
from benchmarks.load import mcp_level
from benchmarks.measured import cpu_json, line, measured, ratio, round1
from benchmarks.processes import mcp_server, nginx
from benchmarks.workload import callers


async def memory(ctx: Context) -> dict[str, Any]:
    """Server RSS at idle and at its maximum under the heaviest load level."""
    heaviest = max(ctx.config.counts.concurrency)
    server = await ctx.main_server()
    samples = ctx.results.get("_memory_samples", {}).get(heaviest)
    if samples is None:
        with output.step(f"memory: {heaviest} MCP clients (RSS sampled every 100 ms)"):
            run = mcp_level(
                server.mcp_url,
                callers(),
                heaviest,
                ctx.config.counts.calls[heaviest],
                ctx.config.counts.level_cap_s,
            )
            result, sampler = await measured(ctx, [server.pid], run)
            output.say(f"  mcp x{heaviest}: {line(result)}")
        samples = {
            "max_rss_mb": round1(sampler.max_rss_mb(server.pid)),
            "samples": len(sampler.rss_mb.get(server.pid, [])),
        }
    else:
        output.say(f"memory: RSS was sampled during mcp_vs_direct's {heaviest}-client level")
    output.say(f"  server max RSS {samples['max_rss_mb']} MB ({samples['samples']} samples)")
    after = psutil.Process(server.pid).memory_info().rss / (1024 * 1024)
    return {
        "clients": heaviest,
        "max_rss_mb": samples["max_rss_mb"],
        "samples": samples["samples"],
        "rss_now_mb": round(after, 1),
        "rss_idle_mb": round1(ctx.results.get("_idle_rss_mb")),
        "note": "one server process (uvicorn; the local embedding model is loaded at start-up); "
        "RSS via psutil every 100 ms",
    }


async def replicas(ctx: Context) -> dict[str, Any]:
    """Two replicas behind nginx against one server, with the same clients and questions."""
    counts = ctx.config.counts
    clients, calls, cap = counts.replica_clients, counts.replica_calls, counts.level_cap_s
    people = callers()
    main = await ctx.main_server()
    setups: dict[str, dict[str, Any]] = {}

    async def measure(label: str, url: str, pids: list[int]) -> None:
        with output.step(f"replicas: {label}, {clients} clients"):
            result, sampler = await measured(ctx, pids, mcp_level(url, people, clients, calls, cap))
            output.say(f"  {label}: {line(result)}")
        data = result.to_json()
        data["cpu"] = cpu_json(sampler, pids, result.calls + result.errors + clients)
        setups[label] = data

    await measure("single_server", main.mcp_url, [main.pid])
    # the second replica is asked the analytics mix only: it loads no embedding model
    with mcp_server(
        ctx.db.app, ctx.db.admin, ctx.logs / "server-replica-b.log", searches=False
    ) as second:
        output.say("replicas: second server started")
        await warm_up(second)
        with nginx([main.port], ctx.logs / "nginx-single") as base:
            await measure("nginx_one_replica", f"{base}/mcp", [main.pid])
        with nginx([main.port, second.port], ctx.logs / "nginx-pair") as base:
            await measure("nginx_two_replicas", f"{base}/mcp", [main.pid, second.pid])
    single, pair = setups["single_server"], setups["nginx_two_replicas"]
    return {
        "clients": clients,
        "setups": setups,
        "throughput_ratio_two_vs_single": ratio(pair["calls_per_s"], single["calls_per_s"]),
        "p50_ms_single": single["p50_ms"],
        "p50_ms_two_replicas": pair["p50_ms"],
        "note": "nginx passes the client's x-rls-user-id on (the benchmark stands in for the "
        "authenticating proxy); every process shares this machine's cores with PostgreSQL",
    }
