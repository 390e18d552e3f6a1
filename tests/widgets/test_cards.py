"""`Run._repr_html_` and `Sweep._repr_html_`: compact cards with the run's figures, every
value escaped (hostile model names, prompts and outputs)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from orkit._format import run_spend
from orkit.api import Run
from orkit.api._cards import TOP_CONTESTANTS, run_card

from .conftest import MODELS, small_sweep


def test_the_run_card_has_the_run_s_figures(finished_run: Run) -> None:
    card = finished_run._repr_html_()
    totals = finished_run.manifest.totals_all
    summary = finished_run.summary()
    assert finished_run.run_id in card and "completed" in card
    assert f"{totals['tasks']} ({totals['ok']} ok)" in card
    assert totals["errors"] > 0
    assert re.search(rf">errors</th><td[^>]*>{totals['errors']}</td>", card)
    assert run_spend(totals) in card
    for model in MODELS:
        row = summary.loc[model]
        # exact is pass/fail: a percentage, as `orkit compare` prints it
        figure = f"{row['score_exact']:.1%} [{row['ci_low_exact']:.1%}, {row['ci_high_exact']:.1%}]"
        assert figure in card
    assert "tok/s" not in card and "p99" not in card  # the card, not the 27-column table
    best, worst = str(summary["score_exact"].idxmax()), str(summary["score_exact"].idxmin())
    assert card.index(best) < card.index(worst)


def _summary(labels: list[str], scores: list[float | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rows": [3] * len(labels),
            "errors": [0] * len(labels),
            "cost_usd": [None] * len(labels),
            "score_q": scores,
            "ci_low_q": [s - 0.1 if s is not None else None for s in scores],
            "ci_high_q": [s + 0.1 if s is not None else None for s in scores],
        },
        index=pd.Index(labels, name="contestant"),
    )


def test_a_graded_score_keeps_three_decimals_and_a_pass_fail_one_reads_as_percent() -> None:
    summary = _summary(["a"], [0.75])
    graded = run_card("r", "completed", {"tasks": 3, "ok": 3}, summary)
    assert "0.750 [0.650, 0.850]" in graded
    passed = run_card("r", "completed", {"tasks": 3, "ok": 3}, summary, pass_fail={"q"})
    assert "75.0% [65.0%, 85.0%]" in passed and "0.750" not in passed


def test_the_run_card_escapes_names_and_keeps_unknowns_unknown() -> None:
    hostile = "<script>alert('model')</script>"
    card = run_card(
        "<b>id</b>",
        "completed",
        {"tasks": 3, "ok": 3, "errors": 0, "cost_usd": None, "cost_unknown_rows": 3},
        _summary([hostile, "plain/model"], [None, 0.5]),
    )
    assert "<script>" not in card and "<b>id</b>" not in card
    assert "&lt;script&gt;alert(&#x27;model&#x27;)&lt;/script&gt;" in card
    assert "&lt;b&gt;id&lt;/b&gt;" in card
    assert "unknown" in card  # a score and a cost not known, never 0
    assert "$0<" not in card
    assert card.index("plain/model") < card.index("&lt;script&gt;")  # unknown sorts last


def test_the_run_card_lists_only_the_top_contestants() -> None:
    labels = [f"m/{i}" for i in range(TOP_CONTESTANTS + 3)]
    card = run_card(
        "r",
        "completed",
        {"tasks": 24, "ok": 24, "errors": 0},
        _summary(labels, [i / 10 for i in range(len(labels))]),
    )
    assert "m/0<" not in card and f"m/{len(labels) - 1}<" in card
    assert "and 3 more" in card


def test_the_sweep_card_is_readable_and_escaped(tmp_path: Path) -> None:
    sweep = small_sweep(
        tmp_path / "runs",
        name="<i>evil</i>",
        prompt="<script>x</script> {{ q }}",
        params={"temperature": 0.5},
        grid={"max_tokens": [16, 64]},
    )
    card = sweep._repr_html_()
    assert "<script>" not in card and "<i>evil</i>" not in card
    assert "&lt;script&gt;x&lt;/script&gt; {{ q }}" in card
    assert "list of 6 rows" in card
    assert ", ".join(MODELS) in card
    assert "temperature=0.5" in card and "max_tokens=[16, 64]" in card
    assert "exact" in card and "sim" in card and "$1.00" in card
