"""Plain-text tables for the terminal (no dependency: aligned columns, numbers right)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TextIO

import pandas as pd

__all__ = [
    "entrant_noun",
    "format_table",
    "judge_line",
    "pending_columns",
    "print_scores",
    "print_summary",
]


def format_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool] | None = None
) -> str:
    right = right or [False] * len(headers)
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def _num(value: Any, fmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return fmt.format(value)


def entrant_noun(summary: pd.DataFrame) -> str:
    """`model` while every row is a bare model (one prompt, one parameter set), else
    `contestant`: the rows are model × prompt × params variants."""
    if "model" not in summary.columns:
        return str(summary.index.name or "model")
    return "model" if (summary.index == summary["model"]).all() else "contestant"


PENDING_COLUMNS = (("skipped (budget)", "skipped_budget"), ("deferred (quota)", "deferred"))
"""Tasks left for a resume, by why: a column each, shown when any row has some."""


def pending_columns(summary: pd.DataFrame) -> list[tuple[str, str]]:
    return [
        (header, column)
        for header, column in PENDING_COLUMNS
        if column in summary.columns and summary[column].fillna(0).gt(0).any()
    ]


def print_summary(summary: pd.DataFrame, manifest: dict[str, Any], *, file: TextIO) -> None:
    """One row per contestant: rows, errors, tasks left for a resume (skipped by the
    budget, deferred by a quota: their own columns, when there are any), each scorer's
    mean, latency and cost."""
    scorers = [c for c in summary.columns if c.startswith("score_")]
    pending = pending_columns(summary)
    headers = [
        entrant_noun(summary),
        "rows",
        "errors",
        *(header for header, _ in pending),
        *(c.removeprefix("score_") for c in scorers),
        "latency",
        "cost",
    ]
    rows = []
    for label, s in summary.iterrows():
        rows.append(
            [
                str(label),
                str(int(s["rows"])),
                str(int(s["errors"])),
                *(str(int(s[column])) for _, column in pending),
                *(_num(s[c], "{:.1%}") for c in scorers),
                _num(s["mean_service_s"], "{:.2f} s"),
                _num(s["cost_usd"], "${:.4f}"),
            ]
        )
    print(format_table(headers, rows, [False] + [True] * (len(headers) - 1)), file=file)
    totals = manifest.get("totals", {}).get("all", {})
    print(
        f"{manifest.get('status')}: {totals.get('tasks', 0)} tasks, "
        f"{totals.get('errors', 0)} errors, {_total_cost(totals)} "
        f"in {manifest.get('wall_s', 0):.1f} s",
        file=file,
    )
    line = judge_line(manifest)
    if line:
        print(line, file=file)


def _total_cost(totals: dict[str, Any]) -> str:
    """The spend, never a $0 that only means nobody said (a local server bills nothing
    and reports no cost: its rows' cost is unknown)."""
    known = f"${totals.get('cost_usd', 0.0):.4f}"
    unknown = int(totals.get("cost_unknown_rows", 0))
    if not unknown:
        return known
    if unknown >= int(totals.get("ok", 0)):
        return "cost unknown"
    return f"{known} (+{unknown} rows of unknown cost)"


def judge_line(manifest: dict[str, Any]) -> str | None:
    """The LLM judges' spend, on its own line (not in the answers' cost above)."""
    judges = manifest.get("judges") or {}
    if not judges:
        return None
    unknown = judges.get("cost_unknown_rows", 0)
    more = f" (+{unknown} rows of unknown cost)" if unknown else ""
    return (
        f"judges: {judges.get('rows', 0)} rows, {judges.get('requests', 0)} requests sent, "
        f"{judges.get('cached_rows', 0)} rows from the cache, "
        f"${judges.get('cost_usd', 0.0):.4f}{more}"
    )


def print_scores(summary: pd.DataFrame, manifest: dict[str, Any], *, file: TextIO) -> None:
    """Per contestant: each scorer's mean and the judges' cost (after a re-score)."""
    scorers = [c for c in summary.columns if c.startswith("score_")]
    judged = "judge_cost_usd" in summary.columns
    headers = [entrant_noun(summary), *(c.removeprefix("score_") for c in scorers)]
    headers += ["judge cost"] if judged else []
    rows = []
    for model, s in summary.iterrows():
        cells = [str(model), *(_num(s[c], "{:.1%}") for c in scorers)]
        if judged:
            cells.append(_num(s["judge_cost_usd"], "${:.4f}"))
        rows.append(cells)
    print(format_table(headers, rows, [False] + [True] * (len(headers) - 1)), file=file)
    rescores = manifest.get("rescores") or []
    if rescores:
        last = rescores[-1]
        print(
            f"re-scored {last['tasks']} answered tasks with {', '.join(last['scorers'])}: "
            f"{last['judge_requests']} judge requests sent, {last['judge_cached']} from the "
            f"cache, ${last['judge_cost_usd']:.4f}",
            file=file,
        )
