"""Targets, ``report.json`` and ``report.png`` (matplotlib, Agg backend)."""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Target:
    benchmark: str
    name: str
    value: float | None
    op: str  # "<=", "<" or ">="
    threshold: float
    unit: str
    #: what the figure is, when ``name`` is a stable identifier compared across versions
    description: str = ""

    @property
    def passed(self) -> bool:
        if self.value is None or not math.isfinite(self.value):
            return False
        if self.op == "<=":
            return self.value <= self.threshold
        if self.op == "<":
            return self.value < self.threshold
        return self.value >= self.threshold

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "passed": self.passed,
            # the same under the names reports are compared by across versions
            "measured": self.value,
            "goal": f"{self.op} {self.threshold:g}",
            "pass": self.passed,
        }


def _get(data: dict[str, Any], *path: str) -> Any:
    node: Any = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def targets(benchmarks: dict[str, Any]) -> list[Target]:
    out: list[Target] = []
    mcp = benchmarks.get("mcp_vs_direct")
    if isinstance(mcp, dict) and "error" not in mcp:
        from benchmarks.mcp import own_cost_targets  # it builds on this module's Target

        out.extend(own_cost_targets(mcp.get("own_cost") or {}))
    rls = benchmarks.get("rls_overhead")
    if isinstance(rls, dict) and "error" not in rls:
        out.append(
            Target(
                "rls_overhead",
                "RLS overhead, head office",
                rls.get("overhead_pct"),
                "<=",
                10.0,
                "%",
            )
        )
    perf = benchmarks.get("store_performance")
    if isinstance(perf, dict) and "error" not in perf:
        big = _get(perf, "by_scale", "scale_10", "warm_p50_ms")
        if big is not None or "scale_10" in (perf.get("by_scale") or {}):
            out.append(
                Target(
                    "store_performance",
                    "get_store_performance warm p50 at scale 10",
                    big,
                    "<",
                    100.0,
                    "ms",
                )
            )
    from benchmarks.search import search_targets  # it builds on this module's Target

    out.extend(search_targets(benchmarks.get("search")))
    return out


def write_json(path: Path, report: dict[str, Any]) -> None:
    path.write_text(json.dumps(report, indent=2, default=str, allow_nan=False) + "\n")


def _levels(mcp: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for row in mcp.get("levels", []) if "mcp" in row and "direct" in row]


def write_chart(path: Path, benchmarks: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(18, 10.5))
    fig.suptitle("zava-mcp benchmarks", fontsize=14)
    _latency(axes[0][0], benchmarks.get("mcp_vs_direct"))
    _throughput(axes[0][1], benchmarks.get("mcp_vs_direct"), benchmarks.get("replicas"))
    _recall(axes[0][2], benchmarks.get("vectors"))
    _rls(axes[1][0], benchmarks.get("rls_overhead"))
    _store_perf(axes[1][1], benchmarks.get("store_performance"))
    _misc(axes[1][2], benchmarks.get("seed"), benchmarks.get("memory"))
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _missing(ax: Any, title: str, data: Any) -> bool:
    ax.set_title(title)
    if not isinstance(data, dict) or "error" in data:
        why = data.get("error", "not run") if isinstance(data, dict) else "not run"
        text = "\n".join(textwrap.wrap(str(why)[:300], 50))
        ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        return True
    return False


def _latency(ax: Any, mcp: Any) -> None:
    if _missing(ax, "execute_sales_query latency: MCP vs direct asyncpg", mcp):
        return
    rows = _levels(mcp)
    clients = [r["clients"] for r in rows]
    styles = {"p50_ms": "-", "p95_ms": "--", "p99_ms": ":"}
    for mode, colour in (("mcp", "tab:blue"), ("direct", "tab:orange")):
        for key, style in styles.items():
            ax.plot(
                clients,
                [r[mode][key] for r in rows],
                style,
                marker="o",
                color=colour,
                label=f"{mode} {key[:-3]}",
            )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(clients, [str(c) for c in clients])
    ax.set_xlabel("concurrent clients")
    ax.set_ylabel("latency (ms)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)


def _throughput(ax: Any, mcp: Any, replicas: Any) -> None:
    if _missing(ax, "throughput (calls/s)", mcp if isinstance(mcp, dict) else replicas):
        return
    if isinstance(mcp, dict) and "error" not in mcp:
        rows = _levels(mcp)
        clients = [r["clients"] for r in rows]
        for mode, colour in (("mcp", "tab:blue"), ("direct", "tab:orange")):
            ax.plot(
                clients,
                [r[mode]["calls_per_s"] for r in rows],
                marker="o",
                color=colour,
                label=f"{mode}",
            )
        ax.set_xscale("log", base=2)
        ax.set_xticks(clients, [str(c) for c in clients])
    if isinstance(replicas, dict) and "error" not in replicas:
        markers = {"single_server": "s", "nginx_one_replica": "^", "nginx_two_replicas": "D"}
        for label, data in replicas.get("setups", {}).items():
            ax.scatter(
                [replicas["clients"]],
                [data["calls_per_s"]],
                marker=markers.get(label, "x"),
                s=60,
                zorder=3,
                label=label.replace("_", " "),
            )
    ax.set_xlabel("concurrent clients")
    ax.set_ylabel("calls/s")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)


