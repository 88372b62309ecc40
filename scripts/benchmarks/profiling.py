"""Where each millisecond of a tool call goes (issue 12): py-spy samples the running server.

Three windows: 1 client asking ``select 1``, 32 clients asking the analytics mix, and the bare
FastMCP no-op server (:mod:`benchmarks.floor`) at 32 clients, which shows the part of each
category that any FastMCP server pays. In each window two ``py-spy record --nonblocking``
processes read the server's memory without pausing it: collapsed stacks (``profile-*.txt``,
sorted into categories by :mod:`benchmarks.stacks`) and a flame graph (``profile-*.svg``). The
server's CPU over the window (psutil) divided by the calls made is its CPU per call; a
category's share of the samples times that is its milliseconds per call.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from fastmcp import Client

from benchmarks import output
from benchmarks.context import Context
from benchmarks.load import LevelResult, floor_level, mcp_level, mcp_transport
from benchmarks.processes import floor_server
from benchmarks.stacks import CATEGORIES, Breakdown
from benchmarks.workload import callers, head_office

TRIVIAL_SQL = "select 1 as one"
#: how long py-spy may take to attach, and to write its file once asked to stop
ATTACH_TIMEOUT_S = 15.0
WRITE_TIMEOUT_S = 60.0


class ProfilerUnavailable(Exception):
    """py-spy is not installed or may not read the server's memory (ptrace refused)."""


def py_spy_binary() -> str | None:
    found = shutil.which("py-spy")
    if found:
        return found
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else None


@dataclass(frozen=True)
class Window:
    """One profiled load: its file names (``profile-<slug>.txt/.svg``) and what it runs."""

    slug: str
    title: str
    clients: int


def _spawn(
    binary: str, pid: int, rate: int, fmt: str, out: Path, log: Path
) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            [
                binary,
                "record",
                "--pid",
                str(pid),
                "--rate",
                str(rate),
                "--nonblocking",
                "--format",
                fmt,
                "--output",
                str(out),
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )


