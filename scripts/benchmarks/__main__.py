"""``python -m benchmarks`` (or ``scripts/bench``): benchmark zava-mcp on this machine."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from pathlib import Path
from typing import Any

import click

from benchmarks.config import BENCHMARKS, QUICK, ROOT, Counts, RunConfig


class BenchmarkList(click.ParamType):
    """``NAME[,NAME]``: names from :data:`BENCHMARKS`, refused with the list when unknown."""

    name = "NAME[,NAME]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        names = tuple(n.strip() for n in str(value).split(",") if n.strip())
        unknown = [n for n in names if n not in BENCHMARKS]
        if unknown or not names:
            self.fail(
                f"unknown benchmark(s) {', '.join(unknown) or '(none)'}; "
                f"choose from {', '.join(BENCHMARKS)}",
                param,
                ctx,
            )
        return names


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--scale",
    type=click.FloatRange(0.001, 100),
    default=1.0,
    show_default=True,
    help="Seed scale of the bench database.",
)
@click.option("--quick", is_flag=True, help="Small counts (smoke test).")
@click.option(
    "--only",
    type=BenchmarkList(),
    default=",".join(BENCHMARKS),
    help=f"Run only these benchmarks: {', '.join(BENCHMARKS)}.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT / "bench-results",
    metavar="DIR",
    help="Results go to DIR/<timestamp>/ (default bench-results/).",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT / ".zava" / "bench",
    metavar="DIR",
    help="The bench PostgreSQL's data folder (default .zava/bench).",
)
@click.option(
    "--pg-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port for the bench PostgreSQL (default: a free one).",
)
@click.option(
    "--synthetic-vectors",
    type=click.IntRange(min=100),
    default=None,
    metavar="N",
    help="Synthetic vectors for the vectors benchmark (default 100000, 2000 with --quick).",
)
@click.option("--strict", is_flag=True, help="Exit with status 3 when a target fails.")
def main(
    scale: float,
    quick: bool,
    only: tuple[str, ...],
    out: Path,
    data_dir: Path,
    pg_port: int | None,
    synthetic_vectors: int | None,
    strict: bool,
) -> None:
    """Benchmark zava-mcp on this machine.

    A private embedded PostgreSQL (--data-dir) is seeded once per scale and reused; each run
    writes DIR/<timestamp>/report.json and report.png and prints a summary. Exit status: 0 all
    benchmarks ran, 1 one failed, 3 (with --strict) a target was missed.
    """
    counts = QUICK if quick else Counts()
    if quick:  # one small seed: the bench database's scale, at most 1
        counts = dataclasses.replace(counts, seed_scales=(min(1.0, scale),))
    if synthetic_vectors is not None:
        counts = dataclasses.replace(
            counts,
            synthetic_vectors=synthetic_vectors,
            hnsw_fallback_vectors=min(counts.hnsw_fallback_vectors, synthetic_vectors // 2),
        )
    config = RunConfig(
        scale=scale,
        quick=quick,
        only=tuple(n for n in BENCHMARKS if n in only),
        out_dir=out.resolve(),
        data_dir=data_dir.resolve(),
        pg_port=pg_port,
        counts=counts,
    )
    from benchmarks.runner import run

    try:
        report, _folder, failures = _event_loop_runner()(run(config))
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    if failures:
        sys.exit(1)
    if strict and not all(t["passed"] for t in report["targets"]):
        sys.exit(3)


def _event_loop_runner() -> Any:
    """uvloop's runner when installed (a leaner load generator leaves more of a small machine's
    cores to the server and PostgreSQL it measures, for the MCP and the direct path alike)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


if __name__ == "__main__":
    main(prog_name="scripts/bench")
