"""Render a run into one self-contained HTML file: inline CSS, no scripts, no network.

Model outputs are untrusted text, so Jinja2 autoescaping stays on; the final HTML is also
scrubbed of anything that looks like an API key (prompts and outputs are user data).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from orkit._format import (
    cached_text,
    cost_text,
    count,
    full_spend_text,
    judges_spent,
    known,
    run_spend,
)
from orkit._redact import redact_secrets
from orkit.results import RunDir, endpoint_label, read_result_rows, read_summary_frames
from orkit.stats import SCORE_COLUMNS, SUMMARY_COLUMNS, Contestants, contestants, summarize

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
_RESULT_COLUMNS = (*SUMMARY_COLUMNS, "item_index")
_EXAMPLE_COLUMNS = ("output_text", "error_type", "error_message", "messages_json")
_SCORE_COLUMNS = (*SCORE_COLUMNS, "passed")


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
    run: RunDir, results: pd.DataFrame, scores: pd.DataFrame, entrants: Contestants, limit: int
) -> list[dict[str, Any]]:
    """The first `limit` items, each with every contestant's output and pass/fail, in the
    contestants' order (as the table above lists them). `results` holds the summary's
    columns; the examples' text is read from disk for their rows alone."""
    if results.empty:
        return []
    by_index = results[["item_index", "item_id"]].sort_values("item_index")
    item_ids = list(dict.fromkeys(by_index["item_id"]))[:limit]
    # Those items' rows first, then the sort: the same rows in the same order as sorting
    # them all (the sort is stable), without a sorted copy of every row.
    shown = results["item_id"].isin(item_ids).to_numpy()
    wanted = results[shown].assign(
        contestant=entrants.of_rows().to_numpy()[shown], order=entrants.codes[shown]
    )
    wanted = wanted.sort_values(["item_index", "order", "repeat"], kind="stable")
    # `results` is indexed by row position in the results table: the texts join on it
    rows = np.unique(wanted.index.to_numpy())
    texts = read_result_rows(run, _EXAMPLE_COLUMNS, rows.tolist()).to_pandas()
    texts.index = rows
    wanted = wanted.join(texts)
    passed = {}
    if not scores.empty:
        first = scores.drop_duplicates("task_key")
        passed = dict(zip(first["task_key"], first["passed"], strict=True))
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


def _readable(messages_json: str) -> str:
    """`system: ...` / `user: ...` lines from the stored messages (their JSON if odd)."""
    try:
        messages = json.loads(messages_json)
        return "\n".join(f"{m['role']}: {m['content']}" for m in messages)
    except (ValueError, TypeError, KeyError):
        return messages_json


def _judges(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The judges' spend from the manifest (None when no LLM judge scored the run): per
    scorer of the current scores; in all, with what re-scores replaced (spent all the same)."""
    spend = manifest.get("judges") or {}
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


def _sweep_order(spec: dict[str, Any], results: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The sweep's models and prompt ids, in its order: contestants are listed in it."""
    present = [str(m) for m in results["model"].unique()] if not results.empty else []
    models = list(dict.fromkeys([*(str(m) for m in spec.get("models", [])), *present]))
    return models, [str(p) for p in spec.get("prompts") or {}]


def render_report(run: RunDir, *, title: str | None = None, max_examples: int = 100) -> str:
    """The report of `run` as an HTML string."""
    manifest = run.read_manifest()
    results, scores = read_summary_frames(run, _RESULT_COLUMNS, _SCORE_COLUMNS)
    spec = manifest.get("spec") or {}
    models, prompts = _sweep_order(spec, results)
    fallbacks = bool(spec.get("score_fallbacks", False))
    summary = summarize(
        results, scores, models=models, prompts=prompts, include_fallbacks=fallbacks
    )
    entrants = contestants(results, models=models, prompts=prompts)
    scorer_names, model_rows = _model_rows(summary)
    totals = manifest.get("totals", {}).get("all", {})
    page = _ENV.get_template("report.html.j2").render(
        title=title or manifest.get("name") or run.run_id,
        manifest=manifest,
        totals=totals,
        total_cost=run_spend(totals, none_known="unknown"),  # under its "total cost" label
        full_cost=full_spend_text(manifest, none_known="unknown"),  # under its label
        cached=cached_text(int(totals.get("cached", 0)), int(totals.get("ok", 0))),
        count=count,
        scorer_names=scorer_names,
        models=model_rows,
        noun="contestant" if entrants.varies else "model",
        pending=[
            (key, header)
            for key, header in (("skipped", "skipped (budget)"), ("deferred", "deferred (quota)"))
            if any(row[key] for row in model_rows)
        ],
        examples=_examples(run, results, scores, entrants, max_examples),
        n_items=int(results["item_id"].nunique()) if not results.empty else 0,
        warnings=manifest.get("warnings") or [],
        judges=_judges(manifest),
    )
    return redact_secrets(page)


def write_report(run: RunDir, out: str | Path, *, title: str | None = None) -> Path:
    """Write the report to `out` (parents created) and return its path."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render_report(run, title=title), "utf-8")
    tmp.replace(path)
    return path
