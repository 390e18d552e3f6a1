"""`orkit compare RUN [RUN…]`: per-model scores with confidence intervals, every pair of
models with Holm-corrected p-values, and groups of statistically tied models."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

HELP = "compare models: scores with 95% intervals, paired tests (Holm), rank groups"


def register(sub: Any) -> None:
    # argparse %-formats a subcommand's help (not its description): "95%" must be "95%%"
    p = sub.add_parser("compare", help=HELP.replace("%", "%%"), description=HELP)
    p.add_argument(
        "runs",
        nargs="+",
        metavar="RUN",
        help="run directories; with several, items are matched by item_id and a model found "
        "in more than one run is shown as model@run_id",
    )
    p.add_argument("--scorer", help="compare on this scorer only (default: every scorer)")
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    p.set_defaults(func=run)


@dataclass(frozen=True)
class _Loaded:
    results: Any  # pandas DataFrames; pandas is imported only when the command runs
    scores: Any
    models: list[str]
    """Display order: each run's models in its sweep's order, runs in the order given."""
    pair_on: tuple[str, ...]
    include_fallbacks: bool


def run(args: argparse.Namespace) -> int:
    from orkit.cli._compare_tables import print_comparison
    from orkit.errors import ConfigError
    from orkit.stats import compare, rank_groups, score_summary, summarize

    if not 0.0 < args.alpha < 1.0:
        raise ConfigError(f"--alpha must be between 0 and 1, got {args.alpha}")
    data = _load(args.runs)
    scores, models = data.scores, data.models
    if args.scorer is not None:
        known = sorted(set(scores["scorer"])) if not scores.empty else []
        if args.scorer not in known:
            raise ConfigError(f"no scorer {args.scorer!r} in these runs (scorers: {known})")
        scores = scores[scores["scorer"] == args.scorer]
    common = {"seed": args.seed, "include_fallbacks": data.include_fallbacks}
    level = 1.0 - args.alpha
    summary = summarize(data.results, scores, confidence=level, **common)
    quality = score_summary(data.results, scores, confidence=level, models=models, **common)
    pairs = compare(
        data.results, scores, alpha=args.alpha, pair_on=data.pair_on, models=models, **common
    )
    groups = rank_groups(
        data.results,
        scores,
        alpha=args.alpha,
        comparison=pairs,
        include_fallbacks=data.include_fallbacks,
    )
    runs = "1 run" if len(args.runs) == 1 else f"{len(args.runs)} runs"
    print(f"{len(models)} models from {runs}")
    print_comparison(
        summary.loc[[m for m in models if m in summary.index]],
        quality,
        pairs,
        groups,
        alpha=args.alpha,
        pair_on=data.pair_on,
        file=sys.stdout,
    )
    return 0


def _load(paths: list[str]) -> _Loaded:
    """One run pairs on the full task identity; several pair on `item_id` only."""
    import pandas as pd

    from orkit.batch import Run
    from orkit.errors import ConfigError, RunError
    from orkit.stats import ACROSS_RUNS, PAIR_ON, combine_runs

    runs = []
    for path in paths:
        try:
            runs.append(Run(path))
        except RunError as exc:  # bad input: nothing to read, exit 2 like other commands
            raise ConfigError(str(exc)) from None
    ids = [r.run_id for r in runs]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ConfigError(f"the same run was given twice: {twice[0]}")
    specs = {r.run_id: r.manifest.get("spec", {}) for r in runs}
    tables = {r.run_id: (r.to_pandas(), r.scores()) for r in runs}
    if len(runs) == 1:
        results, scores = tables[ids[0]]
    else:
        results, scores = combine_runs(tables)
    if scores.empty:
        scores = pd.DataFrame(columns=["task_key", "item_id", "model", "scorer", "score"])
    present = [str(m) for m in results["model"].unique()] if not results.empty else []
    models: list[str] = []
    for run_id in ids:
        for m in specs[run_id].get("models", []):
            for label in (m, f"{m}@{run_id}"):
                if label in present and label not in models:
                    models.append(label)
    models += [m for m in present if m not in models]
    return _Loaded(
        results=results,
        scores=scores,
        models=models,
        pair_on=PAIR_ON if len(runs) == 1 else ACROSS_RUNS,
        # Fallback answers count only if every run asked for it (`score_fallbacks`).
        include_fallbacks=all(bool(s.get("score_fallbacks")) for s in specs.values()),
    )
