"""The vectors benchmark's two data sets: the seeded catalogue's description embeddings, and
clustered synthetic vectors (numpy, fixed seed); with the true nearest neighbours from numpy."""

from __future__ import annotations

import math
from dataclasses import dataclass

import asyncpg
import numpy as np
from numpy.typing import NDArray
from pgvector.asyncpg import register_vector

from benchmarks import output
from benchmarks.context import Context
from zava_mcp.embeddings import EMBEDDING_DIMENSIONS

K = 10
SEED = 20240501

Matrix = NDArray[np.float32]


@dataclass
class DataSet:
    name: str
    vectors: Matrix
    queries: Matrix
    note: str


def normalise(matrix: Matrix) -> Matrix:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32)


def synthetic(
    n: int, clusters: int, queries: int, *, dims: int = EMBEDDING_DIMENSIONS, rank: int = 24
) -> tuple[Matrix, Matrix]:
    """``n`` clustered unit vectors and ``queries`` query vectors near the cluster centres."""
    rng = np.random.default_rng(SEED)
    centres = normalise(rng.standard_normal((clusters, dims), dtype=np.float32))
    bases = rng.standard_normal((clusters, rank, dims), dtype=np.float32) / np.float32(
        math.sqrt(dims)
    )
    labels = rng.integers(0, clusters, n)
    vectors = np.empty((n, dims), dtype=np.float32)
    for c in range(clusters):
        members = np.nonzero(labels == c)[0]
        spread = rng.standard_normal((len(members), rank), dtype=np.float32) * np.float32(0.1)
        noise = rng.standard_normal((len(members), dims), dtype=np.float32) * np.float32(
            0.05 / math.sqrt(dims)
        )
        vectors[members] = centres[c] + spread @ bases[c] + noise
    picks = rng.integers(0, clusters, queries)
    near = rng.standard_normal((queries, rank), dtype=np.float32) * np.float32(0.05)
    query_vectors = centres[picks] + np.einsum("qr,qrd->qd", near, bases[picks])
    return normalise(vectors), normalise(query_vectors.astype(np.float32))


def true_neighbours(vectors: Matrix, queries: Matrix, k: int = K) -> list[set[int]]:
    """Exact top-``k`` ids by cosine similarity (rows are unit vectors), in blocks."""
    out: list[set[int]] = []
    for start in range(0, len(queries), 64):
        sims = queries[start : start + 64] @ vectors.T
        top = np.argpartition(-sims, kth=min(k, sims.shape[1] - 1), axis=1)[:, :k]
        out.extend({int(i) for i in row} for row in top)
    return out


async def catalogue(ctx: Context) -> DataSet:
    """The seeded product description embeddings (embedded now if the seed skipped them)."""
    vectors: Matrix | None = None
    note = "retail.product_description_embeddings of the bench database"
    plain = await asyncpg.connect(ctx.admin_dsn)  # no vector codec: the seed's code sends text
    try:
        stored = await plain.fetchval("select count(*) from retail.product_description_embeddings")
        if not stored:
            vectors = await embed_catalogue_now(ctx, plain)
            if vectors is None:
                note += " (embedded by this run with LocalEmbedder and kept there)"
            else:
                note = (
                    f"{len(vectors)} product descriptions embedded in memory with LocalEmbedder "
                    "(the bench database has no embeddings; --quick embeds only these)"
                )
    finally:
        await plain.close()
    if vectors is None:
        conn = await asyncpg.connect(ctx.admin_dsn)
        try:
            await register_vector(conn)
            rows = await conn.fetch(
                "select description_embedding from retail.product_description_embeddings "
                "order by product_id, model_name"
            )
        finally:
            await conn.close()
        vectors = np.stack([r[0].to_numpy() for r in rows]).astype(np.float32)
    vectors = normalise(vectors)
    rng = np.random.default_rng(SEED)
    count = min(ctx.config.counts.catalogue_queries, len(vectors))
    first = rng.choice(len(vectors), size=count, replace=False)
    second = rng.choice(len(vectors), size=count, replace=True)
    # a need between two products: one description, half of another
    queries = normalise(vectors[first] + np.float32(0.5) * vectors[second])
    return DataSet("catalogue", vectors, queries, note)


async def embed_catalogue_now(ctx: Context, conn: asyncpg.Connection) -> Matrix | None:
    """Embed the catalogue: into the bench database (full runs; ``None``), or in memory."""
    from zava_mcp.embeddings import LocalEmbedder
    from zava_mcp.seed.embed import embed_catalogue

    limit = ctx.config.counts.catalogue_embed_limit
    embedder = LocalEmbedder()
    try:
        with output.step("vectors: embedding the catalogue with LocalEmbedder"):
            if limit is None:
                await embed_catalogue(conn, embedder)  # kept: later runs find them
                return None
            products = await conn.fetch(
                "select name, description from retail.products order by sku limit $1", limit
            )
            texts = [f"{r['name']}. {r['description']}" for r in products]
            return np.asarray(await embedder.embed(texts), dtype=np.float32)
    finally:
        await embedder.aclose()
