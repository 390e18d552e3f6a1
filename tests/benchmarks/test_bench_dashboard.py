"""bench_dashboard: its figure (the median over pairs of the extra CPU), the targets it exits
non-zero on, and the whole measurement at a tiny size in a real kernel."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

import pytest


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend("benchmarks")
    monkeypatch.delitem(sys.modules, "bench_dashboard", raising=False)
    return importlib.import_module("bench_dashboard")


def test_the_overhead_is_the_median_of_the_pairs_extra_cpu(bench: ModuleType) -> None:
    # (without, with): +2%, +10%, +4% -> 4%; a noisy pair moves the median no further
    assert bench.overhead_pct([(10.0, 10.2), (10.0, 11.0), (5.0, 5.2)]) == pytest.approx(4.0)
    assert bench.overhead_pct([(4.0, 3.9)]) == pytest.approx(-2.5)  # noise can make it < 0
    with pytest.raises(ValueError):
        bench.overhead_pct([])


def _arm(**changes: Any) -> dict[str, Any]:
    return {
        "cpu_s": 4.0,
        "tasks_per_s": 280.0,
        "wall_s": 18.0,
        "widget_messages": 320,
        "ok": 5000,
        "status": "completed",
        **changes,
    }


def test_summaries_take_medians_and_count_short_runs(bench: ModuleType) -> None:
    arms = [_arm(cpu_s=4.0), _arm(cpu_s=3.0, ok=4999), _arm(cpu_s=5.0, status="cancelled")]
    summary = bench.summarise(arms, 5000)
    assert summary["cpu_s"] == 4.0
    assert summary["rows_short"] == 2
    assert summary["widget_messages_min"] == 320


def _result(bench: ModuleType, **changes: Any) -> dict[str, Any]:
    with_ = bench.summarise([_arm()], 5000)
    without = bench.summarise([_arm(widget_messages=0)], 5000)
    return {"cpu_overhead_pct": 3.5, "with_dashboard": with_, "without_dashboard": without} | (
        changes
    )


def test_each_missed_target_is_named(bench: ModuleType) -> None:
    assert bench.missed_targets(_result(bench)) == []
    assert bench.missed_targets(_result(bench, cpu_overhead_pct=5.0)) == [
        "cpu_overhead_pct 5.0 >= 5"
    ]
    assert bench.missed_targets(_result(bench, cpu_overhead_pct=float("nan"))) != []
    silent = bench.summarise([_arm(widget_messages=0)], 5000)
    (missed,) = bench.missed_targets(_result(bench, with_dashboard=silent))
    assert "no widget update" in missed
    short = bench.summarise([_arm(ok=10)], 5000)
    (missed,) = bench.missed_targets(_result(bench, with_dashboard=short))
    assert missed.startswith("with_dashboard: 1 runs")


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.integration
def test_a_tiny_measurement_runs_both_arms_in_a_kernel(bench: ModuleType) -> None:
    pytest.importorskip("ipykernel")
    result = bench.measure(items=60, pairs=1, warmup_items=10)
    assert result["tasks"] == 120 and result["pairs"] == 1
    assert result["with_dashboard"]["widget_messages_min"] > 0  # the dashboard was drawn
    assert result["without_dashboard"]["widget_messages_max"] == 0
    assert result["with_dashboard"]["rows_short"] == 0
    assert result["without_dashboard"]["rows_short"] == 0
    assert result["cpu_s_with_dashboard"] > 0 and result["cpu_s_without_dashboard"] > 0
    assert len(result["per_pair_overhead_pct"]) == 1
