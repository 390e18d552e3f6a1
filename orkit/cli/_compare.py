"""`orkit compare RUN [RUN…]`: per-contestant scores with confidence intervals, every pair
of contestants with Holm-corrected p-values, and groups of statistically tied contestants.
A contestant is one model × prompt × params variant (see `orkit.stats.contestants`)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orkit.results import Manifest

HELP = (
    "compare models and their prompt/params variants: scores with 95% intervals, "
    "paired tests (Holm), rank groups"
)

MIN_SHARED = 10
"""Runs compared with each other must share at least this many items by default: with
fewer, no difference can be shown and every pair prints as a row of dashes."""


def register(sub: Any) -> None:
    # argparse %-formats a subcommand's help (not its description): "95%" must be "95%%"
    p = sub.add_parser("compare", help=HELP.replace("%", "%%"), description=HELP)
    p.add_argument(
        "runs",
        nargs="+",
        metavar="RUN",
        help="run directories; with several, items are matched by item_id and a model found "
        "in more than one run is shown as model@endpoint (or model@run_id)",
    )
    p.add_argument("--scorer", help="compare on this scorer only (default: every scorer)")
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    p.add_argument(
        "--min-shared",
        type=int,
        default=MIN_SHARED,
        metavar="N",
        help=f"with several runs, the fewest dataset items they must share (default {MIN_SHARED})",
    )
    p.set_defaults(func=run)


@dataclass(frozen=True)
class _Loaded:
    results: Any  # pandas DataFrames; pandas is imported only when the command runs
    scores: Any
    options: Any
    """`SummaryOptions` of the runs' sweeps, its models the contestants' models in display
    order: each run's models in its sweep's order, runs in the order given."""


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from orkit._format import plural
    from orkit.cli._compare_tables import print_comparison
    from orkit.errors import ConfigError
    from orkit.stats import (
        CONTESTANT_KEYS,
        PairOptions,
        compare,
        rank_groups,
        rows_of_frames,
        summarize_run,
    )

    if not 0.0 < args.alpha < 1.0:
        raise ConfigError(f"--alpha must be between 0 and 1, got {args.alpha}")
    if args.min_shared < 1:
        raise ConfigError(f"--min-shared must be at least 1, got {args.min_shared}")
    data = _load(args.runs, args.min_shared)
    scores = data.scores
    if args.scorer is not None:
        _check_scorer(args.scorer, list(dict.fromkeys(scores["scorer"].astype(str))))
        scores = scores[scores["scorer"] == args.scorer]
    options = replace(data.options, confidence=1.0 - args.alpha, seed=args.seed)
    # the runs' one summary, as `Run.summary`, the report and `orkit run` show it
    summary = summarize_run(rows_of_frames(data.results, scores, CONTESTANT_KEYS), options)
    entrants = summary.contestants
    # the pairs and groups of the same contestants, in the same order, on the same scores
    pairing = PairOptions(alpha=args.alpha)
    pairs = compare(data.results, scores, options=options, pairing=pairing)
    groups = rank_groups(data.results, scores, comparison=pairs, options=options, pairing=pairing)
    noun = "contestant" if entrants.varies else "model"
    print(f"{plural(len(entrants.labels), noun)} from {plural(len(args.runs), 'run')}")
    print_comparison(
        summary.table,
        summary.scores,
        pairs,
        groups,
        alpha=args.alpha,
        noun=noun,
        file=sys.stdout,
    )
    return 0


def _check_scorer(scorer: str, known: list[str]) -> None:
    """`--scorer` names one of the runs' scorers: else one line, the likely one first."""
    import difflib

    from orkit.errors import ConfigError

    if scorer in known:
        return
    if not known:
        raise ConfigError(f"--scorer {scorer}: the runs given have no scores to compare on")
    near = difflib.get_close_matches(scorer, known, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    raise ConfigError(
        f"--scorer {scorer}: no such scorer in the runs given "
        f"(their scorers: {', '.join(known)}){hint}"
    )


def _load(paths: list[str], min_shared: int) -> _Loaded:
    """Runs read back; several are combined, models in more than one told apart."""
    from dataclasses import replace

    import pandas as pd

    from orkit.api import Run
    from orkit.cli._run_dirs import open_run_dirs
    from orkit.stats import SummaryOptions, combine_runs, run_labels

    runs = [Run(run_dir) for run_dir in open_run_dirs(paths)]
    ids = [r.run_id for r in runs]
    manifests = {r.run_id: r.manifest for r in runs}
    specs = {run_id: m.spec for run_id, m in manifests.items()}
    tables = {r.run_id: (r.to_arrow().to_pandas(), r.scores()) for r in runs}
    if len(runs) > 1:
        _check_shared_items(tables, min_shared)
    endpoint_of = {run_id: _endpoint_name(m) for run_id, m in manifests.items()}
    endpoints = {run_id: e for run_id, e in endpoint_of.items() if e is not None}
    if len(runs) == 1:
        results, scores = tables[ids[0]]
    else:
        results, scores = combine_runs(tables, endpoints=endpoints)
    if scores.empty:
        scores = pd.DataFrame(columns=["task_key", "item_id", "model", "scorer", "score"])
    present = {
        run_id: [str(m) for m in table.loc[:, "model"].unique()] if not table.empty else []
        for run_id, (table, _) in tables.items()
    }
    labels = run_labels(present, endpoints) if len(runs) > 1 else {}
    models: list[str] = []
    for run_id in ids:
        named = [str(m) for m in specs[run_id].get("models", [])]
        for m in [*named, *present[run_id]]:
            label = labels.get((run_id, m), m)
            if m in present[run_id] and label not in models:
                models.append(label)
    # Fallback answers count only if every run asked for it (`score_fallbacks`).
    options = SummaryOptions.of_sweeps(specs.values())
    return _Loaded(results=results, scores=scores, options=replace(options, models=tuple(models)))


def _check_shared_items(tables: dict[str, tuple[Any, Any]], min_shared: int) -> None:
    """Runs that share too few items cannot be compared: say so rather than print pairs of
    dashes and rank groups that hold anything together (nothing was shown different)."""
    from orkit.errors import ConfigError

    items = [set(r["item_id"]) if not r.empty else set() for r, _ in tables.values()]
    shared = len(set.intersection(*items))
    if shared < min_shared:
        noun = "item" if shared == 1 else "items"
        raise ConfigError(
            f"these runs share {shared} dataset {noun} (matched by item_id), fewer than "
            f"--min-shared {min_shared}: paired tests on so few items show nothing "
            "(give --min-shared N to compare anyway)"
        )


def _endpoint_name(manifest: Manifest) -> str | None:
    """A run's endpoint, as a model's suffix tells runs apart: `sim`, `openrouter`, or a
    URL endpoint's host."""
    from urllib.parse import urlsplit

    endpoint = manifest.endpoint or {}
    kind = endpoint.get("kind")
    if kind in (None, "url"):
        host = urlsplit(str(endpoint.get("base_url") or "")).netloc
        return host or None
    return str(kind)
