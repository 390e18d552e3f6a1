"""Small results/scores tables for the statistics tests, with the real schema's columns."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd
import pytest

from orkit.results import RESULTS_SCHEMA, SCORES_SCHEMA

Tables = tuple[pd.DataFrame, pd.DataFrame]


def build_tables(rows: Iterable[Mapping[str, Any]], scorer: str = "exact") -> Tables:
    """One results row per entry: `model`, `item` (required); `score` (None: not scored),
    `status` ("ok"), `is_fallback`, `cost_usd`, `prompt_id`, `repeat`, `service_s`, ...
    A score row is written for every entry with a score; `scorer` may be set per entry."""
    results, scores = [], []
    for i, entry in enumerate(rows):
        row = dict.fromkeys(RESULTS_SCHEMA.names)
        row.update(
            run_id="r1",
            task_key=f"k{i}",
            item_id=str(entry["item"]),
            prompt_id=entry.get("prompt_id", "default"),
            params_json=entry.get("params_json", "{}"),
            repeat=entry.get("repeat", 0),
            model=entry["model"],
            status=entry.get("status", "ok"),
            is_fallback=entry.get("is_fallback", False),
            cost_usd=entry.get("cost_usd", 0.001),
            cost_source=entry.get("cost_source", "usage"),
            service_s=entry.get("service_s", 1.0),
            ttft_s=entry.get("ttft_s", 0.2),
            output_tokens_per_s=entry.get("output_tokens_per_s", 50.0),
        )
        results.append(row)
        if entry.get("score") is not None or entry.get("nan_score"):
            s = dict.fromkeys(SCORES_SCHEMA.names)
            s.update(
                run_id="r1",
                task_key=f"k{i}",
                item_id=str(entry["item"]),
                model=entry["model"],
                scorer=entry.get("scorer", scorer),
                score=float("nan") if entry.get("nan_score") else float(entry["score"]),
            )
            scores.append(s)
    results_df = pd.DataFrame(results, columns=RESULTS_SCHEMA.names)
    scores_df = pd.DataFrame(scores, columns=SCORES_SCHEMA.names)
    return results_df, scores_df


def paired(a: Iterable[float | None], b: Iterable[float | None], **extra: Any) -> Tables:
    """Models a/x and b/y on items 0..n-1 with the given scores (None: no score)."""
    rows: list[dict[str, Any]] = []
    for model, values in (("a/x", list(a)), ("b/y", list(b))):
        for item, value in enumerate(values):
            rows.append({"model": model, "item": item, "score": value, **extra})
    return build_tables(rows)


@pytest.fixture
def tables() -> Callable[..., Tables]:
    return build_tables


@pytest.fixture
def pair() -> Callable[..., Tables]:
    return paired
