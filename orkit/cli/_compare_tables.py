"""The tables `orkit compare` prints: quality with intervals, speed and cost, pairs, groups.

Rows are contestants (model × prompt × params); when every contestant is a bare model the
column says `model`, as it always did. Pass/fail scores print as percentages and their
differences in percentage points (pp); other scores print as plain numbers.

A cost nobody reported reads `unknown` (or `$0.0123 + 20 unknown`), as on every other
screen; `–` is only for a cell that does not apply (no answers, no correct answer, a
scorer that is not pass/fail).
"""

from __future__ import annotations

import math
from typing import Any, TextIO

import pandas as pd

from orkit._format import cost_text, plural, usd
from orkit.cli._table import format_table, pending_columns

__all__ = ["print_comparison"]


def print_comparison(
    summary: pd.DataFrame,
    quality: pd.DataFrame,
    pairs: pd.DataFrame,
    groups: pd.DataFrame,
    *,
    alpha: float,
    noun: str = "model",
    file: TextIO,
) -> None:
    level = f"{1 - alpha:.0%}"
    binary = {
        str(s): bool((rows["ci_method"] == "agresti_coull").all())
        for s, rows in quality.groupby("scorer", sort=False)
    }
    title = f"quality ({level} confidence intervals)"
    unknown = _unknown_costs(summary)
    _section(title, _quality_table(quality, binary, noun, unknown), file)
    _section("speed and cost", _speed_table(summary, noun), file)
    if pairs.empty:
        print(f"\nno pairs to compare (fewer than two {noun}s with scores)", file=file)
        return
    for scorer, rows in pairs.groupby("scorer", sort=False):
        title = (
            f"pairs on {scorer}: paired by dataset item (item_id); "
            f"* = significant at α = {alpha:g} after Holm over {plural(len(rows), 'pair')}"
        )
        table = _pairs_table(rows, binary.get(str(scorer), False), level, noun)
        _section(title, table, file)
    for scorer, rows in groups.groupby("scorer", sort=False):
        title = f"rank groups on {scorer} (a group: {noun}s not shown different from its best)"
        _section(title, _groups_table(rows, binary.get(str(scorer), False), noun), file)


def _section(title: str, table: str, file: TextIO) -> None:
    print(f"\n{title}\n{table}", file=file)


def _unknown_costs(summary: pd.DataFrame) -> dict[str, int]:
    """Per contestant, how many of its answers had no cost."""
    if "cost_unknown_rows" not in summary:
        return {}
    return {str(c): int(n) for c, n in summary["cost_unknown_rows"].fillna(0).items()}


def _cost_per_correct(q: Any, unknown: int) -> str:
    """A spend over the correct answers: unknown when part of the spend is (a ratio of a
    partial sum would look cheaper than it was); `–` with no correct answer to divide by."""
    if not _present(q.cost_per_correct_usd) and not (unknown and _present(q.correct)):
        return "–"
    if _present(q.correct) and int(q.correct) == 0:
        return "–"
    return "unknown" if unknown else usd(float(q.cost_per_correct_usd))


def _quality_table(
    quality: pd.DataFrame, binary: dict[str, bool], noun: str, unknown: dict[str, int]
) -> str:
    """With variants, each contestant's short id too (stable: hashed from its key)."""
    ids = noun != "model"
    headers = ["scorer", noun, *(["id"] if ids else []), "n", "mean", "interval", "cost/correct"]
    rows = []
    for q in quality.itertuples(index=False):
        fmt = _score_format(binary[str(q.scorer)])
        interval = f"[{_num(q.ci_low, fmt)}, {_num(q.ci_high, fmt)}]"
        rows.append(
            [
                str(q.scorer),
                str(q.contestant),
                *([str(q.contestant_id)] if ids else []),
                str(q.n),
                _num(q.mean, fmt),
                interval,
                _cost_per_correct(q, unknown.get(str(q.contestant), 0)),
            ]
        )
    return format_table(headers, rows, [False, False, *([False] if ids else []), *[True] * 4])


