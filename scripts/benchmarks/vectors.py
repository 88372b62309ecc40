"""Recall@10 against latency for ivfflat, HNSW and exact search (pgvector, cosine distance).

Two data sets, each loaded into its own table of a scratch database (as the owner, with binary
COPY): the seeded catalogue's product description embeddings, and clustered synthetic vectors
(numpy, fixed seed; each of the clusters a gaussian around a random unit centre, spread in a
low-dimensional subspace of its own, the way real embeddings are; all L2-normalised). The true
10 nearest neighbours come from numpy. Each index is built alone on its table, measured at each
setting, then dropped; the tables keep their vectors out of TOAST (``STORAGE PLAIN``) so builds
can use parallel workers.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import asyncpg
import numpy as np
from pgvector.asyncpg import register_vector
from sqlalchemy.engine import URL

from benchmarks import output, vector_data
from benchmarks.config import Counts
from benchmarks.context import Context
from benchmarks.stats import summary
from benchmarks.vector_data import SEED, DataSet, K, Matrix, synthetic, true_neighbours
from zava_mcp.infra.settings import asyncpg_dsn

SCRATCH_DATABASE = "scratch_bench_vectors"
RECALL_TARGET = 0.95
COPY_CHUNK = 5000
#: the most an index build may hold in memory: a 100k x 1536 HNSW graph fits
BUILD_MEMORY_CAP_MB = 1024


def build_memory_mb(vectors: Matrix) -> int:
    """``maintenance_work_mem`` (MB) for an index build on ``vectors``: room for the HNSW graph
    (each vector plus its neighbour lists, under twice the vectors' size) and slack, capped.

    Not a flat 1 GB: a parallel HNSW build reserves all of maintenance_work_mem at once as one
    shared memory segment (posix_fallocate in /dev/shm: real memory, whatever the graph needs).
    A flat 1 GB made the --quick run (the smoke test in the default suite) hold 1 GiB of the
    shared machine's memory per build for a 2,000-row graph of about 15 MB.
    """
    need = 2 * vectors.nbytes / 2**20 + 64
    return int(min(BUILD_MEMORY_CAP_MB, math.ceil(need)))


async def _load(conn: asyncpg.Connection, table: str, vectors: Matrix) -> float:
    began = time.perf_counter()
    await conn.execute(f"drop table if exists bench.{table}")
    await conn.execute(
        f"create table bench.{table} (id integer primary key, "
        f"embedding public.vector({vectors.shape[1]}) not null)"
    )
    await conn.execute(f"alter table bench.{table} alter column embedding set storage plain")
    await conn.execute(f"alter table bench.{table} set (parallel_workers = 2)")
    for start in range(0, len(vectors), COPY_CHUNK):
        chunk = vectors[start : start + COPY_CHUNK]
        await conn.copy_records_to_table(
            table,
            schema_name="bench",
            columns=["id", "embedding"],
            records=[(start + i, row) for i, row in enumerate(chunk)],
        )
    await conn.execute(f"analyze bench.{table}")
    return time.perf_counter() - began


async def _measure(
    conn: asyncpg.Connection,
    table: str,
    queries: Matrix,
    truth: list[set[int]],
    cap_s: float,
) -> dict[str, Any]:
    sql = f"select id from bench.{table} order by embedding <=> $1 limit {K}"
    await conn.fetch(sql, queries[0])  # plan and cache warm-up
    latencies: list[float] = []
    recalls: list[float] = []
    deadline = time.monotonic() + cap_s
    for i, query in enumerate(queries):
        if time.monotonic() >= deadline:
            break
        began = time.perf_counter()
        rows = await conn.fetch(sql, query)
        latencies.append((time.perf_counter() - began) * 1000)
        recalls.append(len({int(r[0]) for r in rows} & truth[i]) / K)
    plan = "\n".join(
        r[0]
        for r in await conn.fetch(f"explain {sql.replace('$1', '$1::public.vector')}", queries[0])
    )
    return {
        "queries": len(latencies),
        "recall_at_10": round(float(np.mean(recalls)), 4) if recalls else None,
        "min_recall_at_10": round(float(np.min(recalls)), 4) if recalls else None,
        "queries_with_zero_recall": sum(1 for r in recalls if r == 0),
        **summary(latencies),
        "uses_index": "Index Scan" in plan,
    }


async def _build(
    conn: asyncpg.Connection,
    statement: str,
    index: str,
    memory_mb: int,
    timeout_s: float | None = None,
) -> tuple[float, int]:
    await conn.execute(f"set maintenance_work_mem = '{int(memory_mb)}MB'")
    await conn.execute(f"set statement_timeout = {int(timeout_s * 1000) if timeout_s else 0}")
    began = time.perf_counter()
    try:
        await conn.execute(statement)
    finally:
        await conn.execute("set statement_timeout = 0")
    seconds = time.perf_counter() - began
    size = int(await conn.fetchval("select pg_relation_size($1::regclass)", f"bench.{index}"))
    return seconds, size


async def _run_dataset(
    conn: asyncpg.Connection, data: DataSet, counts: Counts, *, hnsw_timeout_s: float | None
) -> dict[str, Any]:
    table = f"{data.name}_vectors"
    vectors, queries = data.vectors, data.queries
    with output.step(f"vectors[{data.name}]: COPY {len(vectors):,} x {vectors.shape[1]} vectors"):
        load_s = await _load(conn, table, vectors)
        truth = true_neighbours(vectors, queries)
    memory_mb = build_memory_mb(vectors)
    result: dict[str, Any] = {
        "source": data.note,
        "rows": len(vectors),
        "dimensions": int(vectors.shape[1]),
        "maintenance_work_mem_mb": memory_mb,
        "query_vectors": len(queries),
        "load_s": round(load_s, 2),
        "reduced_from": None,
        "methods": [],
    }
    cap = counts.vector_query_cap_s
    await conn.execute("set enable_seqscan = off")  # measure the index even on a small table

    # HNSW first: a build too slow for the budget shrinks the data set before anything is timed
    hnsw_sql = (
        f"create index {table}_hnsw on bench.{table} using hnsw "
        "(embedding public.vector_cosine_ops) with (m = 16, ef_construction = 64)"
    )
    with output.step(f"vectors[{data.name}]: HNSW build (m=16, ef_construction=64)"):
        try:
            hnsw_s, hnsw_bytes = await _build(
                conn, hnsw_sql, f"{table}_hnsw", memory_mb, hnsw_timeout_s
            )
        except asyncpg.QueryCanceledError:
            smaller = counts.hnsw_fallback_vectors
            output.warn(
                f"HNSW build over {hnsw_timeout_s:.0f}s on {len(vectors):,} vectors: "
                f"reducing the data set to {smaller:,}"
            )
            result["reduced_from"] = len(vectors)
            await conn.execute(f"delete from bench.{table} where id >= $1", smaller)
            await conn.execute(f"vacuum analyze bench.{table}")
            vectors = vectors[:smaller]
            truth = true_neighbours(vectors, queries)
            result["rows"] = len(vectors)
            hnsw_s, hnsw_bytes = await _build(conn, hnsw_sql, f"{table}_hnsw", memory_mb)
    output.say(f"  HNSW built in {hnsw_s:.1f}s ({hnsw_bytes / 2**20:.0f} MB)")
    hnsw: dict[str, Any] = {
        "method": "hnsw",
        "build_s": round(hnsw_s, 2),
        "index_mb": round(hnsw_bytes / 2**20, 1),
        "params": {"m": 16, "ef_construction": 64},
        "settings": [],
    }
    with output.step(f"vectors[{data.name}]: HNSW queries at ef_search {list(counts.ef_search)}"):
        for ef in counts.ef_search:
            await conn.execute(f"set hnsw.ef_search = {int(ef)}")
            point = {"ef_search": ef, **await _measure(conn, table, queries, truth, cap)}
            hnsw["settings"].append(point)
            output.say(
                f"  ef_search={ef:<4} recall@10 {point['recall_at_10']:.3f}  p50 "
                f"{point['p50_ms']:.2f} ms"
            )
    await conn.execute(f"drop index bench.{table}_hnsw")
    result["methods"].append(hnsw)

    lists = max(1, round(math.sqrt(len(vectors))))
    ivf_sql = (
        f"create index {table}_ivfflat on bench.{table} using ivfflat "
        f"(embedding public.vector_cosine_ops) with (lists = {lists})"
    )
    with output.step(f"vectors[{data.name}]: ivfflat build (lists={lists})"):
        ivf_s, ivf_bytes = await _build(conn, ivf_sql, f"{table}_ivfflat", memory_mb)
    output.say(f"  ivfflat built in {ivf_s:.1f}s ({ivf_bytes / 2**20:.0f} MB)")
    ivf: dict[str, Any] = {
        "method": "ivfflat",
        "build_s": round(ivf_s, 2),
        "index_mb": round(ivf_bytes / 2**20, 1),
        "params": {"lists": lists},
        "settings": [],
    }
    with output.step(f"vectors[{data.name}]: ivfflat queries at probes {list(counts.probes)}"):
        for probes in counts.probes:
            await conn.execute(f"set ivfflat.probes = {int(probes)}")
            point = {"probes": probes, **await _measure(conn, table, queries, truth, cap)}
            ivf["settings"].append(point)
            output.say(
                f"  probes={probes:<4} recall@10 {point['recall_at_10']:.3f}  p50 "
                f"{point['p50_ms']:.2f} ms"
            )
    await conn.execute(f"drop index bench.{table}_ivfflat")
    result["methods"].append(ivf)

    await conn.execute("reset enable_seqscan")
    exact_queries = queries[: counts.exact_queries]
    with output.step(f"vectors[{data.name}]: exact search ({len(exact_queries)} queries)"):
        point = await _measure(conn, table, exact_queries, truth, cap)
    output.say(f"  exact recall@10 {point['recall_at_10']:.3f}  p50 {point['p50_ms']:.2f} ms")
    result["methods"].append({"method": "exact", "build_s": 0.0, "settings": [point]})
    await conn.execute(f"drop table bench.{table}")
    result.update(winner(result["methods"]))
    return result


def winner(methods: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest (p50) index setting with recall@10 >= 0.95, and the fastest of all."""
    candidates = []
    for method in methods:
        for point in method["settings"]:
            if point["recall_at_10"] is not None and point["recall_at_10"] >= RECALL_TARGET:
                setting = {k: v for k, v in point.items() if k in ("probes", "ef_search")}
                candidates.append((point["p50_ms"], method["method"], setting, point))
    indexes = [c for c in candidates if c[1] != "exact"]

    def describe(c: tuple[float, str, dict[str, Any], dict[str, Any]] | None) -> Any:
        if c is None:
            return None
        return {"method": c[1], **c[2], "p50_ms": c[0], "recall_at_10": c[3]["recall_at_10"]}

    return {
        "winner_index": describe(min(indexes, key=lambda c: c[0]) if indexes else None),
        "fastest_at_target": describe(min(candidates, key=lambda c: c[0]) if candidates else None),
    }


async def vectors(ctx: Context) -> dict[str, Any]:
    counts = ctx.config.counts
    catalogue = await vector_data.catalogue(ctx)
    with output.step(
        f"vectors: generating {counts.synthetic_vectors:,} synthetic vectors "
        f"({counts.synthetic_clusters} clusters)"
    ):
        base, queries = synthetic(
            counts.synthetic_vectors, counts.synthetic_clusters, counts.synthetic_queries
        )
    data_sets = [
        catalogue,
        DataSet(
            "synthetic",
            base,
            queries,
            f"{len(base):,} clustered unit vectors ({counts.synthetic_clusters} gaussian clusters, "
            f"each spread in a 24-dimensional subspace; numpy seed {SEED}); "
            f"{len(queries)} queries near the cluster centres",
        ),
    ]
    url = await _scratch(ctx)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    results: dict[str, Any] = {}
    try:
        await register_vector(conn)
        await conn.execute("create schema if not exists bench")
        for data in data_sets:
            timeout = counts.hnsw_timeout_s if data.name == "synthetic" else None
            results[data.name] = await _run_dataset(conn, data, counts, hnsw_timeout_s=timeout)
    finally:
        await conn.close()
        await ctx.cluster.drop(SCRATCH_DATABASE)
    return {
        "k": K,
        "recall_target": RECALL_TARGET,
        "distance": "cosine (vector_cosine_ops)",
        "build_settings": (
            "maintenance_work_mem sized to each data set (maintenance_work_mem_mb, at most "
            f"{BUILD_MEMORY_CAP_MB} MB), max_parallel_maintenance_workers=2"
        ),
        "data_sets": results,
    }


async def _scratch(ctx: Context) -> URL:
    await ctx.cluster.drop(SCRATCH_DATABASE)
    return await asyncio.to_thread(ctx.cluster.pg.create_database, SCRATCH_DATABASE)