def _attached(proc: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until py-spy says it is sampling; raise :class:`ProfilerUnavailable` if it exits."""
    deadline = time.monotonic() + ATTACH_TIMEOUT_S
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if "Sampling process" in text:
            return
        if proc.poll() is not None:
            first = next((ln for ln in text.splitlines() if ln.strip()), "no output")
            raise ProfilerUnavailable(f"py-spy exited with {proc.returncode}: {first[:300]}")
        time.sleep(0.05)
    raise ProfilerUnavailable(f"py-spy did not start sampling within {ATTACH_TIMEOUT_S:.0f}s")


def _stop(proc: subprocess.Popen[bytes]) -> int | None:
    """SIGINT (py-spy writes its file on it), then wait; kill if it does not finish."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=WRITE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


@asynccontextmanager
async def recording(
    binary: str, pid: int, rate: int, raw: Path, svg: Path, logs: Path
) -> AsyncIterator[None]:
    """Two py-spy processes on ``pid`` while the body runs: collapsed stacks and a flame
    graph. Both attach before the body starts and have written their files when it ends."""
    procs = [
        _spawn(binary, pid, rate, fmt, out, logs / f"{out.name}.py-spy.log")
        for fmt, out in (("raw", raw), ("flamegraph", svg))
    ]
    try:
        for proc, out in zip(procs, (raw, svg), strict=True):
            await asyncio.to_thread(_attached, proc, logs / f"{out.name}.py-spy.log")
        yield
    finally:
        codes = await asyncio.gather(*(asyncio.to_thread(_stop, p) for p in procs))
    missing = [out.name for out in (raw, svg) if not out.exists()]
    if missing:
        raise RuntimeError(f"py-spy wrote no {', '.join(missing)} (exit codes {codes})")


SPY_SUMMARY = re.compile(r"Samples: (\d+) Errors: (\d+)")


def spy_report(log: Path) -> dict[str, Any]:
    """What py-spy said of its run: samples, failed reads, and whether it fell behind its rate
    (a busy machine: fewer samples than asked for, still spread over the window)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    found = SPY_SUMMARY.search(text)
    return {
        "samples": int(found[1]) if found else None,
        "errors": int(found[2]) if found else None,
        "fell_behind": "behind in sampling" in text,
    }


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


async def _select1(client: Client[Any], calls: int, cap_s: float) -> LevelResult:
    """``select 1`` ``calls`` times through an open (and warmed) session."""
    result = LevelResult("mcp", 1)
    deadline = time.monotonic() + cap_s
    began = time.perf_counter()
    for _ in range(calls):
        if time.monotonic() >= deadline:
            result.hit_time_cap = True
            break
        start = time.perf_counter()
        out = await client.call_tool_mcp("execute_sales_query", {"postgresql_query": TRIVIAL_SQL})
        if out.is_error:
            result.error(" ".join(getattr(c, "text", "") for c in out.content) or "tool error")
        else:
            result.record("select 1", (time.perf_counter() - start) * 1000)
    result.wall_s = time.perf_counter() - began
    return result


async def _profiled(
    ctx: Context, binary: str, pid: int, window: Window, run: Awaitable[LevelResult], extra: int
) -> dict[str, Any]:
    """Run one load under py-spy; ``extra`` is the untimed calls the load makes besides its
    timed ones (the CPU per call counts every call the server answered in the window)."""
    raw = ctx.results_dir / f"profile-{window.slug}.txt"
    svg = ctx.results_dir / f"profile-{window.slug}.svg"
    rate = ctx.config.counts.profile_rate_hz
    async with recording(binary, pid, rate, raw, svg, ctx.logs):
        before = cpu_seconds(pid)
        result = await run
        cpu_s = cpu_seconds(pid) - before
    calls = result.calls + result.errors + extra
    ms_per_call = round(cpu_s * 1000 / calls, 3) if calls else None
    breakdown = Breakdown.of(raw.read_text(errors="replace"))
    level = result.to_json()
    return {
        "title": window.title,
        "clients": window.clients,
        "calls": calls,
        "errors": result.errors,
        "wall_s": level["wall_s"],
        "p50_ms": level["p50_ms"],
        "server_cpu_s": round(cpu_s, 3),
        "server_cpu_ms_per_call": ms_per_call,
        **breakdown.to_json(ms_per_call),
        "py_spy": spy_report(ctx.logs / f"{raw.name}.py-spy.log"),
        "flame_graph": svg.name,
        "collapsed_stacks": raw.name,
    }


async def profile(ctx: Context) -> dict[str, Any]:
    binary = py_spy_binary()
    if binary is None:
        output.warn("profile skipped: py-spy is not installed (pip install -e '.[dev]')")
        return {"skipped": "py-spy is not installed"}
    counts = ctx.config.counts
    server = await ctx.main_server()
    one, many = counts.profile_calls[1], counts.profile_calls[32]
    windows: dict[str, Any] = {}
    try:
        with output.step(f"profile: 1 client, {one} x select 1, under py-spy"):
            async with Client(mcp_transport(server.mcp_url, head_office())) as client:
                for _ in range(5):  # the session is open and warm before the window starts
                    await client.call_tool_mcp(
                        "execute_sales_query", {"postgresql_query": TRIVIAL_SQL}
                    )
                windows["1_client"] = await _profiled(
                    ctx,
                    binary,
                    server.pid,
                    Window("1client", "1 client select 1", 1),
                    _select1(client, one, counts.profile_cap_s),
                    0,
                )
        with output.step(f"profile: 32 clients, {many} calls of the analytics mix, under py-spy"):
            windows["32_clients"] = await _profiled(
                ctx,
                binary,
                server.pid,
                Window("32clients", "32 clients mix", 32),
                mcp_level(server.mcp_url, callers(), 32, many, counts.profile_cap_s),
                32,
            )
        with (
            output.step(f"profile: bare FastMCP no-op, 32 clients, {many} calls, under py-spy"),
            floor_server(ctx.logs / "server-floor-profile.log") as floor,
        ):
            windows["floor_32_clients"] = await _profiled(
                ctx,
                binary,
                floor.pid,
                Window("floor-32clients", "bare FastMCP x32", 32),
                floor_level(floor.mcp_url, 32, many, counts.profile_cap_s),
                32,
            )
    except ProfilerUnavailable as exc:
        output.warn(f"profile skipped: {exc}")
        return {"skipped": str(exc), **({"windows": windows} if windows else {})}
    data = {
        "py_spy": binary,
        "rate_hz": counts.profile_rate_hz,
        "windows": windows,
        "method": "py-spy record --nonblocking (reads the server's memory without pausing it) "
        "at rate_hz; idle threads are left out, so a category's share of the samples stands for "
        "its share of the server's CPU (on a busy machine a runnable thread waiting for a core "
        "is sampled too). ms_per_call = share x server CPU (psutil user+system over the window) "
        "/ calls answered in the window; the 32-client windows include each session's opening "
        "handshake and warm-up call. Stacks are sorted by benchmarks.stacks.classify. C code "
        "counts with the Python frame that called it; 'event loop' is mostly uvloop's C loop "
        "and the Cython/C protocol callbacks it runs (asyncpg, httptools) under Runner.run, "
        "'native' the samples with no Python frame at all (the main thread in C; the bare "
        "server, with no database, has almost none). SQLAlchemy's sync code runs in greenlets "
        "whose stacks start at the greenlet, so the connection checkout (Engine.connect) of "
        "the audit's writes counts as query+transaction, not audit",
    }
    output.emit(render(data))
    return data


def render(data: dict[str, Any]) -> str:
    """The step's console table: per window, each category's share and ms per call."""
    windows = data["windows"]
    headers = ["category"]
    for w in windows.values():
        headers += [f"{w['title']}: %", "ms/call"]
    rows: list[list[Any]] = []
    for category in CATEGORIES:
        cells = [
            (w["categories"][category]["share_pct"], w["categories"][category]["ms_per_call"])
            for w in windows.values()
        ]
        if all(share == 0 for share, _ in cells):
            continue
        rows.append([category, *(v for pair in cells for v in pair)])
    rows.append(
        [
            "total (server CPU)",
            *(v for w in windows.values() for v in (100.0, w["server_cpu_ms_per_call"])),
        ]
    )
    rows.append(
        ["samples / calls", *(v for w in windows.values() for v in (w["samples"], w["calls"]))]
    )
    parts = [output.table(headers, rows)]
    names = list(windows)
    zava = [n for n in names if not n.startswith("floor")]
    tops: dict[str, dict[str, float]] = {
        n: {f["function"]: f["inclusive_pct"] for f in windows[n]["top_zava_functions"]}
        for n in zava
    }
    order = sorted(
        {f for t in tops.values() for f in t},
        key=lambda f: -max(t.get(f, 0.0) for t in tops.values()),
    )
    if order:
        parts.append(
            output.table(
                [
                    "zava_mcp function (inclusive % of samples)",
                    *(windows[n]["title"] for n in zava),
                ],
                [[f, *(tops[n].get(f) for n in zava)] for f in order[:15]],
            )
        )
    return "\n\n".join(parts)