def _speed_table(summary: pd.DataFrame, noun: str) -> str:
    columns = [
        ("rows", "rows", "{:.0f}"),
        ("errors", "errors", "{:.0f}"),
        *((header, column, "{:.0f}") for header, column in pending_columns(summary)),
        ("fallback", "fallback_rate", "{:.1%}"),
        ("cached", "cache_rate", "{:.1%}"),
        ("p50 s", "p50_service_s", "{:.2f}"),
        ("p95 s", "p95_service_s", "{:.2f}"),
        ("p99 s", "p99_service_s", "{:.2f}"),
        ("ttft p50", "p50_ttft_s", "{:.2f}"),
        ("tok/s", "p50_output_tokens_per_s", "{:.0f}"),
    ]
    rows = [
        [str(model), *(_num(s.get(col), fmt) for _, col, fmt in columns), *_costs(s)]
        for model, s in summary.iterrows()
    ]
    headers = [noun, *(h for h, _, _ in columns), "cost", "cost/item"]
    return format_table(headers, rows, [False] + [True] * (len(columns) + 2))


def _costs(s: pd.Series) -> list[str]:
    """The cost cells: the known spend `+ N unknown`, `unknown` when none was reported;
    per item over the answers whose cost is known; `–` for a contestant with no answer."""
    unknown = int(s.get("cost_unknown_rows") or 0)
    known = float(s["cost_usd"]) if _present(s.get("cost_usd")) else None
    total = cost_text(known, unknown, nothing="–")
    answered = _present(s.get("ok")) and int(s["ok"]) > 0
    if not answered:
        return [total, "–"]
    per_item = s["cost_per_item_usd"]
    return [total, usd(float(per_item)) if _present(per_item) else "unknown"]


def _pairs_table(pairs: pd.DataFrame, binary: bool, level: str, noun: str) -> str:
    headers = [f"{noun}_a", f"{noun}_b", "n", "a", "b", "a − b", f"{level} interval"]
    headers += ["p", "p Holm", "sig"]  # "*": significant after Holm
    diff = "{:+.1f} pp" if binary else "{:+.3f}"
    scale = 100.0 if binary else 1.0
    fmt = _score_format(binary)
    rows = []
    for p in pairs.itertuples(index=False):
        low, high = _scaled(p.ci_low, scale), _scaled(p.ci_high, scale)
        rows.append(
            [
                str(p.contestant_a),
                str(p.contestant_b),
                str(p.n_shared),
                _num(p.mean_a, fmt),
                _num(p.mean_b, fmt),
                _num(_scaled(p.diff, scale), diff),
                f"[{_num(low, diff)}, {_num(high, diff)}]",
                _p(p.p_value),
                _p(p.p_holm),
                "*" if p.significant else "",
            ]
        )
    return format_table(headers, rows, [False, False, *[True] * 7, False])


def _groups_table(groups: pd.DataFrame, binary: bool, noun: str) -> str:
    fmt = _score_format(binary)
    rows = [
        [str(g.group), str(g.rank), str(g.contestant), _num(g.mean, fmt), str(g.n)]
        for g in groups.itertuples(index=False)
    ]
    headers = ["group", "rank", noun, "mean", "n"]
    return format_table(headers, rows, [True, True, False, True, True])


def _score_format(binary: bool) -> str:
    return "{:.1%}" if binary else "{:.3f}"


def _scaled(value: Any, scale: float) -> Any:
    return value * scale if _present(value) else value


def _present(value: Any) -> bool:
    if value is None or value is pd.NA:
        return False
    return not (isinstance(value, float) and math.isnan(value))


def _num(value: Any, fmt: str) -> str:
    return fmt.format(value) if _present(value) else "–"


def _p(value: Any) -> str:
    if not _present(value):
        return "–"
    return "<0.0001" if value < 1e-4 else f"{value:.4f}"
