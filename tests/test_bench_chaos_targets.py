"""`bench_chaos.missed_targets`: each target the benchmark names makes it fail when missed
(and only then), so a figure that misses cannot pass silently."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def bench() -> Any:
    sys.path.insert(0, str(BENCHMARKS))  # how `python benchmarks/x.py` finds _harness
    try:
        import bench_chaos

        yield bench_chaos
    finally:
        sys.path.remove(str(BENCHMARKS))


def passing(bench: Any) -> dict[str, Any]:
    """A result that meets every target."""
    result: dict[str, Any] = {
        "failed_unclassified": 0,
        "duplicate_rows": 0,
        "double_billed": 0,
        "missing_rows": 0,
        "recorded_minus_billed_usd": 2e-16,
        "scattered_429_makespan_ratio": 1.2,
        "heavy_mix_makespan_ratio": 1.9,
        "stall_max_slot_s": 31.0,
        "stall_idle_timeout_s": 30.0,
        "retries_exhausted_error_rows": 1800,
        "retries_exhausted_unclassified": 0,
        "aborted_billing_billed_undelivered_usd": 0.02,
    }
    for name in ("scattered_429", "heavy_mix", "stall", *bench.NEW_SCENARIOS):
        result[f"{name}_not_ok"] = 0
        result[f"{name}_lost_tasks"] = 0
        result[f"{name}_recorded_minus_billed_usd"] = -3e-16
    result["retries_exhausted_not_ok"] = 1800  # expected there: not a target
    return result


def test_a_result_meeting_every_target_misses_none(bench: Any) -> None:
    assert bench.missed_targets(passing(bench)) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("recorded_minus_billed_usd", 2e-9),
        ("aborted_billing_recorded_minus_billed_usd", -1.5e-9),
        ("burst_fallback_recorded_minus_billed_usd", 1e-6),
        ("burst_fallback_lost_tasks", 1),
        ("retries_exhausted_lost_tasks", 3),
        ("retries_exhausted_error_rows", 0),
        ("retries_exhausted_unclassified", 2),
        ("aborted_billing_billed_undelivered_usd", 0.0),
        ("scattered_429_makespan_ratio", 1.31),
        ("heavy_mix_makespan_ratio", 2.01),
        ("stall_max_slot_s", 32.5),
        ("heavy_mix_not_ok", 1),
        ("missing_rows", 1),
        ("double_billed", 1),
    ],
)
def test_each_missed_target_is_named(bench: Any, key: str, value: float) -> None:
    result = passing(bench)
    result[key] = value
    (missed,) = bench.missed_targets(result)
    assert missed.startswith(f"{key}: {value!r} (target ")
