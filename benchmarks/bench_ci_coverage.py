"""Do orkit's intervals and tests mean what they say? Simulated datasets with a known truth,
run through the public functions (`score_summary`, `compare`) on tables with the real
schema's columns. Targets are checked: the JSON is printed, then the exit status is 1 if one
was missed.

1. Coverage of 95% intervals (target: 93–97% on average, at least 92% in every cell):
   - binary scores (`score_summary`'s pass/fail interval): over 1,000 datasets with true
     accuracy uniform in [0.05, 0.95] and n in {30 … 1000} (the average), and *exactly* in
     every cell of true accuracy 0.01, 0.02 … 0.99 × n in {30 … 1000}: every possible
     count of right answers goes through `score_summary` once and is weighted by its
     binomial probability, so the worst cell is the true worst, not the luck of a draw;
   - continuous scores (BCa bootstrap): Beta-distributed scores, over 1,000 datasets with
     true mean uniform in [0.2, 0.8], concentration 1–10 (from U-shaped to peaked), n in
     {30 … 500}; and per cell, 1,000 datasets in each of mean {0.2, 0.5, 0.8} ×
     concentration {1, 10} × n {30, 100, 500}.
2. The paired test (exact McNemar, as `compare` picks for pass/fail scores) on two models
   over 1,000 items that share each item's difficulty: item difficulty ~ N(0, 7²) on the
   logit scale, so the models agree on ~90% of items. False-positive rate under a true
   null (same ability; target 3–7%), and power against a real 3-point difference in
   accuracy (target >= 80%), against the unpaired two-proportion z test on the same data.
   Also: coverage of the paired bootstrap interval of the difference, the false-positive
   rate of the paired bootstrap test for continuous scores, and the power of McNemar at
   `minimum_detectable_difference(1000, discordance=…)` (should be near its 80%).
3. The paired advantage depends on how often the models agree, so the same test at model
   agreement 70%, 80% and 90% (the spread of item difficulty solved for each, model A's
   accuracy held at 71%): false-positive rates and power at +3 points, paired and
   unpaired (the paired test must not do worse). The paired false-positive rate is also
   computed exactly given each simulation's number of disagreements (target 2.5–5%: an
   exact test never exceeds 5%; its discreteness keeps it near 3–4% at ~100 of them).
   These runs take the p-values from `mcnemar_exact` and `two_proportion_p` on all
   simulations at once (the test `compare` runs; part 2 checks that the two give the same
   p-values on its data).
Last line of output: one JSON object.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from _harness import emit_checked
from _synthetic import results_frame, scores_frame

from orkit.stats import (
    SummaryOptions,
    compare,
    mcnemar_exact,
    minimum_detectable_difference,
    score_summary,
    two_proportion_p,
)

SIMS = int(os.environ.get("ORKIT_BENCH_SIMS", "1000"))
SEED = 20261128
ITEMS = 1000
SPREAD = 7.0  # sd of item difficulty, logits
ABILITY = 4.0  # model A's logit ability: ~71% accuracy
GAP = 0.03
N_BOOT = 1000
SEEDED = SummaryOptions(seed=SEED)  # score_summary's intervals: 2,000 replicates (default)
BOOTSTRAP = SummaryOptions(n_boot=N_BOOT)  # compare's: fewer replicates, seed 0
BINARY_SIZES = (30, 50, 100, 200, 500, 1000)
TRUTHS = tuple(round(t / 100, 2) for t in range(1, 100))  # exact binary cells
CONTINUOUS_CELLS = [
    (mean, concentration, n)
    for mean in (0.2, 0.5, 0.8)
    for concentration in (1.0, 10.0)
    for n in (30, 100, 500)
]
AGREEMENTS = (0.7, 0.8, 0.9)

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
    table = score_summary(results, scores, options=SEEDED).set_index("contestant")
    names = [f"sim/{s:05d}" for s in range(SIMS)]
    low, high = table.loc[names, "ci_low"].to_numpy(), table.loc[names, "ci_high"].to_numpy()
    return float(((low <= truth) & (truth <= high)).mean())


def binary_dataset(rng: np.random.Generator, n: int) -> tuple[np.ndarray, float]:
    p = rng.uniform(0.05, 0.95)
    return (rng.random(n) < p).astype(np.float64), p


def continuous_dataset(rng: np.random.Generator, n: int) -> tuple[np.ndarray, float]:
    mean, concentration = rng.uniform(0.2, 0.8), rng.uniform(1.0, 10.0)
    return rng.beta(mean * concentration, (1 - mean) * concentration, n), mean


def binomial_pmf(n: int, p: float) -> np.ndarray:
    """P(k right of n) for k = 0 … n when each is right with probability p (log space, so
    n = 1000 does not overflow)."""
    k = np.arange(n + 1)
    log_choose = np.array(
        [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) for i in k]
    )
    return np.asarray(np.exp(log_choose + k * math.log(p) + (n - k) * math.log1p(-p)))


def exact_coverage(low: np.ndarray, high: np.ndarray, p: float) -> float:
    """The true coverage at accuracy `p` of an interval given for every count: `low[k]`,
    `high[k]` are its bounds after k right of n = len(low) - 1."""
    pmf = binomial_pmf(len(low) - 1, p)
    return float(pmf[(low <= p) & (p <= high)].sum())


def binary_cells(rng: np.random.Generator) -> dict[tuple[int, float], float]:
    """Exact coverage of `score_summary`'s pass/fail interval in every (n, true accuracy)
    cell: one dataset per possible count k = 0 … n (k right, then n - k wrong) through a
    single `score_summary` call, each interval weighted by the binomial probability of k."""
    item, model, values = [], [], []
    for n in BINARY_SIZES:
        for k in range(n + 1):
            item.append(np.arange(n))
            model.append(np.full(n, f"n{n:04d}/k{k:04d}"))
            values.append((np.arange(n) < k).astype(np.float64))
    results = results_frame(np.concatenate(item), np.concatenate(model), rng)
    scores = scores_frame(results, "score", np.concatenate(values))
    table = score_summary(results, scores, options=SEEDED).set_index("contestant")
    cells = {}
    for n in BINARY_SIZES:
        names = [f"n{n:04d}/k{k:04d}" for k in range(n + 1)]
        low = table.loc[names, "ci_low"].to_numpy()
        high = table.loc[names, "ci_high"].to_numpy()
        for p in TRUTHS:
            cells[(n, p)] = exact_coverage(low, high, p)
    return cells


def continuous_cells(rng: np.random.Generator) -> dict[tuple[float, float, int], float]:
    """Coverage of the BCa interval in each (mean, concentration, n) cell, SIMS datasets
    each (one `score_summary` call per cell)."""
    cells = {}
    for mean, concentration, n in CONTINUOUS_CELLS:
        values = rng.beta(mean * concentration, (1 - mean) * concentration, (SIMS, n))
        names = [f"sim/{s:05d}" for s in range(SIMS)]
        results = results_frame(np.tile(np.arange(n), SIMS), np.repeat(names, n), rng)
        scores = scores_frame(results, "score", values.ravel())
        table = score_summary(results, scores, options=SEEDED).set_index("contestant")
        low, high = table.loc[names, "ci_low"].to_numpy(), table.loc[names, "ci_high"].to_numpy()
        cells[(mean, concentration, n)] = float(((low <= mean) & (mean <= high)).mean())
    return cells


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def shift_for(gap: float, ability: float = ABILITY, spread: float = SPREAD) -> float:
    """The logit shift that gives model B `gap` more expected accuracy than A (bisection
    over a large sample of item difficulties)."""
    b = np.random.default_rng(1).normal(0.0, spread, 1_000_000)
    base = _sigmoid(ability - b).mean()
    low, high = 0.0, 5.0
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if _sigmoid(ability + mid - b).mean() - base < gap else (low, mid)
    return (low + high) / 2


def _bisect(increasing: Callable[[float], float], target: float, low: float, high: float) -> float:
    for _ in range(40):  # 2^-40 of the bracket: far below anything the figures show
        mid = (low + high) / 2
        low, high = (mid, high) if increasing(mid) < target else (low, mid)
    return (low + high) / 2


def difficulty_for(agreement: float, accuracy: float) -> tuple[float, float]:
    """(ability, spread) in logits such that model A's expected accuracy is `accuracy` and
    two models of that ability agree on `agreement` of the items on average: they disagree
    on an item of difficulty b with probability 2 p (1 - p), p = sigmoid(ability - b), so
    the wider the spread of difficulty, the more items are sure for both."""
    # Expectations over b = spread × z, z ~ N(0, 1), on a fine grid (a quadrature, not a
    # sample: thousands of bisection steps stay fast and exact to many digits).
    z = np.linspace(-9.0, 9.0, 12_001)
    weight = np.exp(-z * z / 2.0)
    weight /= weight.sum()

    def ability_at(spread: float) -> float:
        return _bisect(lambda a: float(_sigmoid(a - spread * z) @ weight), accuracy, -30, 30)

    def agreement_at(spread: float) -> float:
        p = _sigmoid(ability_at(spread) - spread * z)
        return float(1.0 - (2.0 * p * (1.0 - p)) @ weight)

    spread = _bisect(agreement_at, agreement, 0.0, 40.0)
    return ability_at(spread), spread


def mcnemar_size(discordant: int, alpha: float = 0.05) -> float:
    """The exact false-positive rate of `mcnemar_exact` given `discordant` items on which
    the models disagree: under a true null each such item goes either way with
    probability 1/2, so the rate is the binomial mass of the counts it calls significant.
    Never above `alpha` (the test is exact); below it by its discreteness."""
    a_only = np.arange(discordant + 1)
    p_values = mcnemar_exact(a_only, discordant - a_only)
    return float(binomial_pmf(discordant, 0.5)[p_values < alpha].sum()) if discordant else 0.0


def agreement_sims(
    agreement: float, accuracy: float, sims: int, rng: np.random.Generator
) -> dict[str, float]:
    """False-positive rate (equal models) and power (+GAP) of the paired and unpaired tests
    at one level of model agreement, all simulations at once. The paired test's
    false-positive rate is also computed exactly given each simulation's number of
    disagreements (`mcnemar_size`), free of simulation noise."""
    ability, spread = difficulty_for(agreement, accuracy)
    out = {"spread": spread}
    for name, shift in (("null", 0.0), ("alt", shift_for(GAP, ability, spread))):
        b = rng.normal(0.0, spread, (sims, ITEMS))
        a_right = rng.random((sims, ITEMS)) < _sigmoid(ability - b)
        b_right = rng.random((sims, ITEMS)) < _sigmoid(ability + shift - b)
        a_only, b_only = (a_right & ~b_right).sum(axis=1), (~a_right & b_right).sum(axis=1)
        p_paired = mcnemar_exact(a_only, b_only)
        p_unpaired = [
            two_proportion_p(int(x), ITEMS, int(y), ITEMS)
            for x, y in zip(a_right.sum(axis=1), b_right.sum(axis=1), strict=True)
        ]
        out[f"{name}_paired"] = float(np.mean(p_paired < 0.05))
        out[f"{name}_unpaired"] = float(np.mean(np.asarray(p_unpaired) < 0.05))
        if name == "null":
            out["agreement"] = float((a_right == b_right).mean())
            sizes = {int(d): mcnemar_size(int(d)) for d in np.unique(a_only + b_only)}
            out["null_paired_exact"] = float(np.mean([sizes[int(d)] for d in a_only + b_only]))
    return out


class PairedSims:
    """Two models over the same ITEMS items; one results table reused, scores redrawn."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        item = np.tile(np.arange(ITEMS), 2)
        self.results = results_frame(item, np.repeat(["lab/model-a", "lab/model-b"], ITEMS), rng)

    def run(self, shift: float, sims: int) -> dict[str, float]:
        paired, unpaired, covered, discordant, same_p = [], [], [], [], []
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
                self.results, scores_frame(self.results, "exact", values), options=BOOTSTRAP
            ).iloc[0]
            paired.append(row["p_value"] < 0.05)
            # part 3 takes McNemar's p-values straight from mcnemar_exact: the same test?
            direct = mcnemar_exact([(a_right & ~b_right).sum()], [(~a_right & b_right).sum()])
            same_p.append(bool(np.isclose(direct[0], row["p_value"], rtol=1e-9, atol=0)))
            unpaired.append(two_proportion_p(a_right.sum(), ITEMS, b_right.sum(), ITEMS) < 0.05)
            # The interval is of mean_a - mean_b; the true difference is -truth.
            covered.append(row["ci_low"] <= -truth <= row["ci_high"])
            discordant.append(row["discordant"] / ITEMS)
        return {
            "paired": float(np.mean(paired)),
            "unpaired": float(np.mean(unpaired)),
            "covered": float(np.mean(covered)),
            "discordance": float(np.mean(discordant)),
            "same_p": float(np.mean(same_p)),
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
        row = compare(results, scores_frame(results, "judge", values), options=BOOTSTRAP).iloc[0]
        hits.append(row["p_value"] < 0.05)
    return float(np.mean(hits))


def missed_targets(result: dict[str, Any]) -> list[str]:
    """Each target the figures miss, as a line saying which and by how much."""
    ranges: list[tuple[str, float, float, float]] = [
        ("coverage_binary", result["coverage_binary"], 0.93, 0.97),
        ("coverage_continuous", result["coverage_continuous"], 0.93, 0.97),
        ("coverage_worst_cell", result["coverage_worst_cell"], 0.92, 1.0),
        ("coverage_paired_diff", result["coverage_paired_diff"], 0.92, 1.0),
        ("fpr_paired", result["fpr_paired"], 0.03, 0.07),
        ("fpr_paired_continuous", result["fpr_paired_continuous"], 0.03, 0.07),
        ("power_paired", result["power_paired"], 0.80, 1.0),
        ("power_at_mdd", result["power_at_mdd"], 0.70, 0.90),
        ("compare_p_matches_mcnemar", result["compare_p_matches_mcnemar"], 1.0, 1.0),
    ]
    for agreement, fpr in result["fpr_paired_by_agreement"].items():
        # exact given the disagreements: never above 5% (the test is exact), and not so
        # conservative that it throws power away
        ranges.append((f"fpr_paired_by_agreement[{agreement}]", fpr, 0.025, 0.05))
    missed = [
        f"{name} = {value} outside [{low}, {high}]"
        for name, value, low, high in ranges
        if not low <= value <= high
    ]
    paired, unpaired = result["power_paired_by_agreement"], result["power_unpaired_by_agreement"]
    missed += [
        f"at agreement {a} power paired {paired[a]} < unpaired {unpaired[a]}"
        for a in paired
        if paired[a] < unpaired[a]
    ]
    return missed


def main() -> None:
    start = time.perf_counter()
    rng = np.random.default_rng(SEED)
    cov_binary = coverage(binary_dataset, list(BINARY_SIZES), rng)
    cov_continuous = coverage(continuous_dataset, [30, 50, 100, 200, 500], rng)
    print(f"coverage of 95% intervals over {SIMS} datasets each:")
    print(f"  binary: {cov_binary:.1%}   continuous (BCa): {cov_continuous:.1%}")
    # The parts added later draw from streams of their own, so the figures above and the
    # paired sims below are the same draws as before they were added.
    binary = binary_cells(np.random.default_rng([SEED, 1]))
    (n_b, p_b), worst_b = min(binary.items(), key=lambda cell: cell[1])
    print(f"  binary, exact, {len(binary)} cells (n × true accuracy 0.01 … 0.99):")
    for n in BINARY_SIZES:
        row = {p: c for (size, p), c in binary.items() if size == n}
        p_min = min(row, key=row.__getitem__)
        print(f"    n={n:<5} worst {row[p_min]:.3f} at accuracy {p_min:.2f}")
    continuous = continuous_cells(np.random.default_rng([SEED, 2]))
    (mean_c, conc_c, n_c), worst_c = min(continuous.items(), key=lambda cell: cell[1])
    print(f"  continuous, {SIMS} datasets per cell:")
    for (mean, concentration, n), c in continuous.items():
        print(f"    mean {mean:.1f} concentration {concentration:>4.0f} n={n:<4} {c:.3f}")
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
    accuracy = float(_sigmoid(ABILITY - sims._population()).mean())
    agreement_rng = np.random.default_rng([SEED, 3])
    by_agreement = {a: agreement_sims(a, accuracy, SIMS, agreement_rng) for a in AGREEMENTS}
    print(f"by model agreement (model A {accuracy:.0%} right, +{GAP:.0%} for B, {SIMS} sims):")
    for a, r in by_agreement.items():
        print(
            f"  {a:.0%} (observed {r['agreement']:.1%}, difficulty sd {r['spread']:.2f}):"
            f" power paired {r['alt_paired']:.1%}, unpaired {r['alt_unpaired']:.1%};"
            f" false positives paired {r['null_paired']:.1%}"
            f" (exactly {r['null_paired_exact']:.2%}),"
            f" unpaired {r['null_unpaired']:.1%}"
        )

    def by(key: str) -> dict[str, float]:
        return {f"{a:.2f}": round(r[key], 4) for a, r in by_agreement.items()}

    result: dict[str, Any] = {
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
        "coverage_worst_cell": round(min(worst_b, worst_c), 4),
        "coverage_worst_cell_binary": round(worst_b, 4),
        "worst_cell_binary": {"n": n_b, "accuracy": p_b},
        "coverage_worst_cell_continuous": round(worst_c, 4),
        "worst_cell_continuous": {"mean": mean_c, "concentration": conc_c, "n": n_c},
        "binary_cells": len(binary),
        "continuous_cells": len(continuous),
        "power_paired_by_agreement": by("alt_paired"),
        "power_unpaired_by_agreement": by("alt_unpaired"),
        "fpr_paired_by_agreement": by("null_paired_exact"),
        "fpr_paired_by_agreement_simulated": by("null_paired"),
        "fpr_unpaired_by_agreement": by("null_unpaired"),
        "observed_agreement": by("agreement"),
        "compare_p_matches_mcnemar": min(null["same_p"], alt["same_p"]),
        "accuracy_a": round(accuracy, 4),
        "sims": SIMS,
        "items": ITEMS,
        "seed": SEED,
        "seconds": round(time.perf_counter() - start, 1),
    }
    emit_checked(result, missed_targets(result))


if __name__ == "__main__":
    main()
