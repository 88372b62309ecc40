"""Search quality on the task-phrased eval set: hit@k and MRR by product type, per mode.

The eval set (``tests/data/search_tasks.json``) lists shopper needs, each with the product types
that answer it; a result is right when its product type is listed. Quality is deterministic for a
given catalogue, model and configuration, so the tests assert it; timings go in the bench.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.config import ROOT
from zava_mcp.db.queries.search import SearchMode
from zava_mcp.identity import Identity
from zava_mcp.services.products import ProductSearchService

EVAL_SET = ROOT / "tests" / "data" / "search_tasks.json"
MODES: tuple[SearchMode, ...] = ("vector", "text", "hybrid")
#: what the default configuration must reach on the eval set (issue 15)
HIT_AT_1_TARGET = 0.85
HIT_AT_5_TARGET = 0.98
P50_TARGET_MS = 15.0
FIRST_CALL_TARGET_MS = 1000.0
DEPTH = 10


@dataclass(frozen=True)
class Need:
    need: str
    types: frozenset[str]


@dataclass
class Quality:
    mode: str
    needs: int = 0
    hits: dict[int, int] = field(default_factory=lambda: {1: 0, 3: 0, 5: 0})
    reciprocal_ranks: float = 0.0
    misses: list[dict[str, Any]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    def hit_at(self, k: int) -> float:
        return self.hits[k] / self.needs if self.needs else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal_ranks / self.needs if self.needs else 0.0

    def add(self, need: Need, types: list[str]) -> None:
        self.needs += 1
        rank = next((i + 1 for i, t in enumerate(types) if t in need.types), None)
        for k in self.hits:
            self.hits[k] += rank is not None and rank <= k
        self.reciprocal_ranks += 1 / rank if rank else 0.0
        if rank is None or rank > 1:
            self.misses.append({"need": need.need, "rank": rank, "top": types[:3]})

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mode": self.mode,
            "needs": self.needs,
            **{f"hit_at_{k}": round(self.hit_at(k), 3) for k in self.hits},
            "mrr": round(self.mrr, 3),
            "not_first": self.misses,
        }
        if self.latencies_ms:
            out["p50_ms"] = round(statistics.median(self.latencies_ms), 2)
            out["p90_ms"] = round(statistics.quantiles(self.latencies_ms, n=10)[-1], 2)
        return out

    def line(self) -> str:
        return (
            f"{self.mode:<7} hit@1 {self.hit_at(1):.3f}  hit@3 {self.hit_at(3):.3f}  "
            f"hit@5 {self.hit_at(5):.3f}  MRR {self.mrr:.3f}  ({self.needs} needs)"
        )


def load_needs(path: Path = EVAL_SET) -> list[Need]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [Need(n["need"], frozenset(n["types"])) for n in data["needs"]]


async def evaluate(
    service: ProductSearchService,
    identity: Identity,
    needs: list[Need],
    mode: SearchMode | None = None,
    *,
    timed: bool = False,
) -> Quality:
    """Run every need through ``service`` (default arguments, as a client calls the tool)."""
    quality = Quality(mode or service.mode)
    for need in needs:
        if timed:
            service.forget_queries()  # every timed call embeds its query, as a new need would
        started = time.perf_counter()
        result = await service.search(
            identity=identity, query=need.need, max_results=DEPTH, mode=mode
        )
        if timed:
            quality.latencies_ms.append((time.perf_counter() - started) * 1000)
        quality.add(need, [r.product_type for r in result.results])
    return quality
