"""`orkit._format`: money as plain decimals, counts with thousands separators, plurals, and
costs that are partly or wholly unknown (issue 12: `$1.7e-05`, "1 prompts", `$0.0000`)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from orkit._format import (
    cached_text,
    cost_text,
    count,
    full_spend,
    full_spend_text,
    judges_spent,
    plural,
    run_counts,
    run_spend,
    usd,
)
from orkit.results import Manifest


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1.7e-05, "$0.000017"),  # was `$1.7e-05`
        (0.0367, "$0.0367"),
        (12.4, "$12.40"),
        (1234.5, "$1,234.50"),
        (0.5, "$0.50"),
        (0.999999, "$1.00"),
        (0.000123456, "$0.000123"),
        (0.0, "$0"),
        (None, "unknown"),
        (math.nan, "unknown"),
        (3e-12, "<$0.000000001"),
    ],
)
def test_money_is_a_plain_decimal_with_sensible_precision(value: float | None, shown: str) -> None:
    assert usd(value) == shown


def test_money_is_never_in_scientific_notation() -> None:
    for exponent in range(-9, 7):
        for mantissa in (1.0, 1.7, 9.99):
            text = usd(mantissa * 10.0**exponent)
            assert "e" not in text and "E" not in text, text


def test_counts_have_one_thousands_style_and_nouns_agree() -> None:
    assert count(1000) == "1,000" and count(999) == "999"
    assert plural(1, "prompt") == "1 prompt"
    assert plural(2, "prompt") == "2 prompts"
    assert plural(1, "run") == "1 run"
    assert plural(0, "run") == "0 runs"
    assert plural(1000, "task") == "1,000 tasks"
    assert plural(1, "params set") == "1 params set"


def test_a_cost_that_is_partly_unknown_says_how_much_is_unknown() -> None:
    assert cost_text(0.0123, 20) == "$0.0123 + 20 unknown"
    assert cost_text(0.0123, 0) == "$0.0123"
    assert cost_text(None, 3) == "unknown"  # never $0 for unknown
    assert cost_text(None, 0) == "$0"  # nothing was billed and nothing is unknown
    assert cost_text(None, 0, nothing="–") == "–"  # a summary row of failures alone
    assert cost_text(math.nan, 2) == "unknown"


def test_cache_hits_are_labelled_free() -> None:
    assert cached_text(300, 1000) == "300 cached, $0"
    assert cached_text(300, 300) == "all 300 from the cache, $0"
    assert cached_text(0, 10) == ""


def test_a_runs_line_from_its_manifest_totals() -> None:
    totals: dict[str, float | None] = {
        "tasks": 1,
        "ok": 1,
        "errors": 0,
        "cached": 0,
        "cost_usd": None,
    }
    assert run_counts(totals) == "1 task, 0 errors"
    assert run_spend({**totals, "cost_unknown_rows": 1}) == "cost unknown"
    totals = {"tasks": 1200, "ok": 1200, "errors": 1, "cached": 300, "cost_usd": 0.5}
    assert run_counts(totals) == "1,200 tasks (300 cached, $0), 1 error"
    assert run_spend({**totals, "cost_unknown_rows": 2, "billed_attempts_unknown": 1}) == (
        "$0.50 + 3 unknown"
    )


def test_a_runs_full_spend_counts_answers_and_every_judge() -> None:
    manifest = _manifest(
        totals={"all": {"cost_usd": 0.0001, "cost_unknown_rows": 2}},
        judges={"cost_usd": 0.0, "cost_unknown_rows": 0},
        judges_replaced={"cost_usd": 0.002, "cost_unknown_rows": 1},
    )
    spent, unknown = full_spend(manifest)
    assert spent == pytest.approx(0.0021) and unknown == 3
    assert full_spend_text(manifest) == "$0.0021 + 3 unknown"
    spent, unknown = judges_spent(manifest)
    assert spent == pytest.approx(0.002) and unknown == 1
    no_cost = _manifest(totals={"all": {"cost_usd": None, "cost_unknown_rows": 4}})
    assert full_spend_text(no_cost) == "cost unknown"
    assert judges_spent(_manifest(totals={"all": {"cost_usd": 1.0}})) == (None, 0)


def _manifest(**fields: Any) -> Manifest:
    return Manifest(run_id="r", **fields)
