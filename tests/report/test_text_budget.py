"""The drill-down's texts fit a byte budget at one cut length; short texts stay whole."""

from __future__ import annotations

from typing import Any

import numpy as np

from orkit.report._text_budget import cut_length, fit_texts


def _brute(sizes: list[int], budget: int) -> int:
    best = 1
    for limit in range(1, max(sizes) + 1):
        if sum(min(s, limit) for s in sizes) <= budget:
            best = limit
    return best


def test_the_cut_is_the_largest_that_fits():
    rng = np.random.default_rng(3)
    for _ in range(200):
        sizes = rng.integers(1, 60, size=int(rng.integers(1, 12))).tolist()
        budget = int(rng.integers(len(sizes), sum(sizes) + 1))
        assert cut_length(np.array(sizes), budget) == _brute(sizes, budget), (sizes, budget)


def _items() -> dict[str, Any]:
    return {
        "cells": [
            {
                "text": ["a" * 100, "short", None, "é" * 60],
                "truncated": [False, False, False, False],
                "reasoning": ["r" * 80, None, None, None],
                "scores": [{"detail": ["why " * 10, None, None, None]}],
            }
        ],
        "messages": {"p": [[{"role": "user", "content": "q" * 50}], None, None, None]},
    }


def test_texts_over_budget_are_cut_at_one_length_and_answers_flagged():
    items = _items()
    fitted = fit_texts(items, budget=200)
    assert fitted is not None
    cell = items["cells"][0]
    texts = [cell["text"][0], cell["text"][1], cell["text"][3], cell["reasoning"][0]]
    texts += [cell["scores"][0]["detail"][0], items["messages"]["p"][0][0]["content"]]
    sizes = [len(t.encode("utf-8")) for t in texts]
    assert sum(sizes) <= 200
    assert max(sizes) <= fitted.limit_bytes
    assert cell["text"][1] == "short"  # short texts stay whole
    assert cell["text"][3] == "é" * (fitted.limit_bytes // 2)  # cut at whole characters
    assert cell["truncated"] == [True, False, False, True]
    assert items["messages"]["p"][0][0]["cut"] is True  # a message cut here says so too
    assert fitted.cut == 5


def test_texts_within_budget_are_left_alone():
    items = _items()
    assert fit_texts(items, budget=10_000) is None
    assert items == _items()
