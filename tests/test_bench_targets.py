"""The benchmark's own-cost targets (issue 12): stable names, and figures computed as stated."""

from __future__ import annotations

from benchmarks.mcp import own_cost_summary, own_cost_targets


def test_own_cost_is_measured_against_select_1_and_named_stably() -> None:
    trivial = {"own_cost_p50_ms": 0.8}
    paired = {
        "by_query": {
            "revenue_by_month": {"own_cost_p50_ms": 1.4},
            "top_products": {"own_cost_p50_ms": 0.5},
        }
    }
    own = own_cost_summary(trivial, paired)
    assert own["select1_ms"] == 0.8
    assert own["questions_max_ms"] == 1.4
    assert own["flatness_ms"] == 0.6  # |1.4 - 0.8|, the farthest question from select 1
    own.update(server_cpu_ratio=1.2, cpu_at_clients=32)
    targets = {t.name: t.to_json() for t in own_cost_targets(own)}
    assert set(targets) == {
        "own_cost_select1_ms",
        "own_cost_questions_max_ms",
        "own_cost_flatness_ms",
        "server_cpu_ratio",
    }
    assert targets["own_cost_select1_ms"]["pass"] is True
    assert targets["own_cost_questions_max_ms"]["pass"] is False
    assert targets["own_cost_flatness_ms"]["pass"] is False
    assert targets["server_cpu_ratio"]["pass"] is True
    for entry in targets.values():
        assert set(entry) >= {"measured", "goal", "pass"}


def test_missing_figures_fail_rather_than_pass() -> None:
    targets = own_cost_targets({})
    assert len(targets) == 4 and not any(t.passed for t in targets)