def _recall(ax: Any, vectors: Any) -> None:
    if _missing(ax, "pgvector: recall@10 vs latency", vectors):
        return
    colours = {"hnsw": "tab:green", "ivfflat": "tab:purple", "exact": "black"}
    lines = {"catalogue": ":", "synthetic": "-"}
    for name, data in vectors.get("data_sets", {}).items():
        for method in data.get("methods", []):
            points = [p for p in method["settings"] if p.get("recall_at_10") is not None]
            if not points:
                continue
            ax.plot(
                [p["p50_ms"] for p in points],
                [p["recall_at_10"] for p in points],
                lines.get(name, "-"),
                marker="o" if method["method"] != "exact" else "*",
                markersize=5 if method["method"] != "exact" else 12,
                color=colours.get(method["method"], "grey"),
                label=f"{name} {method['method']} ({data['rows']:,})",
            )
    ax.axhline(vectors.get("recall_target", 0.95), color="red", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_xlabel("p50 latency per query (ms)")
    ax.set_ylabel("recall@10")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)


def _rls(ax: Any, rls: Any) -> None:
    if _missing(ax, "RLS: head office, app role vs owner (p50 ms)", rls):
        return
    names = list(rls["per_query"])
    x = range(len(names))
    ax.bar(
        [i - 0.2 for i in x],
        [rls["per_query"][n]["rls_p50_ms"] for n in names],
        0.4,
        label="app role (RLS)",
    )
    ax.bar(
        [i + 0.2 for i in x],
        [rls["per_query"][n]["owner_p50_ms"] for n in names],
        0.4,
        label="owner (BYPASSRLS)",
    )
    ax.set_xticks(list(x), [n.replace("_", "\n") for n in names], fontsize=8)
    ax.set_ylabel("p50 latency (ms)")
    ax.set_title(f"RLS overhead {rls.get('overhead_pct')}% (head office, sequential)")
    ax.legend(fontsize=8)
    ax.grid(True, axis="y", alpha=0.3)


def _store_perf(ax: Any, perf: Any) -> None:
    if _missing(ax, "get_store_performance latency", perf):
        return
    scales = list(perf.get("by_scale", {}))
    data = [perf["by_scale"][s] for s in scales]

    def cached(d: dict[str, Any]) -> float:
        return float(((d.get("cached") or {}).get("repeated") or {}).get("p50_ms") or 0)

    bars = (
        ("cold: first call", lambda d: d["cold_first_call_ms"]),
        ("first call per store, p50", lambda d: d["cold_first_per_store"]["p50_ms"] or 0),
        ("warm p50 (no result cache)", lambda d: d["warm"]["p50_ms"] or 0),
        ("result cache on: repeated p50", cached),
    )
    width = 0.2
    for n, (label, value) in enumerate(bars):
        offset = (n - 1.5) * width
        ax.bar(
            [i + offset for i in range(len(scales))], [value(d) for d in data], width, label=label
        )
    ax.axhline(100, color="red", lw=0.8, ls="--", label="target (scale 10 warm)")
    ax.set_xticks(list(range(len(scales))), [s.replace("_", " ") for s in scales])
    ax.set_ylabel("ms")
    ax.legend(fontsize=8)
    ax.grid(True, axis="y", alpha=0.3)


def _misc(ax: Any, seed: Any, memory: Any) -> None:
    if _missing(ax, "seed rows/s and server memory", seed if isinstance(seed, dict) else memory):
        return
    labels: list[str] = []
    values: list[float] = []
    if isinstance(seed, dict) and "error" not in seed:
        for run in seed.get("runs", []):
            labels.append(f"seed scale {run['scale']:g}\n(rows/s)")
            values.append(run["rows_per_s"])
    bars = ax.bar(range(len(values)), values, color="tab:cyan")
    ax.bar_label(bars, [f"{v:,.0f}" for v in values], fontsize=8)
    ax.set_xticks(range(len(labels)), labels, fontsize=8)
    ax.set_ylabel("rows/s")
    if isinstance(memory, dict) and "error" not in memory:
        ax.set_title(
            f"seed rows/s; server max RSS {memory.get('max_rss_mb')} MB "
            f"at {memory.get('clients')} clients"
        )
    ax.grid(True, axis="y", alpha=0.3)


