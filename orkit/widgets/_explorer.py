"""`ResultsExplorer`: a run's answers in a notebook, filtered by contestant, score, status and
text; one item's answers side by side; and the report's charts (its Vega-Lite specs)."""

from __future__ import annotations

import re
from html import escape
from typing import Any

from orkit.api import Run
from orkit.progress import ipywidgets
from orkit.report import ReportOptions, report_charts, report_payload
from orkit.widgets._explorer_rows import (
    AnswerFilter,
    answer_rows,
    filter_answers,
    side_by_side_html,
)

__all__ = ["ResultsExplorer"]

SHOWN_ROWS = 50
"""Answers listed at once (the filtered frame is `explorer.shown`, whole)."""


class ResultsExplorer:
    """`ResultsExplorer(run)`: the statistics, items and charts of the run's report payload
    (computed once by the library, as the report page shows them; `max_items` drill-down
    items, as `Run.show`). The ipywidgets are attributes (`contestants`, `statuses`,
    `scorer`, `score_range`, `search`, `item`, `answers`, `side_by_side`, `charts`; the
    whole is `widget`); `shown` is the filtered answers as a DataFrame."""

    def __init__(self, run: Run, *, max_items: int = 1_000) -> None:
        w = ipywidgets()
        self.run = run
        self.payload = report_payload(run.dir, ReportOptions(max_items=max_items))
        self.rows = answer_rows(self.payload)
        scorers = [s["name"] for s in self.payload.get("scorers") or []]
        labels = [c["label"] for c in self.payload["contestants"]]
        statuses = sorted(str(s) for s in self.rows["status"].unique())
        self.contestants = w.SelectMultiple(options=labels, description="contestant")
        self.statuses = w.SelectMultiple(options=statuses, description="status")
        self.scorer = w.Dropdown(options=[None, *scorers], description="score of")
        low, high = self._score_bounds(scorers)
        self.score_range = w.FloatRangeSlider(
            value=(low, high),
            min=low,
            max=high,
            step=(high - low) / 100 or 0.01,
            description="score",
        )
        self.search = w.Text(placeholder="text in answer, error or item id", description="text")
        self.answers = w.HTML()
        self.item = w.Dropdown(options=[], description="item")
        self.side_by_side = w.HTML()
        self.charts = w.Output()
        self.charts.outputs = tuple(_chart_output(chart) for chart in report_charts(self.payload))
        for control in (self.contestants, self.statuses, self.scorer, self.score_range):
            control.observe(self._refilter, names="value")
        self.search.observe(self._refilter, names="value")
        self.item.observe(self._show_item, names="value")
        filters = w.HBox(
            [self.contestants, self.statuses, w.VBox([self.scorer, self.score_range, self.search])]
        )
        self.widget = w.Tab(
            children=[
                w.VBox([filters, self.answers]),
                w.VBox([self.item, self.side_by_side]),
                self.charts,
            ],
            titles=("answers", "side by side", "charts"),
        )
        self.shown = self.rows
        self._refilter()

    @property
    def chosen(self) -> AnswerFilter:
        """The filter the controls say."""
        bounded = self.scorer.value is not None
        low, high = self.score_range.value
        return AnswerFilter(
            contestants=tuple(self.contestants.value),
            statuses=tuple(self.statuses.value),
            scorer=self.scorer.value,
            min_score=low if bounded else None,
            max_score=high if bounded else None,
            text=self.search.value,
        )

    def _score_bounds(self, scorers: list[str]) -> tuple[float, float]:
        values = [self.rows[f"score_{s}"].dropna() for s in scorers]
        known = [v for v in values if len(v)]
        low = min((float(v.min()) for v in known), default=0.0)
        high = max((float(v.max()) for v in known), default=1.0)
        return min(low, 0.0), max(high, 1.0)

    def _refilter(self, _change: Any = None) -> None:
        self.shown = filter_answers(self.rows, self.chosen)
        self.answers.value = _answers_html(self.shown, len(self.rows))
        items = list(dict.fromkeys(self.shown["item_id"].tolist()))
        current = self.item.value
        self.item.options = items
        self.item.value = current if current in items else (items[0] if items else None)
        self._show_item()

    def _show_item(self, _change: Any = None) -> None:
        item = self.item.value
        self.side_by_side.value = "" if item is None else side_by_side_html(self.payload, item)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _answers_html(shown: Any, total: int) -> str:
    columns = [c for c in shown.columns if c in ("item_id", "contestant", "status", "text")]
    columns += [c for c in shown.columns if str(c).startswith("score_")]
    head = "".join(f"<th style='text-align:left'>{escape(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td style='text-align:left'>{_cell(row[c])}</td>" for c in columns)
        + "</tr>"
        for _, row in shown.head(SHOWN_ROWS).iterrows()
    )
    more = f" (the first {SHOWN_ROWS})" if len(shown) > SHOWN_ROWS else ""
    return (
        f"<div>{len(shown):,} of {total:,} answers{more}</div><table><tr>{head}</tr>{body}</table>"
    )


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "<i>unknown</i>"
    text = str(value)
    if text == "<NA>":
        return "<i>unknown</i>"
    return escape(text if len(text) <= 200 else text[:199] + "…")


def _chart_output(chart: dict[str, Any]) -> dict[str, Any]:
    """A chart as a notebook display output: the Vega-Lite MIME type of its spec's version,
    which JupyterLab renders natively, with its title as the plain-text form."""
    schema = str(chart["spec"].get("$schema", ""))
    version = re.search(r"/v(\d+)", schema)
    mime = f"application/vnd.vegalite.v{version.group(1) if version else 5}+json"
    return {
        "output_type": "display_data",
        "data": {mime: chart["spec"], "text/plain": chart["title"]},
        "metadata": {},
    }
