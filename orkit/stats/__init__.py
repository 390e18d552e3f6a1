"""Statistics over run results (layer 2, pure numerics: numpy and pandas, no I/O).

- `contestants`: what is compared. A contestant is one model × prompt × params variant,
  labelled readably with a short stable id; `by=` regroups by model, prompt, params, served
  provider or served model.
- `summarize_run`: a run's one summary (`Run.summary`, the report, the CLI's tables and
  `orkit compare` all show it), the sweep's settings that change it in `SummaryOptions`;
  `summarize`: the same table from results and scores given as frames. One row per
  contestant (counts, latency percentiles, cost, rates, score means with confidence
  intervals). `score_summary`: the scores, one row per contestant × scorer. Each takes its
  settings as `options=SummaryOptions(...)`.
- `compare`: every pair of contestants on their shared items (paired bootstrap interval,
  exact McNemar or paired bootstrap test, Holm correction); `rank_groups`: statistically
  tied contestants grouped. Both take `options=SummaryOptions(...)` for the contestants
  and `pairing=PairOptions(alpha=..., pair_on=...)` for the test.
- `pareto_frontier`, `cheapest_above`: quality against cost or latency.
- `minimum_detectable_difference`: what a run of n items can show, before running it.
- `combine_runs`: several runs as one table, for comparing across runs.

Public: the names in `__all__`, imported from `orkit.stats`; its `_` modules are internal.
"""

from __future__ import annotations

from orkit import _exports
from orkit.stats._compare import PairOptions, compare
from orkit.stats._contestants import (
    CONTESTANT_KEYS,
    Contestants,
    contestants,
    grouping_columns,
)
from orkit.stats._frame_rows import rows_of_frames
from orkit.stats._groups import rank_groups
from orkit.stats._intervals import agresti_coull_interval, wilson_interval
from orkit.stats._pareto import cheapest_above, pareto_frontier
from orkit.stats._power import minimum_detectable_difference
from orkit.stats._pvalues import holm, mcnemar_exact, two_proportion_p
from orkit.stats._quality import score_summary
from orkit.stats._run_summary import RunSummary, SummaryOptions, summarize_run
from orkit.stats._runs import ACROSS_RUNS, combine_runs, run_labels
from orkit.stats._summary import summarize, summary_columns

__all__ = [
    "ACROSS_RUNS",
    "CONTESTANT_KEYS",
    "Contestants",
    "PairOptions",
    "RunSummary",
    "SummaryOptions",
    "agresti_coull_interval",
    "cheapest_above",
    "combine_runs",
    "compare",
    "contestants",
    "grouping_columns",
    "holm",
    "mcnemar_exact",
    "minimum_detectable_difference",
    "pareto_frontier",
    "rank_groups",
    "rows_of_frames",
    "run_labels",
    "score_summary",
    "summarize",
    "summarize_run",
    "summary_columns",
    "two_proportion_p",
    "wilson_interval",
]

_exports.publish(globals())
