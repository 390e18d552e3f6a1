"""`ResultsExplorer` on a finished emulator run: the filters' widget values narrow the
answers, the side-by-side follows the item chosen, the charts are the report's; the pure
row functions keep unknown scores unknown and escape what a model wrote."""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import pytest

from orkit.api import Run
from orkit.report import ReportOptions, report_charts, report_payload
from orkit.widgets import AnswerFilter, ResultsExplorer, answer_rows, filter_answers
from orkit.widgets._explorer import _answers_html
from orkit.widgets._explorer_rows import side_by_side_html

from .conftest import MODELS


def test_filters_narrow_the_answers(finished_run: Run) -> None:
    explorer = ResultsExplorer(finished_run)
    results = finished_run.to_pandas()
    assert len(explorer.shown) == len(results) == 12
    assert "12 of 12 answers" in explorer.answers.value
    explorer.contestants.value = (MODELS[1],)
    assert set(explorer.shown["contestant"]) == {MODELS[1]}
    assert len(explorer.shown) == 6
    errors = int((results["status"] == "error").sum())
    assert errors > 0, "the fixture injects HTTP 400s: some rows are errors"
    explorer.contestants.value = ()
    explorer.statuses.value = ("error",)
    assert len(explorer.shown) == errors
    explorer.statuses.value = ()
    scores = finished_run.scores()
    explorer.scorer.value = "exact"
    explorer.score_range.value = (0.5, 1.0)
    assert len(explorer.shown) == int((scores["score"] >= 0.5).sum())
    explorer.scorer.value = None
    assert len(explorer.shown) == 12
    explorer.search.value = "T3"  # an item id, case-insensitively
    assert set(explorer.shown["item_id"]) == {"t3"}
    assert explorer.item.options == ("t3",) and explorer.item.value == "t3"
    assert "item t3" in explorer.side_by_side.value
    assert "What is 3+1?" in explorer.side_by_side.value


def test_side_by_side_follows_the_item_and_shows_every_contestant(finished_run: Run) -> None:
    explorer = ResultsExplorer(finished_run)
    items = explorer.payload["items"]
    # an item some answer was scored on (an item only errors answered has no expected value)
    i = next(i for i, value in enumerate(items["expected"]) if value is not None)
    item = items["id"][i]
    explorer.item.value = item
    shown = explorer.side_by_side.value
    assert f"item {item}" in shown and all(model in shown for model in MODELS)
    assert f"expected: <code>{int(item[1:]) + 1}</code>" in shown


def test_the_charts_are_the_report_s(finished_run: Run) -> None:
    explorer = ResultsExplorer(finished_run)
    charts = report_charts(report_payload(finished_run.dir, ReportOptions(max_items=1_000)))
    assert len(explorer.charts.outputs) == len(charts) > 0
    for output, chart in zip(explorer.charts.outputs, charts, strict=True):
        assert output["data"]["application/vnd.vegalite.v5+json"] == chart["spec"]
        assert output["data"]["text/plain"] == chart["title"]
    shown = explorer._repr_mimebundle_()["application/vnd.jupyter.widget-view+json"]
    assert shown["model_id"] == explorer.widget.model_id
    tabs = [explorer.widget.get_title(i) for i in range(3)]
    assert tabs == ["answers", "side by side", "charts"]


def _hostile_payload(finished_run: Run) -> dict[str, Any]:
    payload = copy.deepcopy(report_payload(finished_run.dir, ReportOptions()))
    payload["contestants"][0]["label"] = "<img src=x onerror=alert(1)>"
    cell = payload["items"]["cells"][0]
    cell["status"][0] = "ok"
    cell["text"][0] = "</pre><script>alert('answer')</script>"
    cell["scores"][0]["score"][1] = None  # unknown, not 0
    cell["status"][1] = "ok"
    return payload


def test_what_models_wrote_is_escaped(finished_run: Run) -> None:
    payload = _hostile_payload(finished_run)
    item = payload["items"]["id"][0]
    shown = side_by_side_html(payload, item)
    assert "<script>" not in shown and "<img" not in shown
    assert "&lt;script&gt;alert(&#x27;answer&#x27;)&lt;/script&gt;" in shown
    table = _answers_html(answer_rows(payload), 12)
    assert "<script>" not in table and "<img" not in table
    assert "&lt;img src=x onerror=alert(1)&gt;" in table
    assert "<i>unknown</i>" in table


def test_an_unknown_score_is_left_out_of_a_score_bound(finished_run: Run) -> None:
    rows = answer_rows(_hostile_payload(finished_run))
    first = rows["contestant"] == "<img src=x onerror=alert(1)>"
    assert pd.isna(rows.loc[first, "score_exact"].iloc[1])
    low = filter_answers(rows, AnswerFilter(scorer="exact", max_score=0.5))
    assert low["score_exact"].notna().all()
    assert (low["score_exact"] <= 0.5).all()
    everything = filter_answers(rows, AnswerFilter())
    assert len(everything) == len(rows)
    with pytest.raises(KeyError, match="no scorer named 'nope'"):
        filter_answers(rows, AnswerFilter(scorer="nope", min_score=0.0))
