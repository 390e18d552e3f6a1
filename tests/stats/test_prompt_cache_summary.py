"""The summary's prompt-cache columns (`cache_hit_rate`, `cache_savings_usd`,
`cache_write_usd`), the run totals behind the CLI's `cache:` line, and the line itself:
unknown stays null, response-cache hits (nothing sent) are left out, and a run that never
read or wrote the cache keeps its table and says nothing."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from orkit._format import prompt_cache_text
from orkit.batch._totals import ModelTotals
from orkit.stats import summarize

A, B, C = "anthropic/claude-haiku-4.5", "openai/gpt-4o-mini", "mistralai/m"


def _row(
    model: str, prompt: float | None, cached: float | None, **extra: object
) -> dict[str, object]:
    return {
        "task_key": f"{model}-{len(extra)}-{prompt}-{cached}-{extra.get('item_id')}",
        "item_id": extra.pop("item_id", "i"),
        "model": model,
        "status": "ok",
        "is_fallback": False,
        "cost_source": "reported",
        "cost_usd": 0.01,
        "prompt_tokens": prompt,
        "cached_tokens": cached,
        **extra,
    }


def results() -> pd.DataFrame:
    rows = [
        _row(A, 2000, 0, cache_write_tokens=1900, cache_savings_usd=-0.0005,
             cache_write_usd=0.0024, item_id="1"),
        _row(A, 2000, 1900, cache_write_tokens=0, cache_savings_usd=0.0017,
             cache_write_usd=0.0, item_id="2"),
        # counts unknown: out of the rate, its unknown savings out of the sum
        _row(A, None, None, cache_write_tokens=None, cache_savings_usd=None,
             cache_write_usd=None, item_id="3"),
        # a response-cache hit sent nothing: its copied counts are not a read
        _row(A, 2000, 1900, cache_write_tokens=0, cache_savings_usd=0.0017,
             cache_write_usd=0.0, item_id="4", cost_source="cached"),
        _row(B, 1000, 0, cache_write_tokens=0, cache_savings_usd=0.0,
             cache_write_usd=0.0, item_id="1"),
        _row(C, 500, None, cache_write_tokens=None, cache_savings_usd=None,
             cache_write_usd=None, item_id="1"),
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_cache_columns_per_contestant() -> None:
    table = summarize(results()).set_index("model")
    assert table.loc[A, "cache_hit_rate"] == pytest.approx(1900 / 4000)
    assert table.loc[A, "cache_savings_usd"] == pytest.approx(0.0012)
    assert table.loc[A, "cache_write_usd"] == pytest.approx(0.0024)
    # read nothing, known: 0; never said: null, never 0
    assert table.loc[B, "cache_hit_rate"] == 0.0 and table.loc[B, "cache_savings_usd"] == 0.0
    assert math.isnan(float(table.loc[C, "cache_hit_rate"]))  # type: ignore[arg-type]
    assert math.isnan(float(table.loc[C, "cache_savings_usd"]))  # type: ignore[arg-type]


def test_no_cache_columns_when_nothing_read_or_wrote() -> None:
    quiet = results()
    quiet["cached_tokens"] = 0
    quiet["cache_write_tokens"] = 0
    assert "cache_hit_rate" not in summarize(quiet).columns
    older = results().drop(columns=["cache_write_tokens", "cache_savings_usd", "cache_write_usd"])
    assert "cache_savings_usd" in summarize(older).columns  # v5 rows: their reads still count


def test_totals_and_the_cli_line() -> None:
    totals = ModelTotals()
    for row in results().to_dict("records"):
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        totals.add(clean)  # type: ignore[arg-type]
    assert (totals.cached_tokens, totals.cache_prompt_tokens) == (1900, 5000)
    assert totals.cache_write_tokens == 1900
    assert totals.cache_savings_usd == pytest.approx(0.0012)
    assert totals.cache_write_usd == pytest.approx(0.0024)
    line = prompt_cache_text(
        {
            "cached_tokens": 91,
            "cache_prompt_tokens": 100,
            "cache_write_tokens": 5,
            "cache_savings_usd": 0.84,
            "cache_write_usd": 0.05,
        }
    )
    assert line == (
        "cache: 91% of prompt tokens read from cache; saved $0.84 net (after $0.05 of cache writes)"
    )
    dearer = prompt_cache_text(
        {"cached_tokens": 0, "cache_prompt_tokens": 100, "cache_write_tokens": 90,
         "cache_savings_usd": -0.01, "cache_write_usd": 0.05}
    )  # fmt: skip
    assert dearer == (
        "cache: 0% of prompt tokens read from cache; cost $0.01 more than without it"
        " (after $0.05 of cache writes)"
    )
    unknown = prompt_cache_text({"cached_tokens": 10, "cache_prompt_tokens": 100})
    assert unknown == "cache: 10% of prompt tokens read from cache; saved unknown net"
    free_writes = prompt_cache_text(
        {"cached_tokens": 50, "cache_prompt_tokens": 100, "cache_write_tokens": 40,
         "cache_savings_usd": 0.02, "cache_write_usd": 0.0}
    )  # fmt: skip
    assert free_writes == "cache: 50% of prompt tokens read from cache; saved $0.02 net"
    assert prompt_cache_text({"cached_tokens": 0, "cache_write_tokens": 0}) is None
    assert prompt_cache_text({}) is None
