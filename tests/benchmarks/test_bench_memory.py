"""The pure parts of `benchmarks/bench_memory.py`: the least-squares slope its headline
figure is, and the targets it exits non-zero on."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent.parent / "benchmarks"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # how `python benchmarks/x.py` finds _harness
    monkeypatch.delitem(sys.modules, "bench_memory", raising=False)
    return importlib.import_module("bench_memory")


def test_the_slope_is_the_least_squares_line(bench: ModuleType) -> None:
    assert bench.least_squares_slope([1, 2, 3], [2, 4, 6]) == pytest.approx(2.0)
    # flat but noisy: the line through the points, not the end points' difference
    assert bench.least_squares_slope([0, 1, 2, 3], [10, 12, 10, 12]) == pytest.approx(0.4)
    # 20k..200k tasks growing 1.5 MB per 10k tasks on top of a 180 MB floor
    tasks = [20_000, 50_000, 100_000, 200_000]
    peaks = [180 + 1.5 * t / 10_000 for t in tasks]
    assert 10_000 * bench.least_squares_slope(tasks, peaks) == pytest.approx(1.5)


def test_a_slope_needs_two_distinct_sizes(bench: ModuleType) -> None:
    with pytest.raises(ValueError):
        bench.least_squares_slope([5], [1])
    with pytest.raises(ValueError):
        bench.least_squares_slope([5, 5], [1, 2])


def test_each_target_missed_is_named(bench: ModuleType) -> None:
    assert bench.missed_targets(5.0, 399.9) == []
    missed = bench.missed_targets(5.01, 400.0)
    assert len(missed) == 2
    assert "above the drill-down's cap" in missed[0] and "200k" in missed[1]
    assert bench.missed_targets(float("nan"), 100.0) != []  # no figure is no pass
    assert bench.missed_targets(1.0, float("nan")) != []
