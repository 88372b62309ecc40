"""What a run does: the benchmarks chosen, their counts and time caps (full and ``--quick``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Dev tooling, run only from a checkout (scripts/bench puts scripts/ on PYTHONPATH): it renders
# scripts/nginx.conf, reads the eval set in tests/data and writes bench-results/, so it finds the
# checkout from its own file (scripts/benchmarks/config.py). The product package never does this.
ROOT = Path(__file__).resolve().parents[2]
#: what child processes put on PYTHONPATH to import this package (``python -m benchmarks.floor``)
SCRIPTS = ROOT / "scripts"

BENCHMARKS = (
    "mcp_vs_direct",
    "profile",
    "memory",
    "rls_overhead",
    "replicas",
    "seed",
    "store_performance",
    "vectors",
    "search",
)


@dataclass(frozen=True)
class Counts:
    """Every loop in the harness is bounded by one of these counts and by a time cap. The
    defaults keep a full run on a fresh clone within 15 minutes on 2 cores (issue 12): the
    scale-10 seed alone takes about four of them."""

    concurrency: tuple[int, ...] = (1, 8, 32, 128)
    #: total timed calls per concurrency level (each client makes calls // clients of them)
    calls: dict[int, int] = field(default_factory=lambda: {1: 150, 8: 160, 32: 256, 128: 384})
    level_cap_s: float = 45.0
    rls_repetitions: int = 20
    rls_cap_s: float = 90.0
    replica_clients: int = 32
    replica_calls: int = 256
    seed_scales: tuple[float, ...] = (1.0, 10.0)
    store_perf_warm_calls: int = 45
    synthetic_vectors: int = 50_000
    synthetic_clusters: int = 200
    synthetic_queries: int = 200
    catalogue_queries: int = 100
    exact_queries: int = 25
    catalogue_embed_limit: int | None = None
    probes: tuple[int, ...] = (1, 2, 5, 10, 20)
    ef_search: tuple[int, ...] = (10, 20, 40, 80, 160)
    hnsw_timeout_s: float = 300.0
    hnsw_fallback_vectors: int = 50_000
    vector_query_cap_s: float = 30.0
    #: calls per profiled window: 1 client asking ``select 1``, 32 clients the analytics mix
    profile_calls: dict[int, int] = field(default_factory=lambda: {1: 1000, 32: 384})
    profile_cap_s: float = 90.0
    #: py-spy's samples per second (per thread that is running)
    profile_rate_hz: int = 250


QUICK = Counts(
    concurrency=(1, 8, 32),
    calls={1: 10, 8: 16, 32: 32},
    level_cap_s=15.0,
    rls_repetitions=5,
    rls_cap_s=20.0,
    replica_clients=8,
    replica_calls=32,
    seed_scales=(1.0,),
    store_perf_warm_calls=10,
    synthetic_vectors=2000,
    synthetic_clusters=20,
    synthetic_queries=50,
    catalogue_queries=30,
    exact_queries=10,
    catalogue_embed_limit=128,
    hnsw_timeout_s=60.0,
    hnsw_fallback_vectors=1000,
    vector_query_cap_s=10.0,
    profile_calls={1: 200, 32: 96},
    profile_cap_s=20.0,
)


@dataclass(frozen=True)
class RunConfig:
    scale: float
    quick: bool
    only: tuple[str, ...]
    out_dir: Path
    data_dir: Path
    pg_port: int | None
    counts: Counts

    def wants(self, name: str) -> bool:
        return name in self.only
