"""The benchmark harness end to end, small: ``--quick --only rls_overhead,vectors``."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def test_quick_bench_writes_a_report(tmp_path: Path) -> None:
    out = tmp_path / "results"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "zava_mcp.bench",
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
            str(tmp_path / "pg"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "SUMMARY" in proc.stdout
    assert "rls_overhead" in proc.stdout

    folders = list(out.iterdir())
    assert len(folders) == 1
    report = json.loads((folders[0] / "report.json").read_text())
    assert (folders[0] / "report.png").stat().st_size > 10_000
    assert set(report) >= {"meta", "targets", "benchmarks", "chart"}
    assert report["meta"]["quick"] is True
    assert set(report["benchmarks"]) == {"rls_overhead", "vectors"}

    rls = report["benchmarks"]["rls_overhead"]
    assert "error" not in rls, rls
    assert number(rls["overhead_pct"])
    assert rls["repetitions"] >= 1
    for query in rls["per_query"].values():
        assert number(query["rls_p50_ms"]) and number(query["owner_p50_ms"])
        assert query["rows_rls"] == query["rows_owner"]  # head office sees everything

    vectors = report["benchmarks"]["vectors"]
    assert "error" not in vectors, vectors
    assert set(vectors["data_sets"]) == {"catalogue", "synthetic"}
    synthetic = vectors["data_sets"]["synthetic"]
    assert synthetic["rows"] == 2000 and synthetic["dimensions"] == 1536
    for data in vectors["data_sets"].values():
        methods = {m["method"]: m for m in data["methods"]}
        assert set(methods) == {"ivfflat", "hnsw", "exact"}
        assert number(methods["hnsw"]["build_s"]) and number(methods["ivfflat"]["build_s"])
        for method in methods.values():
            for point in method["settings"]:
                assert 0.0 <= point["recall_at_10"] <= 1.0
                assert number(point["p50_ms"])
        assert methods["exact"]["settings"][0]["recall_at_10"] >= 0.99
        assert [p["ef_search"] for p in methods["hnsw"]["settings"]] == [10, 20, 40, 80, 160]
        assert [p["probes"] for p in methods["ivfflat"]["settings"]] == [1, 2, 5, 10, 20]

    targets = {t["benchmark"]: t for t in report["targets"]}
    assert number(targets["rls_overhead"]["value"])
    assert isinstance(targets["rls_overhead"]["passed"], bool)
