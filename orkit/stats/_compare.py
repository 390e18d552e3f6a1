"""Every pair of contestants on their shared items: paired difference, its interval, a
p-value, and Holm's correction across the pairs."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from statistics import NormalDist

import numpy as np
import numpy.typing as npt
import pandas as pd

from orkit.stats._bootstrap import bca_interval, bootstrap_means
from orkit.stats._pvalues import holm, mcnemar_exact
from orkit.stats._run_summary import SummaryOptions
from orkit.stats._scores import PAIR_ON, is_binary, own_scores, unit_matrix

__all__ = ["COMPARE_COLUMNS", "PairOptions", "compare"]

FloatArray = npt.NDArray[np.float64]

COMPARE_COLUMNS = [
    "scorer",
    "contestant_a",
    "contestant_b",
    "id_a",
    "id_b",
    "n_shared",
    "mean_a",
    "mean_b",
    "diff",
    "ci_low",
    "ci_high",
    "p_value",
    "p_holm",
    "significant",
    "test",
    "discordant",
]


@dataclass(frozen=True)
class PairOptions:
    """What only the pairwise analysis (`compare`, `rank_groups`) takes besides the
    contestants' `SummaryOptions`: when a difference counts, and what a pair is made on."""

    alpha: float = 0.05
    """Significance level: a pair is `significant` when its Holm-adjusted p-value is below
    it, and its difference's interval is at level `1 - alpha`, so interval and test agree
    (`SummaryOptions.confidence` is the level of each contestant's own interval)."""
    pair_on: Sequence[str] = PAIR_ON
    """The scores columns that make a unit both contestants of a pair are compared on:
    the dataset item (`PAIR_ON`), repeats averaged within it; `ACROSS_RUNS` across runs.
    Kept as a tuple; one name alone is that column."""

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha < 1.0:
            raise ValueError(f"PairOptions.alpha must be between 0 and 1, got {self.alpha}")
        # a name given alone is that column, not its letters; a tuple keeps the options frozen
        on = (self.pair_on,) if isinstance(self.pair_on, str) else tuple(self.pair_on)
        if not on:
            raise ValueError("PairOptions.pair_on must name at least one scores column")
        object.__setattr__(self, "pair_on", on)


def compare(
    results: pd.DataFrame,
    scores: pd.DataFrame | None,
    *,
    scorer: str | None = None,
    options: SummaryOptions | None = None,
    pairing: PairOptions | None = None,
) -> pd.DataFrame:
    """One row per (scorer, pair of contestants), `contestant_a` before `contestant_b` in
    display order (see `orkit.stats.contestants`: a contestant is model × prompt × params,
    or the groups `options.by` names; `options.models` and `options.prompts` order them);
    `id_a` and `id_b` are their short ids. `scorer` compares on that scorer only.

    Settings come as two objects: `options=SummaryOptions(by=..., models=..., prompts=...,
    score_fallbacks=..., seed=..., n_boot=...)`, the contestants as `summarize` makes them,
    and `pairing=PairOptions(alpha=..., pair_on=...)`; the loose keywords `alpha=`,
    `include_fallbacks=`, ... are gone (a TypeError).

    On the units both contestants have a score for (by default the dataset item, repeats
    averaged within it; see `orkit.stats._scores`), `diff = mean_a - mean_b` with a paired
    BCa bootstrap interval at level `1 - alpha`. The p-value is exact McNemar when every
    unit score is 0 or 1 (`test = "mcnemar"`, `discordant` = units where exactly one is
    right), otherwise a paired bootstrap z test (`"paired_bootstrap"`: the difference over
    its bootstrap standard error; a count of extreme replicates could not go below
    1/n_boot, which Holm over many pairs would turn into "never significant"). `p_holm` is
    Holm-adjusted over the pairs of one scorer; `significant` is `p_holm < alpha`. A pair
    with no shared unit has NaN statistics and is never significant.
    """
    options = SummaryOptions() if options is None else options
    pairing = PairOptions() if pairing is None else pairing
    entrants = options.contestants_of_frame(results)
    scored = own_scores(
        results, scores, entrants.of_rows(), include_fallbacks=options.score_fallbacks
    )
    order, ids = entrants.labels, list(entrants.table["contestant_id"])
    if scorer is not None:
        scored = scored[scored["scorer"] == scorer]
    pairs = list(combinations(range(len(order)), 2))
    if scored.empty or not pairs:
        return pd.DataFrame(columns=COMPARE_COLUMNS)
    tables = []
    for offset, (name, rows) in enumerate(scored.groupby("scorer", sort=False)):
        matrix = unit_matrix(rows, order, pairing.pair_on)
        rng = np.random.default_rng([options.seed, offset])
        table = _compare_pairs(matrix, pairs, rng, n_boot=options.n_boot, alpha=pairing.alpha)
        table.insert(0, "scorer", name)
        table.insert(1, "contestant_a", [order[i] for i, _ in pairs])
        table.insert(2, "contestant_b", [order[j] for _, j in pairs])
        table.insert(3, "id_a", [ids[i] for i, _ in pairs])
        table.insert(4, "id_b", [ids[j] for _, j in pairs])
        tables.append(table[COMPARE_COLUMNS])
    return pd.concat(tables, ignore_index=True)


