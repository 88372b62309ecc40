"""Product search: the need's vector and its words, ranked together in PostgreSQL.

The default is hybrid retrieval (``retail.search_products_hybrid``): the nearest description
vectors of the configured model fused with full-text matches over name, type, category and
description. ``vector`` and ``text`` keep one of the two rankings (for comparison, or for a
server without an embedder's vectors).
"""

from __future__ import annotations

import time

from cachetools import LRUCache

from zava_mcp.db.queries import search as search_queries
from zava_mcp.db.queries.search import Fusion, SearchMode
from zava_mcp.embeddings.base import Embedder
from zava_mcp.errors import ValidationError
from zava_mcp.identity import Identity
from zava_mcp.infra.metrics import Metrics
from zava_mcp.infra.settings import Settings
from zava_mcp.services.base import ServiceContext
from zava_mcp.services.schemas import ProductMatch, ProductSearchResult


class ProductSearchService:
    """Search that never mixes vectors of different models: only the configured model's rows,
    and a typed error (``EMBEDDING_MODEL_MISMATCH``) when the catalogue holds none of them."""

    def __init__(
        self,
        ctx: ServiceContext,
        embedder: Embedder,
        *,
        probes: int = 10,
        metrics: Metrics | None = None,
        mode: SearchMode = "hybrid",
        fusion: Fusion | None = None,
    ) -> None:
        self.ctx = ctx
        self.embedder = embedder
        self.probes = probes
        self.metrics = metrics
        self.mode: SearchMode = mode
        self.fusion = fusion or Fusion()
        # query text -> vector; identity-free on purpose: an embedding carries no tenant data
        self._vectors: LRUCache[str, list[float]] = LRUCache(maxsize=512)

    @classmethod
    def from_settings(
        cls,
        ctx: ServiceContext,
        embedder: Embedder,
        settings: Settings,
        *,
        metrics: Metrics | None = None,
    ) -> ProductSearchService:
        """The service as the settings configure it (mode, fusion, probes)."""
        fusion = Fusion(
            vector_weight=1.0,
            type_weight=settings.search_type_weight,
            text_weight=settings.search_text_weight,
            rrf_k=settings.search_rrf_k,
            type_spread=settings.search_type_spread,
            candidates=settings.search_candidates,
        )
        return cls(
            ctx,
            embedder,
            probes=settings.search_probes,
            metrics=metrics,
            mode=settings.search_mode,
            fusion=fusion,
        )

    def forget_queries(self) -> None:
        """Drop the remembered query vectors (the bench times searches that embed)."""
        self._vectors.clear()

    async def embed_query(self, query: str) -> list[float]:
        key = " ".join(query.split()).lower()
        vector = self._vectors.get(key)
        if vector is None:
            provider = self.embedder.model_name.split(":", 1)[0]
            started = time.perf_counter()
            outcome = "error"
            try:
                vector = (await self.embedder.embed([key]))[0]
                outcome = "ok"
            finally:
                if self.metrics is not None:
                    self.metrics.record_embedding(provider, outcome, time.perf_counter() - started)
            self._vectors[key] = vector
        return vector

    async def search(
        self,
        *,
        identity: Identity,
        query: str,
        max_results: int = 10,
        similarity_threshold: float = 0.3,
        in_stock_only: bool = False,
        mode: SearchMode | None = None,
    ) -> ProductSearchResult:
        """Products that answer ``query``, best first; optionally only those in stock at my
        stores. ``similarity_threshold`` drops weak vector matches (full-text matches stay);
        ``mode`` overrides the configured one (hybrid, vector or text)."""
        if not query.strip():
            raise ValidationError("query_description must not be empty")
        if not 1 <= max_results <= 50:
            raise ValidationError("max_results must be between 1 and 50")
        if not 0.0 <= similarity_threshold <= 1.0:
            raise ValidationError("similarity_threshold must be between 0 and 1")
        mode = mode or self.mode
        vector = None if mode == "text" else await self.embed_query(query)
        async with (
            self.ctx.track("product search", operation="search"),
            self.ctx.db.unit_of_work(identity) as conn,
        ):
            hits = await search_queries.search_products_hybrid(
                conn,
                query,
                vector,
                model=self.embedder.model_name,
                limit=max_results,
                threshold=similarity_threshold,
                in_stock_only=in_stock_only,
                fusion=self.fusion.for_mode(mode),
            )
        return ProductSearchResult(
            query=query,
            model=self.embedder.model_name,
            results=[
                ProductMatch(
                    product_id=str(h.product_id),
                    sku=h.sku,
                    name=h.name,
                    description=h.description,
                    category=h.category,
                    product_type=h.product_type,
                    base_price=h.base_price,
                    similarity=round(h.similarity, 4),
                    in_stock_units=h.in_stock_units,
                )
                for h in hits
            ],
        )
