"""Plain-text tables for the terminal (no dependency: aligned columns, numbers right)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TextIO

import pandas as pd

__all__ = ["format_table", "print_summary"]


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


def print_summary(summary: pd.DataFrame, manifest: dict[str, Any], *, file: TextIO) -> None:
    scorers = [c for c in summary.columns if c.startswith("score_")]
    headers = [
        "model",
        "rows",
        "errors",
        *(c.removeprefix("score_") for c in scorers),
        "latency",
        "cost",
    ]
    rows = []
    for model, s in summary.iterrows():
        rows.append(
            [
                str(model),
                str(int(s["rows"])),
                str(int(s["errors"])),
                *(_num(s[c], "{:.1%}") for c in scorers),
                _num(s["mean_service_s"], "{:.2f} s"),
                _num(s["cost_usd"], "${:.4f}"),
            ]
        )
    print(format_table(headers, rows, [False] + [True] * (len(headers) - 1)), file=file)
    totals = manifest.get("totals", {}).get("all", {})
    print(
        f"{manifest.get('status')}: {totals.get('tasks', 0)} tasks, "
        f"{totals.get('errors', 0)} errors, ${totals.get('cost_usd', 0.0):.4f} "
        f"in {manifest.get('wall_s', 0):.1f} s",
        file=file,
    )
