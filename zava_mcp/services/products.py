"""Semantic product search: embed the need, rank the catalogue by cosine similarity."""

from __future__ import annotations

import time

from cachetools import LRUCache

from zava_mcp.db import queries
from zava_mcp.db.identity import Identity
from zava_mcp.embeddings.base import Embedder
from zava_mcp.errors import ValidationError
from zava_mcp.infra.metrics import Metrics
from zava_mcp.services.base import ServiceContext
from zava_mcp.services.schemas import ProductMatch, ProductSearchResult


class ProductSearchService:
    """Search that never mixes vectors of different models: only the configured model's rows."""

    def __init__(
        self,
        ctx: ServiceContext,
        embedder: Embedder,
        *,
        probes: int = 10,
        metrics: Metrics | None = None,
    ) -> None:
        self.ctx = ctx
        self.embedder = embedder
        self.probes = probes
        self.metrics = metrics
        # query text -> vector; identity-free on purpose: an embedding carries no tenant data
        self._vectors: LRUCache[str, list[float]] = LRUCache(maxsize=512)

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
    ) -> ProductSearchResult:
        """Products most similar to ``query``; optionally only those in stock at my stores."""
        if not query.strip():
            raise ValidationError("query_description must not be empty")
        if not 1 <= max_results <= 50:
            raise ValidationError("max_results must be between 1 and 50")
        if not 0.0 <= similarity_threshold <= 1.0:
            raise ValidationError("similarity_threshold must be between 0 and 1")
        vector = await self.embed_query(query)
        search = queries.search_products_in_stock if in_stock_only else queries.search_products
        async with (
            self.ctx.track("semantic search", operation="search"),
            self.ctx.db.unit_of_work(identity) as conn,
        ):
            hits = await search(
                conn,
                vector,
                threshold=similarity_threshold,
                limit=max_results,
                model=self.embedder.model_name,
                probes=self.probes,
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
