"""The seed's embeddings step: vectors for every product description and every product type's
uses, then a fresh ivfflat index.

Smaller models are zero-padded to 1536 dimensions (cosine similarity is unchanged); each row
records its model, so a new model (``--reembed``) never mixes with the old one in a search, and
the model's own width, from which the database keeps the unpadded vector that search reads.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import asyncpg

from zava_mcp.embeddings.base import EMBEDDING_DIMENSIONS, Embedder
from zava_mcp.seed.progress import progress as progress_bar

INDEX = "retail.ix_product_description_embeddings_ivfflat"
BATCH = 128


@dataclass
class EmbedReport:
    model: str
    embedded: int
    seconds: float
    lists: int | None


def ivfflat_lists(rows: int) -> int:
    """pgvector's guidance (rows / 1000 up to a million rows, sqrt(rows) beyond), with
    sqrt(rows) for small tables so that probes still prune something."""
    if rows < 10_000 or rows > 1_000_000:
        return max(1, round(math.sqrt(rows)))
    return max(1, rows // 1000)


async def embed_catalogue(
    conn: asyncpg.Connection, embedder: Embedder, *, reembed: bool = False, progress: bool = False
) -> EmbedReport:
    """Embed products that have no vector for ``embedder``'s model yet (all with ``reembed``)."""
    started = time.perf_counter()
    model = embedder.model_name
    if reembed:
        await conn.execute(
            "delete from retail.product_description_embeddings where model_name = $1", model
        )
        await conn.execute(
            "delete from retail.product_type_embeddings where model_name = $1", model
        )
    types = await embed_product_types(conn, embedder)
    todo = await conn.fetch(
        "select p.id, p.name, p.description from retail.products p "
        "where not exists (select 1 from retail.product_description_embeddings e "
        "                  where e.product_id = p.id and e.model_name = $1) order by p.sku",
        model,
    )
    if not todo:
        if types:
            await conn.execute(
                "update retail.data_version set version = version + 1, changed_at = now()"
            )
        return EmbedReport(model, 0, time.perf_counter() - started, None)
    bar = progress_bar("embedding", unit=" products", total=len(todo), enabled=progress)
    try:
        for start in range(0, len(todo), BATCH):
            chunk = todo[start : start + BATCH]
            vectors = await embedder.embed([f"{r['name']}. {r['description']}" for r in chunk])
            await conn.executemany(
                "insert into retail.product_description_embeddings "
                "(product_id, model_name, description_embedding, dimensions) "
                "values ($1, $2, cast($3 as public.vector), $4)",
                [
                    (r["id"], model, _literal(v), native_width(embedder))
                    for r, v in zip(chunk, vectors, strict=True)
                ],
            )
            bar.update(len(chunk))
    finally:
        bar.close()
    lists = await rebuild_index(conn)
    await conn.execute("update retail.data_version set version = version + 1, changed_at = now()")
    return EmbedReport(model, len(todo), time.perf_counter() - started, lists)


def native_width(embedder: Embedder) -> int:
    """The model's own width, known once it has embedded something (the padded width if not)."""
    return embedder.native_dimensions or EMBEDDING_DIMENSIONS


def _literal(vector: list[float]) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


def product_type_text(name: str, description: str | None) -> str:
    return f"{name}: {description}" if description else name


async def embed_product_types(conn: asyncpg.Connection, embedder: Embedder) -> int:
    """Vectors for product types that have none for ``embedder``'s model (61: one batch)."""
    model = embedder.model_name
    todo = await conn.fetch(
        "select t.id, t.name, t.description from retail.product_types t "
        "where not exists (select 1 from retail.product_type_embeddings e "
        "                  where e.product_type_id = t.id and e.model_name = $1) order by t.name",
        model,
    )
    if not todo:
        return 0
    vectors = await embedder.embed([product_type_text(r["name"], r["description"]) for r in todo])
    await conn.executemany(
        "insert into retail.product_type_embeddings "
        "(product_type_id, model_name, embedding, dimensions) "
        "values ($1, $2, cast($3 as public.vector), $4)",
        [
            (r["id"], model, _literal(v), native_width(embedder))
            for r, v in zip(todo, vectors, strict=True)
        ],
    )
    return len(todo)


async def rebuild_index(conn: asyncpg.Connection) -> int:
    """ivfflat learns its lists from the data, so rebuild it after a bulk load."""
    rows = int(await conn.fetchval("select count(*) from retail.product_description_embeddings"))
    lists = ivfflat_lists(rows)
    await conn.execute(f"DROP INDEX IF EXISTS {INDEX}")
    await conn.execute(
        f"CREATE INDEX {INDEX.split('.')[1]} ON retail.product_description_embeddings "
        f"USING ivfflat (description_embedding public.vector_cosine_ops) WITH (lists = {lists})"
    )
    await conn.execute("ANALYZE retail.product_description_embeddings")
    return lists
