"""The exact yardsticks of `benchmarks/bench_ci_coverage.py`: the binomial weights its
exact coverage uses, the coverage itself, and the exact false-positive rate of McNemar's
test given the disagreements."""

from __future__ import annotations

import importlib
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    monkeypatch.delitem(sys.modules, "bench_ci_coverage", raising=False)
    return importlib.import_module("bench_ci_coverage")


@pytest.mark.parametrize(("n", "p"), [(1, 0.3), (30, 0.05), (200, 0.5), (1000, 0.99)])
def test_binomial_pmf_is_the_binomial_distribution(bench: ModuleType, n: int, p: float) -> None:
    pmf = bench.binomial_pmf(n, p)
    assert len(pmf) == n + 1 and pmf.sum() == pytest.approx(1.0, abs=1e-12)
    assert pmf @ np.arange(n + 1) == pytest.approx(n * p)
    k = n // 3
    assert pmf[k] == pytest.approx(math.comb(n, k) * p**k * (1 - p) ** (n - k), rel=1e-9)


def test_exact_coverage_weighs_each_count_by_its_probability(bench: ModuleType) -> None:
    n, p = 4, 0.5  # counts 0..4 with probabilities 1, 4, 6, 4, 1 (/16)
    low = np.array([0.0, 0.0, 0.6, 0.0, 0.0])  # holds 0.5 except after 2 right
    high = np.ones(n + 1)
    assert bench.exact_coverage(low, high, p) == pytest.approx(10 / 16)
    assert bench.exact_coverage(np.zeros(n + 1), high, p) == pytest.approx(1.0)
    assert bench.exact_coverage(np.full(n + 1, 0.6), high, p) == 0.0


def test_mcnemar_size_is_exact_and_never_above_alpha(bench: ModuleType) -> None:
    # 10 disagreements: 0, 1, 9 or 10 one way have p < 0.05 (2/1024, 22/1024), 2 or 8 do
    # not (112/1024): the size is (1 + 10 + 10 + 1) / 1024
    assert bench.mcnemar_size(10) == pytest.approx(22 / 1024)
    assert bench.mcnemar_size(0) == 0.0 and bench.mcnemar_size(5) == 0.0
    sizes = [bench.mcnemar_size(d) for d in (20, 50, 100, 300)]
    assert all(0.02 < s <= 0.05 for s in sizes), sizes


@pytest.mark.parametrize("agreement", [0.7, 0.9])
def test_difficulty_for_gives_the_asked_accuracy_and_agreement(
    bench: ModuleType, agreement: float
) -> None:
    ability, spread = bench.difficulty_for(agreement, 0.71)
    # checked by drawing: two models of that ability over 400,000 items of that spread
    rng = np.random.default_rng(5)
    b = rng.normal(0.0, spread, 400_000)
    p = 1.0 / (1.0 + np.exp(-(ability - b)))
    a_right, b_right = rng.random(b.size) < p, rng.random(b.size) < p
    assert a_right.mean() == pytest.approx(0.71, abs=0.005)
    assert (a_right == b_right).mean() == pytest.approx(agreement, abs=0.005)
