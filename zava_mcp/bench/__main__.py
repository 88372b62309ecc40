"""``python -m zava_mcp.bench`` (or ``scripts/bench``): benchmark zava-mcp on this machine."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zava_mcp.bench.config import BENCHMARKS, QUICK, ROOT, Counts, RunConfig


def _only(value: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown benchmark(s) {', '.join(unknown) or '(none)'}; "
            f"choose from {', '.join(BENCHMARKS)}"
        )
    return names


def _scale(value: str) -> float:
    scale = float(value)
    if not 0.001 <= scale <= 100:
        raise argparse.ArgumentTypeError("--scale must be between 0.001 and 100")
    return scale


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument(
        "--scale", type=_scale, default=1.0, help="seed scale of the bench database (default 1)"
    )
    parser.add_argument("--quick", action="store_true", help="small counts (smoke test)")
    parser.add_argument(
        "--only",
        type=_only,
        default=BENCHMARKS,
        metavar="NAME[,NAME]",
        help=f"run only these benchmarks: {', '.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "bench-results",
        metavar="DIR",
        help="results go to DIR/<timestamp>/ (default bench-results/)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=ROOT / ".zava" / "bench",
        help="the bench PostgreSQL's data folder (default .zava/bench)",
    )
    parser.add_argument(
        "--pg-port", type=int, default=None, help="port for the bench PostgreSQL (default: free)"
    )
    parser.add_argument(
        "--synthetic-vectors",
        type=int,
        default=None,
        metavar="N",
        help="synthetic vectors for the vectors benchmark (default 100000, 2000 with --quick)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 3 when a target fails"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    counts = QUICK if args.quick else Counts()
    if args.quick:  # one small seed: the bench database's scale, at most 1
        counts = dataclasses.replace(counts, seed_scales=(min(1.0, args.scale),))
    if args.synthetic_vectors is not None:
        if args.synthetic_vectors < 100:
            print("--synthetic-vectors must be at least 100", file=sys.stderr)
            return 2
        counts = dataclasses.replace(
            counts,
            synthetic_vectors=args.synthetic_vectors,
            hnsw_fallback_vectors=min(counts.hnsw_fallback_vectors, args.synthetic_vectors // 2),
        )
    config = RunConfig(
        scale=args.scale,
        quick=args.quick,
        only=tuple(n for n in BENCHMARKS if n in args.only),
        out_dir=args.out.resolve(),
        data_dir=args.data_dir.resolve(),
        pg_port=args.pg_port,
        counts=counts,
    )
    from zava_mcp.bench.runner import run

    try:
        report, _folder, failures = _event_loop_runner()(run(config))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    if failures:
        return 1
    if args.strict and not all(t["passed"] for t in report["targets"]):
        return 3
    return 0


def _event_loop_runner() -> Any:
    """uvloop's runner when installed (a leaner load generator leaves more of a small machine's
    cores to the server and PostgreSQL it measures, for the MCP and the direct path alike)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


if __name__ == "__main__":
    raise SystemExit(main())
