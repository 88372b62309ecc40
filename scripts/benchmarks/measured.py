"""What every load level reports: a one-line summary, the sampled CPU, rounded differences."""

from __future__ import annotations

import os
from collections.abc import Awaitable

from benchmarks.context import Context
from benchmarks.load import LevelResult
from benchmarks.processes import ResourceSampler


def line(result: LevelResult) -> str:
    data = result.to_json()
    errors = f", {result.errors} errors" if result.errors else ""
    cap = " (time cap hit)" if result.hit_time_cap else ""
    return (
        f"{data['calls']} calls in {data['wall_s']:.1f}s: {data['calls_per_s']:.1f} calls/s, "
        f"p50 {data['p50_ms']} ms, p95 {data['p95_ms']} ms, p99 {data['p99_ms']} ms"
        f"{errors}{cap}"
    )


async def measured(
    ctx: Context, pids: list[int], run: Awaitable[LevelResult]
) -> tuple[LevelResult, ResourceSampler]:
    """Run one load level while sampling the servers, this process and PostgreSQL."""
    with ResourceSampler([*pids, os.getpid()], postmaster_pid=ctx.postmaster_pid()) as sampler:
        result = await run
    return result, sampler


def cpu_json(
    sampler: ResourceSampler, server_pids: list[int], calls: int
) -> dict[str, float | None]:
    """CPU seconds of the load generator (this process), the server(s) and PostgreSQL over the
    whole level (opening the sessions, the warm-up calls and the timed calls), and the same in ms
    per call made in that window."""
    client = sampler.cpu_s.get(os.getpid(), 0.0)
    server = sum(sampler.cpu_s.get(p, 0.0) for p in server_pids)
    postgres = sampler.postgres_cpu_s

    def per_call(seconds: float) -> float | None:
        return round(seconds * 1000 / calls, 2) if calls else None

    return {
        "client_s": round(client, 2),
        "server_s": round(server, 2),
        "postgres_s": round(postgres, 2),
        "client_ms_per_call": per_call(client),
        "server_ms_per_call": per_call(server),
        "postgres_ms_per_call": per_call(postgres),
        # busy CPU of everything else on the machine in the same window (other users' work)
        "other_processes_s": round(
            max(0.0, sampler.machine_busy_s - client - server - postgres), 2
        ),
    }


def round1(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def diff(a: float | None, b: float | None) -> float | None:
    return round(a - b, 3) if a is not None and b is not None else None


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None
