"""The notebook displays of `Run` and `Sweep` (`_repr_html_`): a compact card each, every
value escaped (model names, prompts and dataset paths are the user's, or a server's)."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from html import escape
from typing import Any

import pandas as pd

from orkit._format import count, run_spend, usd

__all__ = ["run_card", "sweep_card"]

TOP_CONTESTANTS = 5
"""Contestants a run's card lists (the best first): a card, not the summary table."""

_STYLE = (
    "font-family:system-ui,sans-serif;font-size:13px;border:1px solid #ccc;"
    "border-radius:6px;padding:8px 12px;display:inline-block;max-width:100%"
)


def run_card(
    run_id: str,
    status: str,
    totals: Mapping[str, Any],
    summary: pd.DataFrame,
    *,
    pass_fail: Collection[str] = (),
) -> str:
    """A run as a card: its id and status, tasks (ok / errors / skipped), spend, its most
    common errors' count, and the top contestants' first score with its 95% interval
    (a percentage for the scorers in `pass_fail`)."""
    facts = [
        ("status", status),
        ("tasks", _tasks(totals)),
        ("errors", count(int(totals.get("errors") or 0))),
        ("spend", run_spend(totals)),
    ]
    return (
        f'<div class="orkit-run" style="{_STYLE}">'
        f"<b>orkit run</b> <code>{escape(run_id)}</code>"
        + _facts(facts)
        + _board(summary, pass_fail)
        + "</div>"
    )


def sweep_card(
    name: str, dataset: str, models: Sequence[str], prompts: Mapping[str, Any], **more: Any
) -> str:
    """A sweep as a card: dataset, models, prompts (their templates cut short), params and
    grid, scorers and endpoint (`more`: label -> value, shown in that order)."""
    prompt_lines = [
        f"{escape(str(pid))}: <code>{escape(_cut(_template(p)))}</code>"
        for pid, p in prompts.items()
    ]
    facts = [("dataset", dataset), ("models", ", ".join(models))]
    facts += [(label, _plain(value)) for label, value in more.items()]
    return (
        f'<div class="orkit-sweep" style="{_STYLE}">'
        f"<b>orkit sweep</b> {escape(name)}"
        + _facts(facts)
        + "<div><b>prompts</b><ul style='margin:2px 0'>"
        + "".join(f"<li>{line}</li>" for line in prompt_lines)
        + "</ul></div></div>"
    )


def _facts(facts: Iterable[tuple[str, str]]) -> str:
    cells = "".join(
        f"<tr><th style='text-align:left;padding-right:12px'>{escape(label)}</th>"
        f"<td style='text-align:left'>{escape(value)}</td></tr>"
        for label, value in facts
    )
    return f"<table style='margin:4px 0'>{cells}</table>"


def _tasks(totals: Mapping[str, Any]) -> str:
    tasks = int(totals.get("tasks") or 0)
    parts = [f"{count(int(totals.get('ok') or 0))} ok"]
    for key, label in (("skipped_budget", "skipped (budget)"), ("deferred", "deferred")):
        if totals.get(key):
            parts.append(f"{count(int(totals[key]))} {label}")
    if totals.get("cached"):
        parts.append(f"{count(int(totals['cached']))} cached")
    return f"{count(tasks)} ({', '.join(parts)})"


def _board(summary: pd.DataFrame, pass_fail: Collection[str]) -> str:
    """The top contestants by their first scorer's mean (the sweep's order without scores)."""
    scored = [c for c in summary.columns if str(c).startswith("score_")]
    table = summary
    if scored:
        table = summary.sort_values(scored[0], ascending=False, kind="stable", na_position="last")
    head = ["contestant", "rows", "errors", "cost"]
    if scored:
        head.insert(1, f"{scored[0].removeprefix('score_')} (95% CI)")
    rows = []
    for label, row in table.head(TOP_CONTESTANTS).iterrows():  # indexed by contestant
        cells = [str(label)]
        if scored:
            name = scored[0].removeprefix("score_")
            cells.append(_score(row, name, percent=name in pass_fail))
        cells += [count(int(row["rows"])), count(int(row["errors"])), usd(_known(row["cost_usd"]))]
        rows.append(cells)
    more = len(table) - TOP_CONTESTANTS
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left'>{escape(c)}</td>" for c in r) + "</tr>"
        for r in rows
    )
    header = "".join(f"<th style='text-align:left'>{escape(h)}</th>" for h in head)
    tail = f"<div>… and {count(more)} more: <code>run.summary()</code></div>" if more > 0 else ""
    return f"<table><tr>{header}</tr>{body}</table>{tail}"


def _score(row: pd.Series, scorer: str, *, percent: bool) -> str:
    mean = _known(row.get(f"score_{scorer}"))
    if mean is None:
        return "unknown"
    lo, hi = _known(row.get(f"ci_low_{scorer}")), _known(row.get(f"ci_high_{scorer}"))
    fmt = "{:.1%}" if percent else "{:.3f}"
    interval = f" [{fmt.format(lo)}, {fmt.format(hi)}]" if lo is not None and hi is not None else ""
    return fmt.format(mean) + interval


def _known(value: Any) -> float | None:
    """A number, or None for a missing one (NaN, None, pd.NA): unknown is never 0."""
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _template(prompt: Any) -> str:
    if isinstance(prompt, Mapping):
        system = prompt.get("system")
        text = str(prompt.get("template", ""))
        return f"[system] {system} [user] {text}" if system else text
    return str(prompt)


def _cut(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _plain(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "-"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "-"
    return "-" if value is None else str(value)
