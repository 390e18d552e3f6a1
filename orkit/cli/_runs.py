"""`orkit runs`: the run directories under a folder, one line each."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orkit._format import (
    count,
    full_spend,
    judges_spent,
    plural,
    spend_text,
    unscored_rows,
    usd,
)
from orkit.cli._exit import ExitCode
from orkit.cli._table import format_table

if TYPE_CHECKING:
    from orkit.results import Manifest

HELP = "list runs: id, name, status, created, models, tasks done/total, cost (answers + judges)"


def register(sub: Any) -> None:
    p = sub.add_parser("runs", help=HELP, description=HELP)
    p.add_argument("dir", nargs="?", default="runs", help="folder holding run directories")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def _progress(
    run_dir: Path, manifest: Manifest, status: str
) -> tuple[int, float | None, int | None]:
    """Final rows so far, their known cost (None: none known) and how many costs are unknown:
    from the totals, the answers' and the LLM judges' spend together (`full_spend`), or (for
    a run still going or killed, whose totals are not counted yet and whose judges have not
    run) from its journal, else by counting the rows of its part files from their footers
    (cost not counted: unknown count None)."""
    if manifest.totals and status not in ("running", "interrupted"):
        known, unknown = full_spend(manifest)
        return int(manifest.totals_all["tasks"]), known, unknown
    from orkit.results import journal_progress

    progress = journal_progress(run_dir / "journal.sqlite")
    if progress is not None:
        return progress
    import pyarrow.parquet as pq

    parts = run_dir.glob("results/part-*.parquet")
    return sum(pq.ParquetFile(p).metadata.num_rows for p in parts), None, None


def shown_name(manifest: Manifest) -> str | None:
    """`orkit.results.shown_name` (it lived here; imported when called, so that building
    the parser does not import pyarrow)."""
    from orkit.results import shown_name as name

    return name(manifest)


def describe(run_dir: Path) -> dict[str, Any] | None:
    from orkit.errors import RunError
    from orkit.results import RunDir, shown_status

    try:
        manifest = RunDir(run_dir).read_manifest()
    except RunError:  # unreadable, not a manifest, or a newer orkit's: not listed
        return None
    models = _models(manifest)
    # "running" with no live process holding the run's lock: killed (`orkit resume` it)
    status = shown_status(run_dir, manifest.status)
    done, cost_usd, unknown = _progress(run_dir, manifest, status)
    return {
        "run_id": run_dir.name,
        "name": shown_name(manifest),
        "path": str(run_dir),
        "status": status,
        "created": manifest.created_at,
        "models": models,
        "endpoints": _endpoints(manifest),
        "done": done,
        "total": manifest.tasks,
        # answers + judges: the known part; null when none is known, never 0 for unknown
        "cost_usd": cost_usd,
        "cost_unknown": unknown,
        "answers_cost_usd": manifest.totals_all.get("cost_usd"),
        "judges_cost_usd": judges_spent(manifest)[0],
        # score rows a judge or embedding would have scored but the budget did not send
        "unscored_rows": unscored_rows(manifest.judges),
        # BYOK apart: OpenRouter's fee is in cost_usd, the upstream is your provider's bill;
        # null while the run's totals are not counted (never 0 for unknown)
        **_byok(manifest.totals_all if manifest.totals else None),
        **_prompt_cache(manifest.totals_all if manifest.totals else None),
    }


def _byok(totals: Mapping[str, Any] | None) -> dict[str, Any]:
    keys = ("byok_rows", "byok_fee_usd", "byok_upstream_usd")
    return {k: None if totals is None else totals.get(k, 0) for k in keys}


def _prompt_cache(totals: Mapping[str, Any] | None) -> dict[str, Any]:
    """The share of prompt tokens read from the providers' caches and what it saved (null
    while the totals are not counted, or no row said; never 0 for unknown)."""
    if totals is None:
        return dict.fromkeys(("cache_hit_rate", "cache_savings_usd"))
    base = totals.get("cache_prompt_tokens") or 0
    rate = (totals.get("cached_tokens") or 0) / base if base else None
    return {"cache_hit_rate": rate, "cache_savings_usd": totals.get("cache_savings_usd")}


def _models(manifest: Manifest) -> list[str]:
    """The run's models as its tables name them, each with its own endpoint if it had one
    (`qwen3-8b (http://127.0.0.1:8000/v1)`)."""
    from orkit.errors import SpecError
    from orkit.results import contestants_of, model_entry, shown_contestants, spec_model_names

    given = manifest.spec.get("models")
    if not isinstance(given, list) or all(isinstance(m, str) for m in given):
        return spec_model_names(manifest.spec)
    try:
        entries = [model_entry(m, i, None) for i, m in enumerate(given)]
        endpoint = str(manifest.spec.get("endpoint") or "openrouter")  # a sweep's default
        return shown_contestants(contestants_of(entries, endpoint))
    except SpecError:
        return spec_model_names(manifest.spec)


def _endpoints(manifest: Manifest) -> list[str]:
    """Every endpoint the run sent to, the run's own first (never a key)."""
    from orkit.results import endpoint_label

    shown = [endpoint_label(manifest.endpoint)]
    for described in (manifest.model_endpoints or {}).values():
        shown.append(endpoint_label(described))
    return list(dict.fromkeys(shown))


def _cost(r: dict[str, Any]) -> str:
    if r["cost_unknown"] is None:
        return "–"  # rows counted from part files: their cost was not added up
    notes = []  # one bracket after the spend, however many notes
    if r.get("byok_rows"):
        notes.append(f"+{usd(r['byok_upstream_usd'])} BYOK upstream")
    if r.get("cache_hit_rate"):
        saved = usd(r.get("cache_savings_usd"))
        notes.append(f"cache {r['cache_hit_rate']:.0%}, saved {saved} net")
    text = spend_text(r["cost_usd"], r["cost_unknown"])
    return f"{text} ({'; '.join(notes)})" if notes else text


def _status(r: dict[str, Any]) -> str:
    """`completed (20 not scored)` when the budget left score rows without their judge or
    embedding (a resume with a larger budget scores them): a run that only looks complete."""
    left = int(r.get("unscored_rows") or 0)
    return f"{r['status']} ({count(left)} not scored)" if left else str(r["status"])


def run(args: argparse.Namespace) -> int:
    from orkit.errors import ConfigError

    root = Path(args.dir)
    if not root.is_dir():
        raise ConfigError(f"{root}: no such folder (run directories live in runs/ by default)")
    runs = [d for d in (describe(p) for p in sorted(root.iterdir()) if p.is_dir()) if d]
    runs.sort(key=lambda r: r["created"] or "")
    if args.json:
        print(json.dumps(runs, indent=2))
        return ExitCode.OK
    rows = []
    for r in runs:
        models = ", ".join(r["models"][:2]) + (
            f" +{len(r['models']) - 2}" if len(r["models"]) > 2 else ""
        )
        rows.append(
            [
                r["run_id"],
                r["name"] or "–",
                _status(r),
                str(r["created"] or "–"),
                models,
                f"{count(r['done'])}/{count(r['total'] or 0)}",
                _cost(r),
            ]
        )
    print(
        format_table(
            ["run", "name", "status", "created", "models", "done/total", "cost"],
            rows,
            [False, False, False, False, False, True, True],
        )
    )
    print(f"{plural(len(runs), 'run')} in {root}")
    if any(r["status"] == "interrupted" for r in runs):
        print("interrupted: killed while running; `orkit resume <run>` finishes it")
    return ExitCode.OK
