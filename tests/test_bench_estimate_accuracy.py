"""The pure pieces of `benchmarks/bench_estimate_accuracy.py`: its percentile, and that its
targets can be missed (a figure that cannot fail proves nothing)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    monkeypatch.delitem(sys.modules, "bench_estimate_accuracy", raising=False)
    return importlib.import_module("bench_estimate_accuracy")


def test_percentile_interpolates_between_order_statistics(bench: ModuleType) -> None:
    assert bench.percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert bench.percentile([0.0, 10.0], 0.9) == pytest.approx(9.0)
    assert bench.percentile(list(range(21)), 0.9) == pytest.approx(18.0)
    assert bench.percentile([5.0], 0.9) == 5.0


def _trial(error: float, within: bool) -> dict[str, object]:
    return {
        "within_band": within,
        "expected_error_pct": error,
        "band_width_ratio": 1.5,
        "pooled_error_pct": -40.0,
        "pooled_within_band": False,
        "uncalibrated_within_band": True,
        "uncalibrated_band_width_ratio": 10000.0,
    }


def _byok(error: float, within: bool) -> dict[str, object]:
    return {"within_band": within, "expected_error_pct": error, "byok_upstream_error_pct": error}


CACHED = {"within_band": True, "expected_error_pct": 4.0}


def test_the_targets_hold_and_can_be_missed(bench: ModuleType) -> None:
    sweeps = {"demo": {"within_band": True, "expected_error_pct": -4.0}}
    good = bench.summary(
        [_trial(e, True) for e in (-3.0, 1.0, 2.0, 5.0)] * 5, sweeps, _byok(-2.0, True), CACHED
    )
    assert good["band_hit_rate"] == 1.0 and good["expected_error_pct_p90"] == 5.0
    assert bench.misses(good) == []
    # three trials of twenty out of band, and the error tail past 25%
    bad = bench.summary(
        [_trial(-30.0, False)] * 3 + [_trial(-40.0, True)] * 2 + [_trial(1.0, True)] * 15,
        {"demo": {"within_band": False, "expected_error_pct": 20.0}},
        _byok(-2.0, True),
        CACHED,
    )
    assert bad["band_hit_rate"] == 0.85 and bad["expected_error_pct_p90"] == 31.0
    assert len(bench.misses(bad)) == 4


def test_the_byok_sweep_has_its_own_targets(bench: ModuleType) -> None:
    sweeps = {"demo": {"within_band": True, "expected_error_pct": -4.0}}
    trials = [_trial(1.0, True)] * 20
    good = bench.summary(trials, sweeps, _byok(14.0, True), CACHED)
    assert good["byok_expected_error_pct"] == 14.0 and bench.misses(good) == []
    off = bench.misses(bench.summary(trials, sweeps, _byok(-16.0, True), CACHED))
    assert off == ["the BYOK sweep's expected fee was off by -16.0%"]
    outside = bench.misses(bench.summary(trials, sweeps, _byok(3.0, False), CACHED))
    assert outside == ["the BYOK sweep's actual fee fell outside its calibrated band"]


def test_the_cached_sweep_has_its_own_targets(bench: ModuleType) -> None:
    sweeps = {"demo": {"within_band": True, "expected_error_pct": -4.0}}
    trials = [_trial(1.0, True)] * 20
    good = bench.summary(trials, sweeps, _byok(1.0, True), {**CACHED, "expected_error_pct": -15})
    assert good["cached_expected_error_pct"] == -15 and bench.misses(good) == []
    off = {"within_band": True, "expected_error_pct": 15.5}
    missed = bench.misses(bench.summary(trials, sweeps, _byok(1.0, True), off))
    assert missed == ["the cached sweep's expected cost was off by 15.5%"]
    outside = {"within_band": False, "expected_error_pct": 1.0}
    missed = bench.misses(bench.summary(trials, sweeps, _byok(1.0, True), outside))
    assert missed == ["the cached sweep's actual cost fell outside its calibrated band"]
