"""The report's header, one entry per run: what was run (dataset, endpoint, catalog, the
spec as TOML), how it went (status, estimate against actual spend and duration, judges'
spend, warnings). All of it from the run's manifest; the endpoint by its label, never its
key."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import tomli_w

from orkit._format import (
    billed_attempts_text,
    byok_text,
    cost_text,
    full_spend,
    judges_spent,
    known,
    prompt_cache_text,
    unscored_lines,
)
from orkit.report._round import count, money, seconds
from orkit.results import Manifest, RunDir, endpoints_label, shown_status

__all__ = ["REDACTED", "run_header"]

REDACTED = "[redacted]"
_PROMPT_TEXT = ("template", "system", "messages", "text")


def run_header(run: RunDir, manifest: Manifest, *, redact_prompts: bool) -> dict[str, Any]:
    """The payload's `runs` entry of `run`."""
    totals = manifest.totals_all
    dataset = manifest.dataset
    path = None if dataset is None else dataset.get("path")
    spent, unknown = full_spend(manifest)
    return {
        "run_id": run.run_id,
        "name": manifest.name,
        "status": shown_status(run.path, manifest.status),
        "created_at": manifest.created_at,
        "finished_at": manifest.finished_at,
        "endpoint": endpoints_label(manifest.endpoint, manifest.model_endpoints),
        "catalog": dict(manifest.catalog) if manifest.catalog else None,
        "dataset": None
        if dataset is None
        else {
            "name": os.path.basename(path) if path else None,
            "path": path,
            "rows": dataset.get("rows"),
            "fingerprint": dataset.get("fingerprint"),
        },
        "spec_toml": spec_toml(manifest.spec, redact_prompts=redact_prompts),
        "estimate": _estimate(manifest.estimate),
        "actual": {
            "cost_usd": money(spent),
            "cost_unknown_rows": unknown,
            "duration_s": seconds(manifest.wall_s),
            # unknown (a manifest without the count) is null, never 0
            "tasks": count(totals.get("tasks")),
            "ok": count(totals.get("ok")),
            "errors": count(totals.get("errors")),
            "cached": count(totals.get("cached")),
        },
        "judges": _judges(manifest),
        # failed attempts that were billed (in the run's spend, in no row's cost)
        "billed_attempts": billed_attempts_text(totals),
        # rows served with the user's own provider key: OpenRouter's fee (in the spend) and
        # what the provider billed, apart; null when there were none
        "byok": _unlabelled(byok_text(totals), "BYOK: "),
        # the providers' prompt caches: share of prompt tokens read, net savings, writes;
        # null when no row read or wrote them
        "prompt_cache": _unlabelled(prompt_cache_text(totals), "cache: "),
        # score rows the budget left without their judge or embedding: the scorer's mean
        # stands on the others (a resume with a larger budget scores them); null when none
        "not_scored": "; ".join(unscored_lines(manifest.judges)) or None,
        "warnings": [str(w) for w in manifest.warnings or []],
    }


def _unlabelled(text: str | None, label: str) -> str | None:
    """The terminal's line without its label: the run card puts its own label beside it."""
    return None if text is None else text.removeprefix(label)


def spec_toml(spec: Mapping[str, Any], *, redact_prompts: bool) -> str | None:
    """The resolved spec as TOML text; the prompts' text replaced by `[redacted]` when the
    prompts are redacted (their ids stay: the contestants are named by them)."""
    if not spec:
        return None
    data = _without_none(dict(spec))
    if redact_prompts:
        prompts = data.get("prompts")
        if isinstance(prompts, dict):
            data["prompts"] = {
                pid: {k: (REDACTED if k in _PROMPT_TEXT else v) for k, v in p.items()}
                if isinstance(p, dict)
                else REDACTED
                for pid, p in prompts.items()
            }
        for key in ("prompt", "template", "system"):  # older specs: one prompt
            if key in data:
                data[key] = REDACTED
    try:
        return tomli_w.dumps(data)
    except (TypeError, ValueError):  # a value TOML cannot hold: say so rather than fail
        return None


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


def _estimate(estimate: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The estimate's expected cost and duration (the pre-run figures), and its verdict."""
    if not estimate:
        return None
    total = estimate.get("total") or {}
    return {
        "cost_usd": money(known(total.get("cost_expected_usd"))),
        "duration_s": seconds(known(total.get("duration_s"))),
        "verdict": estimate.get("verdict"),
    }


def _judges(manifest: Manifest) -> dict[str, Any] | None:
    """The judges' spend (None when no LLM judge scored the run), as the old report put it."""
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
