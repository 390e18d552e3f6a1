"""Do orkit's intervals and tests mean what they say? Simulated datasets with a known truth,
run through the public functions (`score_summary`, `compare`) on tables with the real
schema's columns.

1. Coverage of 95% intervals over 1,000 datasets each (targets 93–97%):
   - binary scores (Wilson): true accuracy uniform in [0.05, 0.95], n in {30 … 1000};
   - continuous scores (BCa bootstrap): Beta-distributed scores, true mean uniform in
     [0.2, 0.8], concentration 1–10 (from U-shaped to peaked), n in {30 … 500}.
2. The paired test (exact McNemar, as `compare` picks for pass/fail scores) on two models
   over 1,000 items that share each item's difficulty: item difficulty ~ N(0, 7²) on the
   logit scale, so the models agree on ~90% of items (as similar LLMs do: most items are
   easy or out of reach for both). False-positive rate under a true null (same ability;
   target 3–7%), and power against a real 3-point difference in accuracy (target >= 80%),
   against the unpaired two-proportion z test on the same data (expected to detect less).
   Also: coverage of the paired bootstrap interval of the difference, the false-positive
   rate of the paired bootstrap test for continuous scores, and the power of McNemar at
   `minimum_detectable_difference(1000, discordance=…)` (should be near its 80%).
Last line of output: one JSON object.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import numpy as np
from _harness import emit
from _synthetic import results_frame, scores_frame

from orkit.stats import compare, minimum_detectable_difference, score_summary, two_proportion_p

SIMS = int(os.environ.get("ORKIT_BENCH_SIMS", "1000"))
SEED = 20261128
ITEMS = 1000
SPREAD = 7.0  # sd of item difficulty, logits
ABILITY = 4.0  # model A's logit ability: ~71% accuracy
GAP = 0.03
N_BOOT = 1000

Draw = Callable[[np.random.Generator, int], tuple[np.ndarray, float]]


def coverage(draw: Draw, sizes: list[int], rng: np.random.Generator) -> float:
    """Share of datasets whose 95% interval (from `score_summary`) holds the true mean.
    All datasets go through one call, one "model" per dataset."""
    n = rng.choice(sizes, SIMS)
    truth, values, item, model = np.empty(SIMS), [], [], []
    for s in range(SIMS):
        sample, truth[s] = draw(rng, int(n[s]))
        values.append(sample)
        item.append(np.arange(n[s]))
        model.append(np.full(n[s], f"sim/{s:05d}"))
    results = results_frame(np.concatenate(item), np.concatenate(model), rng)
    scores = scores_frame(results, "score", np.concatenate(values))
    table = score_summary(results, scores, n_boot=2000, seed=SEED).set_index("contestant")
    names = [f"sim/{s:05d}" for s in range(SIMS)]
    low, high = table.loc[names, "ci_low"].to_numpy(), table.loc[names, "ci_high"].to_numpy()
    return float(((low <= truth) & (truth <= high)).mean())


def binary_dataset(rng: np.random.Generator, n: int) -> tuple[np.ndarray, float]:
    p = rng.uniform(0.05, 0.95)
    return (rng.random(n) < p).astype(np.float64), p


def continuous_dataset(rng: np.random.Generator, n: int) -> tuple[np.ndarray, float]:
    mean, concentration = rng.uniform(0.2, 0.8), rng.uniform(1.0, 10.0)
    return rng.beta(mean * concentration, (1 - mean) * concentration, n), mean


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def shift_for(gap: float) -> float:
    """The logit shift that gives model B `gap` more expected accuracy than A (bisection
    over a large sample of item difficulties)."""
    b = np.random.default_rng(1).normal(0.0, SPREAD, 1_000_000)
    base = _sigmoid(ABILITY - b).mean()
    low, high = 0.0, 5.0
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if _sigmoid(ABILITY + mid - b).mean() - base < gap else (low, mid)
    return (low + high) / 2


class PairedSims:
    """Two models over the same ITEMS items; one results table reused, scores redrawn."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        item = np.tile(np.arange(ITEMS), 2)
        self.results = results_frame(item, np.repeat(["lab/model-a", "lab/model-b"], ITEMS), rng)

    def run(self, shift: float, sims: int) -> dict[str, float]:
        paired, unpaired, covered, discordant = [], [], [], []
        rng = self.rng
        truth = (
            _sigmoid(ABILITY + shift - self._population()).mean()
            - _sigmoid(ABILITY - self._population()).mean()
        )
        for _ in range(sims):
            b = rng.normal(0.0, SPREAD, ITEMS)
            a_right = rng.random(ITEMS) < _sigmoid(ABILITY - b)
            b_right = rng.random(ITEMS) < _sigmoid(ABILITY + shift - b)
            values = np.concatenate([a_right, b_right]).astype(np.float64)
            row = compare(
                self.results, scores_frame(self.results, "exact", values), n_boot=N_BOOT
            ).iloc[0]
            paired.append(row["p_value"] < 0.05)
            unpaired.append(two_proportion_p(a_right.sum(), ITEMS, b_right.sum(), ITEMS) < 0.05)
            # The interval is of mean_a - mean_b; the true difference is -truth.
            covered.append(row["ci_low"] <= -truth <= row["ci_high"])
            discordant.append(row["discordant"] / ITEMS)
        return {
            "paired": float(np.mean(paired)),
            "unpaired": float(np.mean(unpaired)),
            "covered": float(np.mean(covered)),
            "discordance": float(np.mean(discordant)),
        }

    def _population(self) -> np.ndarray:
        return np.random.default_rng(2).normal(0.0, SPREAD, 200_000)


