"""Render a run into one self-contained HTML file: inline CSS, no scripts, no network.

Model outputs are untrusted text, so Jinja2 autoescaping stays on; the final HTML is also
scrubbed of anything that looks like an API key (prompts and outputs are user data).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from orkit._format import (
    billed_attempts_text,
    cached_text,
    cost_text,
    count,
    full_spend_text,
    judges_spent,
    known,
    run_spend,
)
from orkit._redact import redact_secrets
from orkit.report._options import ReportOptions
from orkit.results import (
    Manifest,
    RunDir,
    SummaryRows,
    endpoint_label,
    read_result_rows,
    read_summary_rows,
)
from orkit.stats import CONTESTANT_KEYS, Contestants, SummaryOptions, summarize_run

__all__ = ["render_report", "write_report"]

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("orkit.report", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["endpoint_label"] = endpoint_label  # the URL, never the key or just "url"

# The report reads only the columns its tables need, for every row; the text columns of the
# few rows it shows as examples are read afterwards, for those rows only. Loading every
# column of a 200,000-task run into pandas took some 400 MB, mostly answers and prompts.
_EXAMPLE_COLUMNS = (
    *("item_index", "item_id", "prompt_id", "repeat", "status"),
    *("output_text", "error_type", "error_message", "messages_json"),
)


def _fmt(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "s":
        return f"{value:.2f} s"
    return str(value)


def _model_rows(summary: pd.DataFrame) -> tuple[list[str], list[dict[str, Any]]]:
    """One row per contestant (model × prompt × params), labelled as `summarize` does."""
    scorer_cols = [c for c in summary.columns if c.startswith("score_")]
    rows = []
    for label, s in summary.iterrows():
        ok = int(s["ok"])
        # cache_rate is the share of ok rows the response cache answered (NaN: no ok rows)
        rate = known(s.get("cache_rate"))
        cached = round((rate or 0.0) * ok)
        every_cached = bool(ok) and cached >= ok  # no latency to measure: say why
        rows.append(
            {
                "model": label,
                "id": s["contestant_id"],
                "rows": int(s["rows"]),
                "errors": int(s["errors"]),
                "skipped": int(s["skipped_budget"]),
                "deferred": int(s["deferred"]),
                "fallback": int(s["fallback_rows"]),
                "error_rate": _fmt(s["error_rate"], "pct"),
                "scores": [(_fmt(s[c], "pct"), s[c]) for c in scorer_cols],
                "latency": "cached" if every_cached else _fmt(s["mean_service_s"], "s"),
                "ttft": "cached" if every_cached else _fmt(s["p50_ttft_s"], "s"),
                "cost": cost_text(known(s["cost_usd"]), int(s["cost_unknown_rows"]), nothing="–"),
                "cached": cached_text(cached, ok),
            }
        )
    return [c.removeprefix("score_") for c in scorer_cols], rows


def _examples(
    run: RunDir, rows: SummaryRows, entrants: Contestants, limit: int
) -> list[dict[str, Any]]:
    """The first `limit` items (by dataset position), each with every contestant's output
    and pass/fail, in the contestants' order (as the table above lists them). Only those
    items' rows are read back from disk, with their text."""
    if rows.num_rows == 0:
        return []
    by_index = rows.item[np.argsort(rows.floats["item_index"], kind="stable")]
    items = pd.unique(by_index)[:limit]
    del by_index
    chosen = np.zeros(len(rows.item_ids), dtype=bool)
    chosen[items] = True
    positions = np.flatnonzero(chosen[rows.item])
    wanted = read_result_rows(run, _EXAMPLE_COLUMNS, positions.tolist()).to_pandas()
    wanted.index = positions
    labels = np.array([*entrants.labels, None], dtype=object)
    wanted = wanted.assign(
        contestant=labels[entrants.codes[positions]],
        order=entrants.codes[positions],
        task_key=positions,
    )
    # the same rows in the same order as sorting every row (the sort is stable)
    wanted = wanted.sort_values(["item_index", "order", "repeat"], kind="stable")
    passed = _first_passed(rows, positions)
    out = []
    for item_id, group in wanted.groupby("item_id", sort=False):
        cells = []
        for r in group.itertuples():
            text = r.output_text if r.status == "ok" else f"[{r.error_type}] {r.error_message}"
            cells.append(
                {
                    "model": r.contestant,
                    "text": text or "",
                    "status": r.status,
                    "passed": passed.get(r.task_key),
                }
            )
        # each prompt variant's own messages (a grid of prompts sent each item several
        # ways; showing the first one only put the others' outputs under the wrong prompt)
        variants = group.drop_duplicates("messages_json")
        prompts = [
            {"id": str(v.prompt_id), "text": _readable(str(v.messages_json))}
            for v in variants.itertuples()
        ]
        out.append({"item_id": item_id, "prompts": prompts, "cells": cells})
    return out


