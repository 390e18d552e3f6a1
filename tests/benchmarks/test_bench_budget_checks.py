"""bench_budget's pure parts: the catalog pools its variants sample, and its targets."""

from __future__ import annotations

import bench_budget as bb

from orkit.catalog import Catalog
from orkit.cost import price_overrides


def test_the_pools_hold_what_their_variants_promise() -> None:
    pools = bb.Pools()
    catalog = Catalog.bundled()
    assert len(pools.all) > 300  # the whole catalog, less routers and non-text models
    assert any(m.endswith(":free") for m in pools.all)
    assert any(m.startswith("~") for m in pools.all)  # aliases too
    assert pools.with_overrides
    for model in pools.with_overrides:
        info = catalog.get(model)
        assert info is not None and price_overrides(info)
    assert pools.long_context
    for model in pools.long_context:
        info = catalog.get(model)
        assert info is not None
        tier = bb.long_tier(info)
        assert tier is not None and tier <= bb.LONG_TIER_MAX_TOKENS
        assert (info.context_length or 0) >= 2 * tier


def _variant(**changes: object) -> dict[str, object]:
    clean: dict[str, object] = {"runs": 10, "overspent_runs": 0, "max_unrecorded_usd": 0.0}
    return clean | changes


def test_an_overspent_run_in_any_variant_is_a_missed_target() -> None:
    result = {"variants": {"baseline": _variant(), "long_prompts": _variant(overspent_runs=1)}}
    assert bb.missed_targets(result) == ["long_prompts: overspent_runs = 1 (target 0)"]


def test_spend_the_manifest_missed_is_a_missed_target() -> None:
    assert bb.missed_targets({"variants": {"faulted": _variant(max_unrecorded_usd=1e-12)}}) == []
    (missed,) = bb.missed_targets({"variants": {"faulted": _variant(max_unrecorded_usd=1e-6)}})
    assert missed.startswith("faulted: max_unrecorded_usd = 1e-06")


def test_summary_counts_overspent_runs_and_the_worst_ratio() -> None:
    runs = [
        {
            "overspent": False,
            "spent_usd": 0.5,
            "budget_usd": 1.0,
            "unused_fraction": 0.5,
            "unrecorded_usd": 0.0,
            "ok": 3,
            "skipped": 1,
            "models": ["a", "b"],
        },
        {
            "overspent": True,
            "spent_usd": 1.5,
            "budget_usd": 1.0,
            "unused_fraction": 0.0,
            "unrecorded_usd": -2e-9,
            "ok": 4,
            "skipped": 0,
            "models": ["b", "c"],
        },
    ]
    s = bb.summary(runs)
    assert s["overspent_runs"] == 1 and s["max_spend_over_budget"] == 1.5
    assert s["max_unrecorded_usd"] == 2e-9  # either sign counts
    assert (s["tasks_sent"], s["tasks_skipped_for_budget"], s["models_seen"]) == (7, 1, 3)
