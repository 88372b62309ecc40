"""Hybrid product search: ``retail.search_products_hybrid`` (vector ranking fused with full-text
ranking in PostgreSQL, migration 0007). Vector-only and full-text-only are the same function with
one weight at zero, so the three modes rank by exactly the same rules."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import sqlalchemy.exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from zava_mcp.db.queries import ProductHit, set_probes, vector_literal
from zava_mcp.errors import EmbeddingModelMismatchError

SearchMode = Literal["hybrid", "vector", "text"]

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


_SQL = text(
    "select product_id, sku, product_name, product_description, category_name, "
    "product_type_name, base_price, similarity, in_stock_units "
    "from retail.search_products_hybrid(:q, cast(:v as public.vector), :m, :n, :stock, :t, "
    ":wv, :wk, :wt, :k, :spread, :c)"
)


async def search_products_hybrid(
    conn: AsyncConnection,
    query: str,
    embedding: list[float] | None,
    *,
    model: str,
    limit: int,
    threshold: float,
    in_stock_only: bool,
    fusion: Fusion,
    probes: int,
) -> list[ProductHit]:
    """Products for ``query`` (text) and ``embedding`` (its vector, ``None`` for text only).

    Raises :class:`EmbeddingModelMismatchError` when the catalogue holds no vectors of
    ``model``: vectors of another model are never compared with this query's.
    """
    if embedding is not None and fusion.vector_weight > 0:
        await set_probes(conn, probes, iterative=in_stock_only)
    params = {
        "q": query,
        "v": vector_literal(embedding) if embedding is not None else None,
        "m": model,
        "n": limit,
        "stock": in_stock_only,
        "t": threshold,
        "wv": fusion.vector_weight if embedding is not None else 0.0,
        "wk": fusion.type_weight if embedding is not None else 0.0,
        "wt": fusion.text_weight,
        "k": fusion.rrf_k,
        "spread": fusion.type_spread,
        "c": fusion.candidates,
    }
    try:
        rows = await conn.execute(_SQL, params)
    except sqlalchemy.exc.DBAPIError as exc:
        cause = getattr(exc.orig, "__cause__", None) or exc.orig
        if getattr(cause, "sqlstate", None) == MODEL_MISMATCH_SQLSTATE:
            stored = (getattr(cause, "detail", None) or "").strip()
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
