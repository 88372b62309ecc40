"""One benchmark run: cluster up, bench database ready, each chosen benchmark, report, summary."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import platform
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from benchmarks import output
from benchmarks.cluster import BenchCluster
from benchmarks.config import BENCHMARKS, RunConfig
from benchmarks.context import Context
from benchmarks.mcp import mcp_vs_direct
from benchmarks.processes import has_result_cache
from benchmarks.profiling import profile
from benchmarks.report import headlines, targets, write_chart, write_json
from benchmarks.rls import rls_overhead
from benchmarks.scaling import memory, replicas
from benchmarks.search import search
from benchmarks.seeding import seed, store_performance
from benchmarks.vectors import vectors

Benchmark = Callable[[Context], Awaitable[dict[str, Any]]]
RUNNERS: dict[str, Benchmark] = {
    "mcp_vs_direct": mcp_vs_direct,
    "profile": profile,
    "memory": memory,
    "rls_overhead": rls_overhead,
    "replicas": replicas,
    "seed": seed,
    "store_performance": store_performance,
    "vectors": vectors,
    "search": search,
}
assert tuple(RUNNERS) == BENCHMARKS


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in (
        "zava-mcp",
        "fastmcp",
        "mcp",
        "asyncpg",
        "sqlalchemy",
        "numpy",
        "pgvector",
        "uvicorn",
        "uvloop",
        "httptools",
    ):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out


async def _server_versions(ctx: Context) -> dict[str, Any]:
    conn = await asyncpg.connect(ctx.admin_dsn)
    try:
        return {
            "postgres": await conn.fetchval("show server_version"),
            "pgvector": await conn.fetchval(
                "select extversion from pg_extension where extname = 'vector'"
            ),
            "shared_buffers": await conn.fetchval("show shared_buffers"),
            "max_connections": await conn.fetchval("show max_connections"),
        }
    finally:
        await conn.close()


def results_dir(out: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = out / stamp
    n = 1
    while path.exists():
        n += 1
        path = out / f"{stamp}-{n}"
    path.mkdir(parents=True)
    return path


async def run(config: RunConfig) -> tuple[dict[str, Any], Path, int]:
    """Run the chosen benchmarks; returns the report, its folder and the number of failures."""
    output.reset_clock()
    began = time.monotonic()
    started_at = dt.datetime.now(dt.UTC)
    folder = results_dir(config.out_dir)
    load_before = os.getloadavg()
    output.say(
        f"zava-mcp bench: scale {config.scale:g}{' (quick)' if config.quick else ''}, "
        f"benchmarks {', '.join(config.only)}; results in {folder}"
    )
    cluster = BenchCluster(config.data_dir, config.pg_port)
    with output.step(f"bench PostgreSQL in {cluster.data_dir}"):
        await asyncio.to_thread(cluster.start)
    output.say(f"  listening on 127.0.0.1:{cluster.pg.port}")
    failures = 0
    benchmarks: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    try:
        with output.step(f"bench database for scale {config.scale:g}"):
            db = await cluster.seeded(config.scale)
        if db.reused:
            output.say(f"  reusing {db.name} (already seeded at scale {config.scale:g})")
        elif db.report is not None:
            output.say(
                f"  seeded {db.name}: {db.report.total_rows:,} rows in {db.report.seconds:.1f}s"
            )
        ctx = Context(config=config, cluster=cluster, db=db, results_dir=folder)
        meta["server"] = await _server_versions(ctx)
        try:
            for name in BENCHMARKS:
                if not config.wants(name):
                    continue
                output.say(f"=== {name}")
                step_began = time.monotonic()
                try:
                    data = await RUNNERS[name](ctx)
                    data["seconds"] = round(time.monotonic() - step_began, 1)
                    benchmarks[name] = data
                except Exception as exc:
                    failures += 1
                    trace = traceback.format_exc()
                    (ctx.logs / f"{name}.error.txt").write_text(trace)
                    output.warn(f"{name} failed: {type(exc).__name__}: {exc}")
                    benchmarks[name] = {
                        "error": f"{type(exc).__name__}: {str(exc)[:500]}",
                        "seconds": round(time.monotonic() - step_began, 1),
                    }
                output.say(f"=== {name} finished in {time.monotonic() - step_began:.1f}s")
        finally:
            if ctx.server_started:
                with output.step("stopping the main server"):
                    await asyncio.to_thread(ctx.stack.close)
            else:
                ctx.stack.close()
        for leftover in list(ctx.scratch.values()):
            await cluster.drop(leftover.name)
    finally:
        if cluster.was_running:
            output.say("leaving the bench PostgreSQL running (it was running before this run)")
        else:
            with output.step("stopping the bench PostgreSQL"):
                await asyncio.to_thread(cluster.stop)
    total = time.monotonic() - began
    checks = targets(benchmarks)
    report: dict[str, Any] = {
        "meta": {
            "started_at": started_at.isoformat(timespec="seconds"),
            "total_seconds": round(total, 1),
            "scale": config.scale,
            "quick": config.quick,
            "benchmarks": list(config.only),
            "host": {
                "cpus": os.cpu_count(),
                "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
                "platform": platform.platform(),
                # other work on the machine skews every figure: the load average says how much
                "loadavg_1_5_15_at_start": [round(x, 2) for x in load_before],
                "loadavg_1_5_15_at_end": [round(x, 2) for x in os.getloadavg()],
            },
            "versions": _versions(),
            # the load generator's own loop (the servers run uvicorn's choice: uvloop if present)
            "bench_event_loop": type(asyncio.get_running_loop()).__module__,
            "bench_database": {"reused": db.reused, "name": db.name},
            "server_result_cache": (
                "off (ZAVA_CACHE_TTL_S=0) except in store_performance's 'cached' figures"
                if has_result_cache()
                else "this server version has no result cache"
            ),
            **meta,
        },
        "targets": [t.to_json() for t in checks],
        "benchmarks": benchmarks,
        "chart": "report.png",
    }
    write_json(folder / "report.json", report)
    try:
        write_chart(folder / "report.png", benchmarks)
    except Exception as exc:
        failures += 1
        output.warn(f"chart failed: {type(exc).__name__}: {exc}")
        (folder / "chart.error.txt").write_text(traceback.format_exc())
    print_summary(report, folder)
    return report, folder, failures


def print_summary(report: dict[str, Any], folder: Path) -> None:
    output.emit()
    output.emit("=" * 100)
    output.emit("SUMMARY")
    output.emit("=" * 100)
    rows = [
        (
            t["benchmark"],
            t["name"],
            "-" if t["value"] is None else f"{t['value']:,.3f} {t['unit']}",
            f"{t['op']} {t['threshold']:g} {t['unit']}",
            "PASS" if t["passed"] else "FAIL",
        )
        for t in report["targets"]
    ]
    if rows:
        output.emit(output.table(("benchmark", "target", "measured", "goal", "result"), rows))
    else:
        output.emit("(no targets among the benchmarks run)")
    output.emit()
    figures = headlines(report["benchmarks"])
    if figures:
        output.emit(output.table(("benchmark", "figure", "value"), figures))
        output.emit()
    output.emit(f"report: {folder / 'report.json'}")
    output.emit(f"chart:  {folder / 'report.png'}")
    output.emit(f"total runtime: {report['meta']['total_seconds']:.1f}s")
    host = report["meta"]["host"]
    output.emit(
        f"load average (1/5/15 min) at start {host['loadavg_1_5_15_at_start']}, at end "
        f"{host['loadavg_1_5_15_at_end']} on {host['cpus']} CPUs"
    )
    sys.stdout.flush()
