"""`bench_report.missed_targets`: each target the benchmark names makes it fail when missed
(a figure that cannot fail proves nothing)."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

import pytest


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend("benchmarks")
    monkeypatch.delitem(sys.modules, "bench_report", raising=False)
    return importlib.import_module("bench_report")


def _page(**changes: Any) -> dict[str, Any]:
    return {
        "size_mb": 8.8,
        "open_ms": 700.0,
        "console_errors": 0,
        "external_requests": 0,
        **changes,
    }


def _result(**changes: Any) -> dict[str, Any]:
    return {
        **_page(),
        "render_peak_rss_mb": 350.0,
        "render_rss_slope_mb_per_10k": 1.5,
        "demo": _page(),
        **changes,
    }


def test_figures_on_target_pass(bench: ModuleType) -> None:
    assert bench.missed_targets(_result()) == []


@pytest.mark.parametrize(
    ("changes", "missed"),
    [
        ({"size_mb": 10.01}, "large: size 10.01 MB > 10"),
        ({"open_ms": 2000.5}, "large: open 2000.5 ms > 2000"),
        ({"console_errors": 1}, "large: console_errors = 1"),
        ({"external_requests": 2}, "large: external_requests = 2"),
        ({"demo": _page(open_ms=2500.0)}, "demo: open 2500.0 ms > 2000"),
        ({"render_peak_rss_mb": 400.0}, "peak RSS at 200k tasks 400.0 MB >= 400"),
        ({"render_rss_slope_mb_per_10k": 5.5}, "RSS slope 5.5 MB per 10k tasks > 5"),
        ({"size_mb": float("nan")}, "large: size nan MB > 10"),
    ],
)
def test_each_missed_target_is_named(
    bench: ModuleType, changes: dict[str, Any], missed: str
) -> None:
    assert bench.missed_targets(_result(**changes)) == [missed]
