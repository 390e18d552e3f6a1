"""Synthetic report payloads (the contract of /work/notes/report15-design.md, "The payload")
for the page's tests: any size, with grid contestants, missing cells, unknown costs, cached
rows, errors, and hostile dataset and model texts."""

from __future__ import annotations

import random
from typing import Any

FAKE_KEY = "sk-or-v1-" + "0123456789abcdef" * 4
"""An OpenRouter-shaped key (64 hex digits) that must never reach the page."""

# Each one would run code or load something if the page ever parsed data as markup.
HOSTILE = (
    "<script>window.__pwned = 1</script>",
    '<img src=x onerror="window.__pwned = 2">',
    '<a href="javascript:window.__pwned = 3">click</a>',
    "</script><script>window.__pwned = 4</script>",
    "<!-- <script>window.__pwned = 5</script>",
    f"my key is {FAKE_KEY} keep it",
    "line\u2028separator\u2029paragraph",
    '<svg onload="window.__pwned = 6"></svg>',
)
HOSTILE_ID = "<img src=x onerror=window.__pwned=7>"
# What the hostile strings become in a payload for pictures (the README's screenshot).
BENIGN = (
    "The answer is 42.",
    "Let me think.\n\n1. Add the numbers.\n2. Check the sum.\n\nSo: 42",
    '{"answer": 42, "unit": null}',
    "forty-two",
)


def _contestants(n: int, grid: bool) -> list[dict[str, Any]]:
    out = []
    for k in range(n):
        model = f"vendor{k % 4}/model-{k}"
        prompt = f"p{k % 2}" if grid else "default"
        params = f'{{"temperature": 0.{k % 3}}}' if grid else None
        label = f"{model} · {prompt} · t=0.{k % 3}" if grid else model
        out.append(
            {
                "id": f"c{k:03x}",
                "label": label,
                "model": model,
                "prompt_id": prompt,
                "params": params,
            }
        )
    return out


def _cells(
    rng: random.Random, n: int, k: int, scorers: int, missing: bool, texts: tuple[str, ...]
) -> dict[str, Any]:
    status: list[str | None] = []
    text: list[str | None] = []
    error_type: list[str | None] = []
    latency: list[float | None] = []
    cost: list[float | None] = []
    cached: list[bool] = []
    for i in range(n):
        roll = rng.random()
        if missing and i % 7 == 3:
            status.append(None)
            text.append(None)
            error_type.append(None)
        elif roll < 0.05 + 0.02 * k:
            status.append("error")
            text.append("[rate_limited] 429 Too Many Requests")
            error_type.append("rate_limited")
        elif roll < 0.08 + 0.02 * k:
            status.append("skipped_budget")
            text.append(None)
            error_type.append(None)
        else:
            status.append("ok")
            text.append(
                texts[(i + k) % len(texts)]
                if i % 5 == 0
                else f"answer {i} from {k}: " + "word " * (i % 40)
            )
            error_type.append(None)
        is_cached = status[-1] == "ok" and i % 23 == k
        cached.append(is_cached)
        timed = status[-1] == "ok" and not is_cached
        latency.append(round(0.05 + rng.random() * (0.2 + k / 10), 4) if timed else None)
        cost.append(
            None if (not timed or (k == 1 and i % 3 == 0)) else round(rng.random() * 1e-4, 8)
        )
    ok = [s == "ok" for s in status]
    score_arrays = []
    for s in range(scorers):
        passed = [(rng.random() < 0.55 + 0.04 * k) if o else None for o in ok]
        score_arrays.append(
            {
                "score": [
                    None if p is None else (1.0 if p else 0.0) if s == 0 else round(rng.random(), 3)
                    for p in passed
                ],
                "passed": passed if s == 0 else [None] * n,
                "detail": [
                    None if not o or s == 0 else f"judge says {texts[i % len(texts)]}"
                    for i, o in enumerate(ok)
                ],
            }
        )
    tokens = [12 + i % 9 if o else None for i, o in enumerate(ok)]
    return {
        "status": status,
        "text": text,
        "truncated": [i % 50 == 0 for i in range(n)],
        "error_type": error_type,
        "latency_s": latency,
        "ttft_s": [None if v is None else round(v / 3, 4) for v in latency],
        "cost_usd": cost,
        "cached": cached,
        "fallback": [o and i % 97 == k for i, o in enumerate(ok)],
        "provider": [
            ("Azure" if i % 11 == 0 else "OpenAI") if o else None for i, o in enumerate(ok)
        ],
        "served_model": [f"vendor{k % 4}/model-{k}" if o else None for o in ok],
        "prompt_tokens": tokens,
        "completion_tokens": tokens,
        "reasoning_tokens": [None] * n,
        "reasoning": [
            f"thinking about {i}\n  step 1\n  step 2" if o and k == 0 and i % 4 == 0 else None
            for i, o in enumerate(ok)
        ],
        "repeats": [2 if k == 2 else 1 for _ in range(n)],
        "scores": score_arrays,
    }