def _first_passed(rows: SummaryRows, positions: np.ndarray) -> dict[int, bool | None]:
    """For each results row in `positions`, `passed` of its first score row (any scorer)."""
    is_shown = np.zeros(rows.num_rows + 1, dtype=bool)  # the spare last: no row (-1)
    is_shown[positions] = True
    shown = np.flatnonzero(is_shown[rows.score_row])
    passed: dict[int, bool | None] = {}
    for at in shown.tolist():
        row = int(rows.score_row[at])
        if row not in passed:
            value = int(rows.passed[at])
            passed[row] = None if value < 0 else bool(value)
    return passed


def _readable(messages_json: str) -> str:
    """`system: ...` / `user: ...` lines from the stored messages (their JSON if odd)."""
    try:
        messages = json.loads(messages_json)
        return "\n".join(f"{m['role']}: {m['content']}" for m in messages)
    except (ValueError, TypeError, KeyError):
        return messages_json


def _judges(manifest: Manifest) -> dict[str, Any] | None:
    """The judges' spend from the manifest (None when no LLM judge scored the run): per
    scorer of the current scores; in all, with what re-scores replaced (spent all the same)."""
    spend = manifest.judges or {}
    if not spend:
        return None
    lines = [
        {
            "scorer": name,
            "model": line.get("judge_model"),
            "rows": line.get("rows", 0),
            "requests": line.get("requests", 0),
            "cached": line.get("cached_rows", 0),
            "cost": cost_text(line.get("cost_usd"), int(line.get("cost_unknown_rows", 0))),
        }
        for name, line in (spend.get("by_scorer") or {}).items()
    ]
    return {"cost": cost_text(*judges_spent(manifest)), "lines": lines}


def _items(rows: SummaryRows) -> int:
    """Distinct item ids among the rows (a missing id is none)."""
    present = np.unique(rows.item)
    return sum(1 for code in present.tolist() if rows.item_ids[code] is not None)


def _old_page(run: RunDir, *, title: str | None = None, max_examples: int = 100) -> str:
    """The report of `run` as an HTML string."""
    manifest = run.read_manifest()
    rows = read_summary_rows(run, CONTESTANT_KEYS)
    options = SummaryOptions.of_sweeps([manifest.spec])
    summary = summarize_run(rows, options)
    entrants = summary.contestants
    scorer_names, model_rows = _model_rows(summary.table)
    totals = manifest.totals_all
    page = _ENV.get_template("report.html.j2").render(
        title=title or manifest.name or run.run_id,
        manifest=manifest,
        totals=totals,
        total_cost=run_spend(totals, none_known="unknown"),  # under its "total cost" label
        billed_attempts=billed_attempts_text(totals),
        full_cost=full_spend_text(manifest, none_known="unknown"),  # under its label
        cached=cached_text(int(totals.get("cached", 0)), int(totals.get("ok", 0))),
        count=count,
        scorer_names=scorer_names,
        models=model_rows,
        noun="contestant" if entrants.varies else "model",
        score_fallbacks=options.score_fallbacks,
        pending=[
            (key, header)
            for key, header in (("skipped", "skipped (budget)"), ("deferred", "deferred (quota)"))
            if any(row[key] for row in model_rows)
        ],
        examples=_examples(run, rows, entrants, max_examples),
        n_items=_items(rows),
        warnings=manifest.warnings or [],
        judges=_judges(manifest),
    )
    return redact_secrets(page)


def render_report(runs: RunDir | Sequence[RunDir], options: ReportOptions | None = None) -> str:
    """The report of `runs` (one run, or several paired by item id) as one HTML page."""
    chosen = [runs] if isinstance(runs, RunDir) else list(runs)
    if not chosen:
        raise ValueError("a report needs at least one run")
    options = options or ReportOptions()
    return _old_page(chosen[0], title=options.title, max_examples=options.max_items)


def write_report(
    runs: RunDir | Sequence[RunDir], out: str | Path, options: ReportOptions | None = None
) -> Path:
    """Write the report to `out` (parents created; written to a temporary file and renamed,
    so a killed write leaves no half page) and return its path."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render_report(runs, options), "utf-8")
    tmp.replace(path)
    return path
