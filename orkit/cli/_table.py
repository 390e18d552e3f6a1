"""Plain-text tables for the terminal (no dependency: aligned columns, numbers right)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from orkit._format import (
    billed_attempts_text,
    byok_text,
    cost_text,
    count,
    full_spend_text,
    known,
    plural,
    prompt_cache_text,
    run_counts,
    run_spend,
    usd,
)

if TYPE_CHECKING:  # imported when a table is printed: `orkit --help` needs no pandas
    import pandas as pd

    from orkit.results import Manifest

__all__ = [
    "completion_line",
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


def _cached_rows(s: pd.Series) -> int:
    """Ok rows the response cache answered (`cache_rate` is their share of ok rows)."""
    rate = known(s.get("cache_rate"))
    return 0 if rate is None else round(rate * int(s["ok"]))


def _latency(s: pd.Series) -> str:
    """Mean latency; a model whose every answer came from the cache had none to measure,
    and says so rather than show a bare dash."""
    import pandas as pd

    if pd.isna(s["mean_service_s"]) and int(s["ok"]) and _cached_rows(s) >= int(s["ok"]):
        return "cached"
    return _num(s["mean_service_s"], "{:.2f} s")


def _reasoned(summary: pd.DataFrame) -> bool:
    """Some contestant's answers reported reasoning tokens."""
    column = "mean_reasoning_tokens"
    return column in summary.columns and bool(summary[column].fillna(0).gt(0).any())


def print_summary(summary: pd.DataFrame, manifest: Manifest, *, file: TextIO) -> None:
    """One row per contestant: rows, errors, tasks left for a resume (skipped by the
    budget, deferred by a quota: their own columns, when there are any), each scorer's
    mean, the mean reasoning tokens per answer (when some answer reasoned), latency and
    cost."""
    scorers = [c for c in summary.columns if c.startswith("score_")]
    pending = pending_columns(summary)
    cached = {str(label): _cached_rows(s) for label, s in summary.iterrows()}
    show_cached = any(cached.values())  # a run without cache hits looks as it always did
    show_reasoning = _reasoned(summary)  # nor does one whose answers did not reason
    headers = [
        entrant_noun(summary),
        "rows",
        "errors",
        *(["cached"] if show_cached else []),
        *(header for header, _ in pending),
        *(c.removeprefix("score_") for c in scorers),
        *(["reasoning/answer"] if show_reasoning else []),
        "latency",
        "cost",
    ]
    rows = []
    for label, s in summary.iterrows():
        rows.append(
            [
                str(label),
                count(s["rows"]),
                count(s["errors"]),
                *([count(cached[str(label)])] if show_cached else []),
                *(count(s[column]) for _, column in pending),
                *(_num(s[c], "{:.1%}") for c in scorers),
                *([_num(s["mean_reasoning_tokens"], "{:,.0f}")] if show_reasoning else []),
                _latency(s),
                cost_text(known(s["cost_usd"]), int(s["cost_unknown_rows"]), nothing="–"),
            ]
        )
    print(format_table(headers, rows, [False] + [True] * (len(headers) - 1)), file=file)
    billed = billed_attempts_text(manifest.totals_all)
    if billed:
        print(billed, file=file)
    print(completion_line(manifest), file=file)
    for extra in (byok_text(manifest.totals_all), prompt_cache_text(manifest.totals_all)):
        if extra:
            print(extra, file=file)
    line = judge_line(manifest)
    if line:
        print(line, file=file)


def completion_line(manifest: Manifest) -> str:
    """`completed: 1,200 tasks (300 cached, $0), 0 errors, $0.0367 + 20 unknown in 4.1 s`
    (`incomplete: 1,020 of 1,500 tasks done (480 skipped by the budget), ...` for a run that
    left tasks for a resume): the spend is never a $0 that only means nobody said (a local
    server reports no cost: its rows' cost is unknown), and cache hits say they were free."""
    totals = manifest.totals_all
    return (
        f"{manifest.status}: {run_counts(totals, manifest.tasks)}, "
        f"{run_spend(totals)} in {manifest.wall_s or 0:.1f} s"
    )


def judge_line(manifest: Manifest) -> str | None:
    """The LLM judges' spend, on its own line (not in the answers' cost above)."""
    judges = manifest.judges or {}
    if not judges:
        return None
    cost = cost_text(judges.get("cost_usd"), int(judges.get("cost_unknown_rows", 0)))
    replaced = manifest.judges_replaced or {}
    earlier = ""
    if replaced:
        text = cost_text(replaced.get("cost_usd"), int(replaced.get("cost_unknown_rows", 0)))
        earlier = f", {text} for scores a re-score replaced"
    # the run's full spend, as `orkit runs` lists it
    return (
        f"judges: {plural(judges.get('rows', 0), 'row')}, "
        f"{plural(judges.get('requests', 0), 'request')} sent, "
        f"{count(judges.get('cached_rows', 0))} from the cache, {cost}{earlier} "
        f"(answers + judges: {full_spend_text(manifest)})"
    )


def print_scores(summary: pd.DataFrame, manifest: Manifest, *, file: TextIO) -> None:
    """Per contestant: each scorer's mean and the judges' cost (after a re-score)."""
    scorers = [c for c in summary.columns if c.startswith("score_")]
    judged = "judge_cost_usd" in summary.columns
    headers = [entrant_noun(summary), *(c.removeprefix("score_") for c in scorers)]
    headers += ["judge cost"] if judged else []
    rows = []
    for model, s in summary.iterrows():
        cells = [str(model), *(_num(s[c], "{:.1%}") for c in scorers)]
        if judged:
            cells.append(usd(known(s["judge_cost_usd"])))
        rows.append(cells)
    print(format_table(headers, rows, [False] + [True] * (len(headers) - 1)), file=file)
    rescores = manifest.rescores or []
    if rescores:
        last = rescores[-1]
        unknown = int(last.get("judge_cost_unknown") or 0)
        # every request unpriced: its 0.0 is no known part, the cost is just unknown
        known_usd = last["judge_cost_usd"] if unknown < last["judge_requests"] else None
        print(
            f"re-scored {plural(last['tasks'], 'answered task')} with "
            f"{', '.join(last['scorers'])}: {plural(last['judge_requests'], 'judge request')} "
            f"sent, {count(last['judge_cached'])} from the cache, "
            f"{cost_text(known_usd, unknown)}",
            file=file,
        )