def _leaderboard_row(
    c: dict[str, Any], k: int, cells: dict[str, Any], scorers: int
) -> dict[str, Any]:
    status = cells["status"]
    ok = sum(s == "ok" for s in status)
    errors = sum(s == "error" for s in status)
    rows = sum(s is not None for s in status)
    cached = sum(cells["cached"])
    scores = []
    for s in range(scorers):
        known = [v for v in cells["scores"][s]["score"] if v is not None]
        mean = sum(known) / len(known) if known else None
        scores.append(
            None
            if mean is None
            else {
                "mean": mean,
                "lo": max(0.0, mean - 0.05),
                "hi": min(1.0, mean + 0.05),
                "n": len(known),
            }
        )
    costs = [v for v in cells["cost_usd"] if v is not None]
    cost = sum(costs) if costs else None
    correct = sum(p is True for p in cells["scores"][0]["passed"]) if scorers else 0
    only_cached = k == 3  # a contestant the cache answered entirely: no latency at all
    return {
        **c,
        "run": 0,
        "rows": rows,
        "ok": ok,
        "errors": errors,
        "fallbacks": sum(cells["fallback"]),
        "cached": ok if only_cached else cached,
        "skipped": sum(s == "skipped_budget" for s in status),
        "deferred": 0,
        "error_rate": errors / rows if rows else None,
        "scores": scores,
        "rank_group": [1 + k // 3 for _ in range(scorers)],
        "latency_p50_s": None if only_cached else 0.1 + k / 100,
        "latency_p95_s": None if only_cached else 0.3 + k / 100,
        "ttft_p50_s": None if only_cached else 0.04,
        "ttft_p95_s": None if only_cached else 0.09,
        "prompt_tokens": 12_000 + k,
        "completion_tokens": 900 + k,
        "reasoning_tokens": None,
        "cost_usd": None if k == 4 else cost,
        "cost_unknown_rows": sum(v is None for v in cells["cost_usd"]),
        "cost_per_correct_usd": None if k == 4 or not correct or cost is None else cost / correct,
        "providers": {"OpenAI": ok - 1, "Azure": 1} if ok > 1 else {},
    }


def make_payload(
    items: int = 40,
    contestants: int = 3,
    *,
    scorers: int = 2,
    grid: bool = False,
    missing: bool = True,
    hostile: bool = True,
    seed: int = 0,
) -> dict[str, Any]:
    """A payload of `items` drill-down items × `contestants`, hostile strings included
    unless `hostile` is false."""
    rng = random.Random(seed)
    texts = HOSTILE if hostile else BENIGN
    people = _contestants(contestants, grid)
    cells = [_cells(rng, items, k, scorers, missing, texts) for k in range(contestants)]
    board = [_leaderboard_row(c, k, cells[k], scorers) for k, c in enumerate(people)]
    scorer_list = [{"name": "exact", "kind": "exact", "expected": "answer", "judge": False}]
    scorer_list += [
        {"name": f"judge{s}", "kind": "judge", "expected": None, "judge": True}
        for s in range(1, scorers)
    ]
    ids = [HOSTILE_ID if i == 1 and hostile else f"q{i}" for i in range(items)]
    prompts = sorted({c["prompt_id"] for c in people})
    messages = {
        pid: [
            [
                {"role": "system", "content": f"You are terse ({pid})."},
                {
                    "role": "user",
                    "content": f"Question {i}:\n  {texts[i % len(texts)]}\n\t{i} + {i}?",
                },
            ]
            for i in range(items)
        ]
        for pid in prompts
    }
    pairs = [
        {
            "scorer": s,
            "a": a,
            "b": b,
            "n": items,
            "diff": 0.02 * (b - a),
            "lo": 0.02 * (b - a) - 0.03,
            "hi": 0.02 * (b - a) + 0.03,
            "p": 0.01 * (a + 1),
            "p_holm": 0.02 * (a + 1),
            "test": "mcnemar" if s == 0 else "bootstrap",
            "significant": (b - a) > 1,
        }
        for s in range(scorers)
        for a in range(contestants)
        for b in range(a + 1, contestants)
    ]
    disagree = []
    for i in range(items):
        verdicts = {
            cells[k]["scores"][0]["passed"][i] if scorers else None for k in range(contestants)
        }
        failed = any(cells[k]["status"][i] not in ("ok", None) for k in range(contestants))
        disagree.append(len(verdicts - {None}) > 1 or failed)
    return {
        "version": 1,
        "title": "synthetic <b>report</b>",
        "generated_at": "2026-12-06T18:50:00Z",
        "orkit_version": "0.1.0",
        "runs": [
            {
                "run_id": "20261206-185000-abcd",
                "name": "demo",
                "status": "completed",
                "created_at": "2026-12-06T18:40:00Z",
                "finished_at": "2026-12-06T18:45:00Z",
                "endpoint": "sim (http://sim.local/api/v1)",
                "catalog": {"source": "snapshot", "date": "2026-08-19"},
                "dataset": {
                    "name": "items.jsonl",
                    "path": "datasets/items.jsonl",
                    "rows": items,
                    "fingerprint": "5faf0123456789abcdef",
                },
                "spec_toml": f'name = "demo"\n# {texts[0]}\n[[prompts]]\nid = "default"\n',
                "estimate": {"cost_usd": 0.04, "duration_s": 9.0, "verdict": "within the budget"},
                "actual": {
                    "cost_usd": 0.0366,
                    "duration_s": 9.8,
                    "tasks": items * contestants,
                    "ok": items,
                    "errors": 0,
                    "cached": 10,
                },
                "judges": {
                    "cost": "$0.01",
                    "lines": [
                        {
                            "scorer": "judge1",
                            "model": "openai/gpt-4o-mini",
                            "rows": items,
                            "requests": items,
                            "cached": 0,
                            "cost": "$0.01",
                        }
                    ],
                },
                "warnings": [f"a warning with {texts[1]}"],
            }
        ],
        "notes": [
            "Texts are cut at 2,000 characters; the full text is in the run's Parquet files."
        ],
        "redacted": None,
        "noun": "contestant" if grid else "model",
        "scorers": scorer_list[:scorers],
        "contestants": board,
        "pairs": pairs,
        "pareto": {"cost": [0], "latency": [0]},
        "latency": [],
        "timeline": {"bin_s": 2.0, "start": "2026-12-06T18:40:00Z", "series": []},
        "provenance": {
            "by_model": [
                {
                    "model": c["model"],
                    "providers": {"OpenAI": 5, "Azure": 1},
                    "served_models": {c["model"]: 6},
                    "mixed": k == 0,
                }
                for k, c in enumerate(people)
            ],
            "warnings": [f"{people[0]['model']} was served by 2 providers: OpenAI (5), Azure (1)"],
            "fallback_rows": 3,
        },
        "items": {
            "total": items * 2,
            "shown": items,
            "sampled": True,
            "max_text_chars": 2000,
            "id": ids,
            "index": list(range(items)),
            "expected": [None if i % 9 == 8 else str(2 * i) for i in range(items)],
            "expected_by_scorer": {},
            "disagree": disagree,
            "messages": messages,
            "cells": cells,
        },
    }


def bar_chart() -> dict[str, Any]:
    """A small Vega-Lite spec with a calculated field, so drawing it needs Vega's expression
    interpreter (the page's CSP forbids compiling expressions)."""
    return {
        "id": "spend",
        "title": "Spend by contestant",
        "spec": {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "data": {"values": [{"who": "a", "usd": 1.0}, {"who": "<b>b</b>", "usd": 2.5}]},
            "transform": [{"calculate": "datum.usd * 100", "as": "cents"}],
            "mark": "bar",
            "encoding": {
                "x": {"field": "who", "type": "nominal"},
                "y": {"field": "cents", "type": "quantitative"},
            },
        },
    }