def headlines(benchmarks: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(benchmark, figure, value) rows for the end-of-run summary."""
    rows: list[tuple[str, str, str]] = []

    def add(bench: str, label: str, value: Any, unit: str = "") -> None:
        if value is None:
            text = "-"
        elif isinstance(value, float):
            text = f"{value:,.2f}{unit}"
        else:
            text = f"{value}{unit}"
        rows.append((bench, label, text))

    for name, data in benchmarks.items():
        if isinstance(data, dict) and "error" in data:
            add(name, "ERROR", data["error"][:100])
    mcp = benchmarks.get("mcp_vs_direct")
    if isinstance(mcp, dict) and "error" not in mcp:
        trivial = mcp.get("trivial_query") or {}
        parts = trivial.get("breakdown_p50_ms") or {}
        if parts:
            add(
                "mcp_vs_direct",
                "select 1 p50 ms: MCP / direct / bare FastMCP no-op",
                f"{(trivial.get('mcp') or {}).get('p50_ms')} / {parts.get('direct_floor')} / "
                f"{parts.get('of_which_bare_fastmcp_round_trip')}",
            )
            add(
                "mcp_vs_direct",
                "select 1 p50 ms: tool body - direct / audit write",
                f"{parts.get('tool_body_minus_direct')} / {parts.get('audit_write')}",
            )
        for row in _levels(mcp):
            c = row["clients"]
            for mode in ("mcp", "direct"):
                d = row[mode]
                add(
                    "mcp_vs_direct",
                    f"{mode} x{c}: p50/p95/p99 ms, calls/s",
                    f"{d['p50_ms']} / {d['p95_ms']} / {d['p99_ms']}, {d['calls_per_s']}"
                    + (f" ({d['errors']} errors)" if d["errors"] else ""),
                )
    _profile_headlines(benchmarks.get("profile"), add)
    mem = benchmarks.get("memory")
    if isinstance(mem, dict) and "error" not in mem:
        add("memory", f"server max RSS at {mem['clients']} clients", mem["max_rss_mb"], " MB")
        add("memory", "server RSS idle after start-up", mem.get("rss_idle_mb"), " MB")
    rls = benchmarks.get("rls_overhead")
    if isinstance(rls, dict) and "error" not in rls:
        add(
            "rls_overhead",
            "sum of p50: RLS / owner (ms)",
            f"{rls['sum_p50_ms_rls']} / {rls['sum_p50_ms_owner']}",
        )
    rep = benchmarks.get("replicas")
    if isinstance(rep, dict) and "error" not in rep:
        for label, d in rep["setups"].items():
            add(
                "replicas",
                f"{label} x{rep['clients']}: calls/s, p50 ms",
                f"{d['calls_per_s']}, {d['p50_ms']}",
            )
        add("replicas", "throughput two replicas / single", rep["throughput_ratio_two_vs_single"])
    seed = benchmarks.get("seed")
    if isinstance(seed, dict) and "error" not in seed:
        for run in seed["runs"]:
            add(
                "seed",
                f"scale {run['scale']:g}: rows, seconds, rows/s",
                f"{run['rows']:,}, {run['seconds']}, {run['rows_per_s']:,.0f}",
            )
    perf = benchmarks.get("store_performance")
    if isinstance(perf, dict) and "error" not in perf:
        for label, d in perf["by_scale"].items():
            add(
                "store_performance",
                f"{label}: cold first / per-store p50 / warm p50 ms",
                f"{d['cold_first_call_ms']} / {d['cold_first_per_store']['p50_ms']} / "
                f"{d['warm']['p50_ms']}",
            )
    vec = benchmarks.get("vectors")
    if isinstance(vec, dict) and "error" not in vec:
        for name, d in vec["data_sets"].items():
            builds = ", ".join(
                f"{m['method']} {m['build_s']}s" for m in d["methods"] if m["method"] != "exact"
            )
            reduced = f" (reduced from {d['reduced_from']:,})" if d.get("reduced_from") else ""
            add("vectors", f"{name}: rows, builds", f"{d['rows']:,}{reduced}; {builds}")
            w = d.get("winner_index")
            add(
                "vectors",
                f"{name}: fastest index at recall>=0.95",
                "none"
                if w is None
                else f"{w['method']} "
                + ", ".join(f"{k}={v}" for k, v in w.items() if k in ("probes", "ef_search"))
                + f": recall {w['recall_at_10']}, p50 {w['p50_ms']} ms",
            )
            exact = next(m for m in d["methods"] if m["method"] == "exact")["settings"][0]
            add("vectors", f"{name}: exact search p50", exact["p50_ms"], " ms")
    return rows


def _profile_headlines(data: Any, add: Callable[[str, str, Any], None]) -> None:
    """Per profiled window: the server's CPU per call and the four categories costing most."""
    if not isinstance(data, dict) or "error" in data:
        return
    if "skipped" in data:
        add("profile", "skipped", str(data["skipped"])[:100])
        return
    for window in data.get("windows", {}).values():
        parts = sorted(window["categories"].items(), key=lambda kv: -(kv[1]["ms_per_call"] or 0.0))[
            :4
        ]
        add(
            "profile",
            f"{window['title']}: server CPU ms/call (largest parts)",
            f"{window['server_cpu_ms_per_call']} ("
            + ", ".join(f"{name} {part['ms_per_call']}" for name, part in parts)
            + ")",
        )
