"""A report payload (per the report's design) with just what the charts read: five
contestants with long and hostile labels, one without a known cost, one answered from the
cache only; a Pareto frontier; latency quantiles; a timeline of events."""

from __future__ import annotations

import copy
from typing import Any

HOSTILE = '</script><img src=x onerror="window.__pwned=1">'
LONG = "meta-llama/llama-3.1-405b-instruct · concise-v2 · temperature=0.7, top_p=0.9"


def _contestant(
    label: str,
    *,
    mean: float | None,
    cost: float | None,
    p50: float | None,
    ok: int = 300,
    unknown: int = 0,
    cached: int = 2,
) -> dict[str, Any]:
    score = None if mean is None else {"mean": mean, "lo": mean - 0.05, "hi": mean + 0.04, "n": 300}
    return {
        "id": f"c{abs(hash(label)) % 10_000:04d}",
        "label": label,
        "model": label.split(" ")[0],
        "prompt_id": None,
        "params": None,
        "run": 0,
        "rows": 300,
        "ok": ok,
        "errors": 300 - ok,
        "fallbacks": 0,
        "cached": cached,
        "skipped": 0,
        "deferred": 0,
        "error_rate": (300 - ok) / 300,
        "scores": [score],
        "rank_group": [1],
        "latency_p50_s": p50,
        "latency_p95_s": None if p50 is None else p50 * 2.5,
        "ttft_p50_s": None,
        "ttft_p95_s": None,
        "prompt_tokens": 12_000,
        "completion_tokens": 900,
        "reasoning_tokens": None,
        "cost_usd": cost,
        "cost_unknown_rows": unknown,
        "cost_per_correct_usd": None,
        "providers": {"OpenAI": ok},
    }


def _quantiles(p50: float) -> dict[str, float]:
    return {
        "min": p50 * 0.3,
        "p05": p50 * 0.5,
        "p25": p50 * 0.8,
        "p50": p50,
        "p75": p50 * 1.3,
        "p95": p50 * 2.5,
        "max": p50 * 4,
    }


def chart_payload() -> dict[str, Any]:
    """A fresh payload (callers may change it)."""
    contestants = [
        _contestant("openai/gpt-4o-mini", mean=0.71, cost=0.0031, p50=0.62),
        _contestant("anthropic/claude-sonnet-4.5", mean=0.86, cost=0.0912, p50=1.9, unknown=3),
        _contestant(LONG, mean=0.79, cost=0.0204, p50=2.8),
        _contestant(HOSTILE, mean=0.55, cost=None, p50=0.35, unknown=298),
        _contestant("google/gemini-2.5-flash", mean=0.80, cost=0.0000, p50=None, cached=300),
    ]
    latency = [
        {
            "contestant": i,
            "q": _quantiles(c["latency_p50_s"]),
            "hist": {"edges": [0.0, 1.0, 2.0], "counts": [200, 98]},
        }
        for i, c in enumerate(contestants)
        if c["latency_p50_s"] is not None
    ]
    series: list[dict[str, Any]] = []
    for b in range(30):
        t = b * 2.0
        series.append({"t": t, "kind": "ok", "count": 40})
        if b < 6:
            series.append({"t": t, "kind": "429", "count": 6 - b})
        if b % 7 == 3:
            series.append({"t": t, "kind": "error:timeout", "count": 2})
        if b == 12:
            series.append({"t": t, "kind": "error:rate_limited", "count": 1})
        if b % 5 == 0:
            series.append({"t": t, "kind": "fallback", "count": 1})
        if b < 3:
            series.append({"t": t, "kind": "cache_hit", "count": 100})
    return copy.deepcopy(
        {
            "version": 1,
            "title": "demo",
            "noun": "model",
            "scorers": [{"name": "exact", "kind": "exact", "expected": "answer", "judge": False}],
            "contestants": contestants,
            "pareto": {"cost": [4, 1], "latency": [3, 0, 1]},
            "latency": latency,
            "timeline": {"bin_s": 2.0, "start": "2026-12-06T18:50:00Z", "series": series},
        }
    )