def continuous_fpr(sims: int, rng: np.random.Generator, n: int = 200) -> float:
    """Paired bootstrap test, equal models with correlated continuous scores (each item has
    its own level, each model adds its own noise)."""
    results = results_frame(np.tile(np.arange(n), 2), np.repeat(["x/a", "x/b"], n), rng)
    hits = []
    for _ in range(sims):
        level = rng.beta(2.0, 2.0, n)
        values = np.clip(np.concatenate([level, level]) + rng.normal(0.0, 0.15, 2 * n), 0, 1)
        row = compare(results, scores_frame(results, "judge", values), n_boot=N_BOOT).iloc[0]
        hits.append(row["p_value"] < 0.05)
    return float(np.mean(hits))


def main() -> None:
    start = time.perf_counter()
    rng = np.random.default_rng(SEED)
    cov_binary = coverage(binary_dataset, [30, 50, 100, 200, 500, 1000], rng)
    cov_continuous = coverage(continuous_dataset, [30, 50, 100, 200, 500], rng)
    print(f"coverage of 95% intervals over {SIMS} datasets each:")
    print(f"  binary (Wilson): {cov_binary:.1%}   continuous (BCa): {cov_continuous:.1%}")
    sims = PairedSims(rng)
    null = sims.run(0.0, SIMS)
    alt = sims.run(shift_for(GAP), SIMS)
    print(f"paired sims: {ITEMS} items, item difficulty sd {SPREAD} logits, {SIMS} sims each")
    print(f"  discordance {alt['discordance']:.1%} (models disagree on this share of items)")
    print(f"  null: false positives paired {null['paired']:.1%}, unpaired {null['unpaired']:.1%}")
    print(f"  +{GAP:.0%}: power paired {alt['paired']:.1%}, unpaired {alt['unpaired']:.1%}")
    print(f"  paired 95% interval of the difference covers the truth {alt['covered']:.1%}")
    mdd = minimum_detectable_difference(ITEMS, discordance=alt["discordance"])
    at_mdd = sims.run(shift_for(mdd), SIMS // 2)
    print(f"  minimum detectable difference at 80% power: {mdd:.2%}")
    print(f"  simulated power of the paired test at that difference: {at_mdd['paired']:.1%}")
    fpr_continuous = continuous_fpr(SIMS // 2, rng)
    print(f"  continuous paired bootstrap test, null: false positives {fpr_continuous:.1%}")
    emit(
        {
            "coverage_binary": round(cov_binary, 4),
            "coverage_continuous": round(cov_continuous, 4),
            "fpr_paired": round(null["paired"], 4),
            "power_paired": round(alt["paired"], 4),
            "power_unpaired": round(alt["unpaired"], 4),
            "fpr_unpaired": round(null["unpaired"], 4),
            "coverage_paired_diff": round(alt["covered"], 4),
            "fpr_paired_continuous": round(fpr_continuous, 4),
            "mdd_at_1000_items": round(mdd, 4),
            "power_at_mdd": round(at_mdd["paired"], 4),
            "discordance": round(alt["discordance"], 4),
            "sims": SIMS,
            "items": ITEMS,
            "seed": SEED,
            "seconds": round(time.perf_counter() - start, 1),
        }
    )


if __name__ == "__main__":
    main()
