"""Hybrid product search: ``retail.search_products_hybrid`` (vector ranking fused with full-text
ranking in PostgreSQL, migrations 0007 and 0009). Vector-only and full-text-only are the same
function with one weight at zero, so the three modes rank by exactly the same rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Literal

import asyncpg

from zava_mcp.db.tenant import Tenant
from zava_mcp.errors import EmbeddingModelMismatchError

SearchMode = Literal["hybrid", "vector", "text"]


@dataclass(frozen=True)
class ProductHit:
    product_id: uuid.UUID
    sku: str
    name: str
    description: str
    category: str
    product_type: str
    base_price: float
    similarity: float
    in_stock_units: int | None = None


#: raised by the search function when no stored vector was made by the query's model
MODEL_MISMATCH_SQLSTATE = "ZV001"


@dataclass(frozen=True)
class Fusion:
    """How a candidate is scored (see migration 0007): ``vector_weight`` x its cosine similarity
    + ``type_weight`` x its type's + ``text_weight / (rrf_k + full-text rank)``, less
    ``type_spread`` for each better product of the same type."""

    vector_weight: float = 1.0
    type_weight: float = 0.5
    text_weight: float = 0.25
    rrf_k: int = 10
    type_spread: float = 0.1
    candidates: int = 100

    def for_mode(self, mode: SearchMode) -> Fusion:
        """``vector`` and ``text`` keep one plain ranking; ``hybrid`` is this fusion."""
        if mode == "vector":
            return replace(
                self, vector_weight=1.0, type_weight=0.0, text_weight=0.0, type_spread=0.0
            )
        if mode == "text":
            return replace(
                self,
                vector_weight=0.0,
                type_weight=0.0,
                text_weight=self.text_weight or 1.0,
                type_spread=0.0,
            )
        return self


async def set_probes(conn: Tenant, probes: int, *, iterative: bool = False) -> None:
    statements = [f"SET LOCAL ivfflat.probes = {int(probes)}"]
    if iterative:
        # pgvector 0.8: keep scanning lists until enough rows pass the stock filter
        statements += [
            "SET LOCAL ivfflat.iterative_scan = relaxed_order",
            f"SET LOCAL ivfflat.max_probes = {max(int(probes) * 8, 64)}",
        ]
    await conn.execute("; ".join(statements))


async def search_products(
    conn: Tenant,
    embedding: list[float],
    *,
    threshold: float,
    limit: int,
    model: str,
    probes: int,
) -> list[ProductHit]:
    """Nearest products by description through ``retail.search_products_by_description`` (the
    plain vector search of 0003; the service searches with :func:`search_products_hybrid`)."""
    await set_probes(conn, probes)
    rows = await conn.fetch(
        "select product_id, sku, product_name, product_description, category_name, "
        "product_type_name, base_price, similarity "
        "from retail.search_products_by_description($1::public.vector, $2, $3, $4)",
        embedding,
        threshold,
        limit,
        model,
    )
    return [ProductHit(r[0], r[1], r[2], r[3], r[4], r[5], float(r[6]), float(r[7])) for r in rows]


# the vector travels in binary through pgvector's codec (registered on connect)
_SQL = (
    "select product_id, sku, product_name, product_description, category_name, "
    "product_type_name, base_price, similarity, in_stock_units "
    "from retail.search_products_hybrid($1, $2::public.vector, $3, $4, $5, $6, "
    "$7, $8, $9, $10, $11, $12)"
)


async def search_products_hybrid(
    conn: Tenant,
    query: str,
    embedding: list[float] | None,
    *,
    model: str,
    limit: int,
    threshold: float,
    in_stock_only: bool,
    fusion: Fusion,
) -> list[ProductHit]:
    """Products for ``query`` (text) and ``embedding`` (its vector, ``None`` for text only).

    The function compares every product's vector exactly (0009: no ivfflat index, so no probes
    to set, and nothing missed). Raises :class:`EmbeddingModelMismatchError` when the catalogue
    holds no vectors of ``model``: vectors of another model are never compared with this query's.
    """
    params = (
        query,
        embedding,
        model,
        limit,
        in_stock_only,
        threshold,
        fusion.vector_weight if embedding is not None else 0.0,
        fusion.type_weight if embedding is not None else 0.0,
        fusion.text_weight,
        fusion.rrf_k,
        fusion.type_spread,
        fusion.candidates,
    )
    try:
        rows = await conn.fetch(_SQL, *params)
    except asyncpg.exceptions.PostgresError as exc:
        if exc.sqlstate == MODEL_MISMATCH_SQLSTATE:
            stored = (getattr(exc, "detail", None) or "").strip()
            raise EmbeddingModelMismatchError.for_models(model, stored) from None
        raise
    return [
        ProductHit(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            float(r[6]),
            float(r[7]) if r[7] is not None else 0.0,
            int(r[8]) if r[8] is not None else None,
        )
        for r in rows
    ]