def _compare_pairs(
    matrix: FloatArray, pairs: list[tuple[int, int]], rng: np.random.Generator, **opts: float
) -> pd.DataFrame:
    """The statistics of every pair, all pairs at once (columns of per-unit differences)."""
    first = matrix[:, [i for i, _ in pairs]]
    second = matrix[:, [j for _, j in pairs]]
    shared = ~np.isnan(first) & ~np.isnan(second)
    n_shared = shared.sum(axis=0)
    diffs = np.where(shared, first - second, np.nan)
    # Only units some pair shares take part in the resampling (the rest carry no weight).
    used = shared.any(axis=1)
    diffs = diffs[used]
    with np.errstate(invalid="ignore"):
        mean_a = _masked_mean(first[used], shared[used])
        mean_b = _masked_mean(second[used], shared[used])
    boot = bootstrap_means(diffs, int(opts["n_boot"]), rng)
    alpha = float(opts["alpha"])
    low, high = bca_interval(diffs, boot, 1.0 - alpha)
    out = pd.DataFrame({"n_shared": n_shared, "mean_a": mean_a, "mean_b": mean_b})
    out["diff"] = out["mean_a"] - out["mean_b"]
    out["ci_low"], out["ci_high"] = low, high
    if is_binary(matrix):
        a_only = (shared & (first == 1) & (second == 0)).sum(axis=0)
        b_only = (shared & (first == 0) & (second == 1)).sum(axis=0)
        p_value = mcnemar_exact(a_only, b_only)
        out["test"] = "mcnemar"
        out["discordant"] = pd.array(a_only + b_only, dtype="Int64")
    else:
        p_value = _bootstrap_z_p(out["diff"].to_numpy(), boot)
        out["test"] = "paired_bootstrap"
        out["discordant"] = pd.array([pd.NA] * len(pairs), dtype="Int64")
    p_value = np.where(n_shared > 0, p_value, np.nan)
    out["p_value"] = p_value
    out["p_holm"] = holm(p_value)
    out["significant"] = out["p_holm"].lt(alpha).to_numpy()
    out.loc[n_shared == 0, "test"] = None
    return out


def _masked_mean(values: FloatArray, mask: npt.NDArray[np.bool_]) -> FloatArray:
    counts = mask.sum(axis=0)
    sums = np.where(mask, values, 0.0).sum(axis=0)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _bootstrap_z_p(diff: FloatArray, boot: FloatArray) -> FloatArray:
    """Two-sided p-value of diff / (bootstrap standard error); 1 when there is no spread
    and no difference, ~0 when there is no spread but a difference."""
    # a pair sharing under 2 units has no spread to measure: NaN, without numpy's warning
    # (warnings.warn, which errstate does not silence)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        se = np.nanstd(boot, axis=0, ddof=1) if len(boot) > 1 else np.full(len(diff), np.nan)
        z = np.abs(diff) / se
    normal = NormalDist()
    out = np.array([2.0 * (1.0 - normal.cdf(v)) if np.isfinite(v) else np.nan for v in z])
    flat = ~(se > 0)
    return np.where(flat, np.where(diff == 0, 1.0, 0.0), out)
