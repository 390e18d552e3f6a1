"""Estimate accuracy on emulator runs: once one earlier run has calibrated orkit, does the
actual cost of a *different* sweep land inside the estimate's band, and how close is the
expected cost?

The emulator's answer lengths follow the prompt's length cue ("in one word" is 1-6 tokens,
"explain step by step" 2-4x the model's usual length, anything else 0.5-1.5x; see
`orkit.sim.lengths`), so a calibration learnt on one prompt says little about another
unless it transfers per model and cue.

**Transfer** (the headline; `TRIALS` random trials): calibrate on dataset A with template A
(`CAL_ROWS` rows, cues mostly short), then estimate dataset B with template B
(`TARGET_ROWS` rows, cues mostly long, other topics and phrasings), then run B and compare.
Each trial draws its own rows, cue mix and emulator seeds, in a fresh user cache dir, 4
models, temperature 0.7, no `max_tokens`. Prompt tokens take the tokenizer-family path that
real OpenRouter gets (`ORKIT_ESTIMATE_PROMPT_TOKENS=family`), not the emulator's own
tokenizer. The baseline, measured in the same trials: the same calibration with every cue's
lengths replaced by the model's lengths pooled over all its answers (calibration per model
only, what an estimator without prompt features can do).

**Same prompt** (today's keys, `sweeps`): the demo sweep (`max_tokens = 64`) and a sweep of
plain prose prompts without `max_tokens`, each split at random into an earlier half that
calibrates and a later half that is estimated and run. `demo_contiguous_split` (no target,
reported only): the demo's first half calibrates its second; its rows are sorted by kind,
so the halves ask different questions with no length cue to tell them apart.

**BYOK** (`byok_sweep`): the prose sweep on three models whose makers the account has its
own key for (`byok = [...]` in the sweep, `byok_providers` in the emulator): OpenRouter bills
only its 5% fee (the run's spend), the providers the rest. Split at random as above: the
calibrated band must hold the fee and its expected value be within 15%
(`byok_expected_error_pct`); `byok_upstream_error_pct` (reported) is the estimate's
provider bill against what the rows say the providers billed.

**Cached** (`cached_sweep`, `_cached_sweep`): 300 items sharing a ~2,000-token system
prompt on an Anthropic model with `prompt_cache = "system"`: the first wave writes it, the
rest read it. Split as above (its 300 earlier items calibrate): the calibrated band must
hold the actual cost and its expected value be within 15% (`cached_expected_error_pct`);
the expected and actual cache hit rates and savings are reported beside it, and the
baseline `cached_baseline_error_pct`: the same calibrated estimate priced as if nothing
were cached (expected cost plus expected savings) against the same actual spend.

The uncalibrated band (nothing learnt) is reported by its width (high / low): it runs from
one output token to the model's longest answer, so it holding the actual says nothing.

Targets (exit 1 after the JSON when missed): `band_hit_rate` >= 0.9 and
`expected_error_pct_p90` <= 25 on the transfer trials; on the same-prompt sweeps the
calibrated band holds and the expected cost is within 15%; the same on the BYOK sweep
(`byok_within_band`, `byok_expected_error_pct`) and on the cached sweep
(`cached_within_band`, `cached_expected_error_pct`). In-process emulator, no
response cache, loopback only. Last line of output: one JSON object.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from _cached_sweep import cache_figures, cached_sweep
from _harness import REPO, emit_checked, median, workdir

from orkit import Sweep, load_spec

TRIALS = 20
CAL_ROWS = 100
TARGET_ROWS = 80
MODELS = [
    "openai/gpt-4o-mini",
    "anthropic/claude-haiku-4.5",
    "deepseek/deepseek-v3.2",
    "mistralai/mistral-small-3.2-24b-instruct",
]
TARGET_BAND_HIT_RATE = 0.9
TARGET_ERROR_P90_PCT = 25.0
TARGET_SAME_PROMPT_ERROR_PCT = 15.0

TOPICS_A = [
    "rivers", "volcanoes", "bees", "glaciers", "lighthouses", "bridges", "comets", "deserts",
    "forests", "tides", "violins", "clocks", "maps", "salt", "silk", "paper", "glass", "bread",
]  # fmt: skip
TOPICS_B = [
    "owls", "canals", "kites", "orchards", "trams", "quilts", "harbors", "meteors", "caves",
    "ferns", "mosaics", "windmills", "lanterns", "reefs", "compasses", "looms",
]  # fmt: skip
# Phrasings per cue; dataset B words its requests differently from dataset A.
ASKS_A = {
    "short": [
        "In one word, how would you describe {t}?",
        "Yes or no: have you ever seen {t}?",
        "Give just the number: how old are the oldest {t}?",
    ],
    "long": [
        "Explain step by step how {t} come about.",
        "Describe {t} in detail.",
        "Write an essay about {t}.",
    ],
    "plain": [
        "Write a few paragraphs about {t}.",
        "Tell me about {t}.",
        "What do you like about {t}?",
    ],
}
ASKS_B = {
    "short": [
        "Answer yes or no: are {t} common where you live?",
        "Reply with a single word that fits {t}.",
        "True or false: {t} are older than cities.",
    ],
    "long": [
        "Think it through step-by-step: how did {t} change over time?",
        "Explain thoroughly why {t} matter.",
        "Give a detailed account of {t}.",
    ],
    "plain": [
        "Say something about {t}.",
        "Why do people care about {t}?",
        "Summarise what you know of {t}.",
    ],
}
MIX_A = {"short": 0.45, "plain": 0.30, "long": 0.25}
MIX_B = {"short": 0.15, "plain": 0.25, "long": 0.60}


def _cue_mix(rng: random.Random, base: dict[str, float]) -> dict[str, float]:
    """The base mix, each weight moved by up to ±30% and renormalised (each trial its own)."""
    raw = {cue: w * rng.uniform(0.7, 1.3) for cue, w in base.items()}
    total = sum(raw.values())
    return {cue: w / total for cue, w in raw.items()}


def _draw_cue(rng: random.Random, mix: dict[str, float]) -> str:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def calibration_rows(rng: random.Random, n: int) -> list[dict[str, Any]]:
    mix = _cue_mix(rng, MIX_A)
    rows = []
    for i in range(n):
        topic = rng.choice(TOPICS_A)
        ask = rng.choice(ASKS_A[_draw_cue(rng, mix)])
        rows.append({"id": f"a{i:04d}", "topic": topic, "request": ask.format(t=topic)})
    return rows


def target_rows(rng: random.Random, n: int) -> list[dict[str, Any]]:
    mix = _cue_mix(rng, MIX_B)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        subject = rng.choice(TOPICS_B)
        ask = rng.choice(ASKS_B[_draw_cue(rng, mix)])
        rows.append({"key": f"b{i:04d}", "n": rng.randrange(1, 999), "subject": subject, "q": ask})
    return [{**r, "q": r["q"].format(t=r["subject"])} for r in rows]


def _sweep(
    name: str,
    rows: list[dict[str, Any]],
    prompt: str,
    seed: int,
    out: Path,
    system: str | None = None,
) -> Sweep:
    return Sweep(
        dataset=rows,
        models=list(MODELS),
        prompt=prompt,
        system=system,
        params={"temperature": 0.7},
        endpoint="sim",
        sim={"time_scale": 0.0, "window_scale": 0.01, "seed": seed},
        concurrency=32,
        out=str(out),
        cache=False,
        name=name,
    )


def calibration_sweep(rows: list[dict[str, Any]], seed: int, out: Path) -> Sweep:
    system = "You are a helpful assistant."
    return _sweep("transfer-calibrate", rows, "{{ request }}", seed, out, system)


def target_sweep(rows: list[dict[str, Any]], seed: int, out: Path) -> Sweep:
    return _sweep("transfer-target", rows, "Item {{ n }} ({{ subject }}): {{ q }}", seed, out)


def _line(estimate: Any) -> dict[str, float]:
    return {
        "low": estimate.cost_low_usd,
        "expected": estimate.cost_expected_usd,
        "high": estimate.cost_high_usd,
    }


def _actual(run: Any) -> float:
    totals = run.manifest["totals"]["all"]
    if totals["cost_usd"] is None or totals["cost_unknown_rows"]:
        raise RuntimeError(f"run {run.run_id}: cost unknown for some rows: {totals}")
    return float(totals["cost_usd"])


def _judged(before: dict[str, float], after: dict[str, float], actual: float) -> dict[str, Any]:
    """An actual cost against the estimates made before and after calibration."""
    return {
        "actual_usd": round(actual, 8),
        "calibrated": {k: round(v, 8) for k, v in after.items()},
        "within_band": after["low"] <= actual <= after["high"],
        "expected_error_pct": round(_error_pct(after["expected"], actual), 2),
        "uncalibrated_band_width_ratio": round(before["high"] / before["low"], 1),
        "uncalibrated_error_pct": round(_error_pct(before["expected"], actual), 2),
    }


def _error_pct(expected: float, actual: float) -> float:
    return 100 * (expected - actual) / actual


def pool_every_cue(cache_dir: Path) -> None:
    """The baseline's calibration: each cue's lengths replaced by the model's lengths over
    all its answers (`*`), so the estimate is calibrated per model only."""
    path = cache_dir / "calibration.json"
    raw = json.loads(path.read_text("utf-8"))
    for entry in raw["entries"].values():
        outputs = entry["outputs"]
        pooled = outputs.get("*")
        if pooled is None:
            continue
        entry["outputs"] = {k: v for k, v in outputs.items() if "cue:" not in k}
        for cue in ("plain", "short", "long"):
            entry["outputs"][f"cue:{cue}"] = pooled
    path.write_text(json.dumps(raw), "utf-8")


def transfer_trial(trial: int, tmp: Path) -> dict[str, Any]:
    rng = random.Random(f"estimate-transfer-{trial}")
    cache_dir = tmp / f"cache-{trial}"
    os.environ["ORKIT_CACHE_DIR"] = str(cache_dir)
    out = tmp / "runs"
    target = target_sweep(target_rows(rng, TARGET_ROWS), 2000 + trial, out)
    before = _line(target.estimate())
    calibration_sweep(calibration_rows(rng, CAL_ROWS), 1000 + trial, out).run(progress=False)
    after_estimate = target.estimate()
    after = _line(after_estimate)
    pool_every_cue(cache_dir)
    pooled = _line(target.estimate())
    actual = _actual(target.run(progress=False))
    return {
        **_judged(before, after, actual),
        "band_width_ratio": round(after["high"] / after["low"], 3),
        "pooled_error_pct": round(_error_pct(pooled["expected"], actual), 2),
        "pooled_within_band": pooled["low"] <= actual <= pooled["high"],
        "uncalibrated_within_band": before["low"] <= actual <= before["high"],
        "output_source": sorted({line.output_source for line in after_estimate.lines}),
    }


def demo_sweep(out: Path) -> tuple[Sweep, list[dict[str, Any]]]:
    sweep = load_spec(REPO / "datasets/demo/sweep.toml")
    rows = [json.loads(line) for line in (REPO / "datasets/demo/items.jsonl").open()]
    return dataclasses.replace(sweep, out=str(out), cache=False), rows


def prose_sweep(out: Path) -> tuple[Sweep, list[dict[str, Any]]]:
    rows = [
        {"id": f"t{i:04d}", "topic": TOPICS_A[i % len(TOPICS_A)], "angle": i // len(TOPICS_A)}
        for i in range(240)
    ]
    prompt = "Write a few paragraphs about {{ topic }} (take angle number {{ angle }})."
    return _sweep("long", rows, prompt, 7, out), rows


BYOK_MODELS = ["openai/gpt-4o-mini", "anthropic/claude-haiku-4.5", "deepseek/deepseek-v3.2"]
BYOK_PROVIDERS = ["openai", "anthropic", "deepseek"]


def byok_sweep(out: Path) -> tuple[Sweep, list[dict[str, Any]]]:
    """The prose sweep on models served through the account's own provider keys."""
    sweep, rows = prose_sweep(out)
    sim = {"time_scale": 0.0, "window_scale": 0.01, "seed": 11, "byok_providers": BYOK_PROVIDERS}
    byok = dataclasses.replace(
        sweep, name="byok", models=list(BYOK_MODELS), byok=list(BYOK_PROVIDERS), sim=sim
    )
    return byok, rows


def same_prompt(
    name: str, sweep: Sweep, rows: list[dict[str, Any]], tmp: Path, *, contiguous: bool = False
) -> dict[str, Any]:
    """Calibrate on a random half of the rows (`contiguous`: the first half), estimate and
    run the other half."""
    os.environ["ORKIT_CACHE_DIR"] = str(tmp / f"cache-{name}")
    if not contiguous:
        rows = random.Random(f"estimate-same-{name}").sample(rows, len(rows))
    earlier, later = rows[: len(rows) // 2], rows[len(rows) // 2 :]
    target = dataclasses.replace(sweep, dataset=later, name=f"{name}-later")
    before = _line(target.estimate())
    sim = sweep.sim
    assert isinstance(sim, Mapping)  # the sweeps below give the emulator's settings as a table
    other_seed = {**sim, "seed": int(sim.get("seed", 0)) + 1}
    dataclasses.replace(sweep, dataset=earlier, name=f"{name}-earlier", sim=other_seed).run(
        progress=False
    )
    after_estimate = target.estimate()
    after = _line(after_estimate)
    run = target.run(progress=False)
    judged = _judged(before, after, _actual(run))
    if target.byok:
        totals = run.manifest["totals"]["all"]
        if totals["byok_rows"] != totals["ok"]:
            raise RuntimeError(f"run {run.run_id}: not every row was BYOK: {totals}")
        upstream = after_estimate.to_dict()["total"]["byok_upstream_usd"]
        billed = float(totals["byok_upstream_usd"])
        judged["byok_upstream_usd"] = round(billed, 8)
        judged["byok_upstream_error_pct"] = round(_error_pct(upstream, billed), 2)
    if target.prompt_cache != "none":
        judged.update(cache_figures(after_estimate, run))
        # the baseline: the same calibrated estimate priced as if nothing were cached (its
        # expected cost plus its expected savings), against the same actual spend
        without = after["expected"] + (judged["cache_savings_expected_usd"] or 0.0)
        miss = _error_pct(without, judged["actual_usd"])
        judged["without_cache_pricing_error_pct"] = round(miss, 2)
    return judged


def percentile(values: list[float], q: float) -> float:
    """The `q` quantile (0-1) by linear interpolation between order statistics."""
    xs = sorted(values)
    pos = q * (len(xs) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summary(
    trials: list[dict[str, Any]],
    sweeps: dict[str, dict[str, Any]],
    byok: dict[str, Any],
    cached: dict[str, Any],
) -> dict[str, Any]:
    errors = [t["expected_error_pct"] for t in trials]
    pooled = [t["pooled_error_pct"] for t in trials]
    same = [s["expected_error_pct"] for s in sweeps.values()]
    return {
        "band_hit_rate": sum(t["within_band"] for t in trials) / len(trials),
        "expected_error_pct_median": round(median(errors), 2),
        "expected_error_pct_p90": round(percentile([abs(e) for e in errors], 0.9), 2),
        "band_width_ratio_median": round(median([t["band_width_ratio"] for t in trials]), 3),
        "baseline_pooled_band_hit_rate": (
            sum(t["pooled_within_band"] for t in trials) / len(trials)
        ),
        "baseline_pooled_error_pct_median": round(median(pooled), 2),
        "baseline_pooled_error_pct_p90": round(percentile([abs(e) for e in pooled], 0.9), 2),
        "uncalibrated_band_width_ratio": round(
            median([t["uncalibrated_band_width_ratio"] for t in trials]), 1
        ),
        "uncalibrated_band_hit_rate": (
            sum(t["uncalibrated_within_band"] for t in trials) / len(trials)
        ),
        "trials": len(trials),
        # today's keys, on the same-prompt sweeps
        "within_band": all(s["within_band"] for s in sweeps.values()),
        "expected_error_pct": max(same, key=abs),
        "within_15pct": all(abs(e) <= TARGET_SAME_PROMPT_ERROR_PCT for e in same),
        "sweeps": sweeps,
        "byok_within_band": byok["within_band"],
        "byok_expected_error_pct": byok["expected_error_pct"],
        "byok_upstream_error_pct": byok["byok_upstream_error_pct"],
        "byok_sweep": byok,
        "cached_within_band": cached["within_band"],
        "cached_expected_error_pct": cached["expected_error_pct"],
        "cached_baseline_error_pct": cached.get("without_cache_pricing_error_pct"),
        "cached_sweep": cached,
    }


def misses(result: dict[str, Any]) -> list[str]:
    out = []
    if result["band_hit_rate"] < TARGET_BAND_HIT_RATE:
        out.append(f"band_hit_rate {result['band_hit_rate']} < {TARGET_BAND_HIT_RATE}")
    if result["expected_error_pct_p90"] > TARGET_ERROR_P90_PCT:
        out.append(f"expected_error_pct_p90 {result['expected_error_pct_p90']} > 25%")
    if not result["within_band"]:
        out.append("a same-prompt sweep's actual cost fell outside its calibrated band")
    if not result["within_15pct"]:
        worst = result["expected_error_pct"]
        out.append(f"a same-prompt sweep's expected cost was off by {worst}%")
    if not result["byok_within_band"]:
        out.append("the BYOK sweep's actual fee fell outside its calibrated band")
    if abs(result["byok_expected_error_pct"]) > TARGET_SAME_PROMPT_ERROR_PCT:
        out.append(f"the BYOK sweep's expected fee was off by {result['byok_expected_error_pct']}%")
    if not result["cached_within_band"]:
        out.append("the cached sweep's actual cost fell outside its calibrated band")
    if abs(result["cached_expected_error_pct"]) > TARGET_SAME_PROMPT_ERROR_PCT:
        worst = result["cached_expected_error_pct"]
        out.append(f"the cached sweep's expected cost was off by {worst}%")
    return out


def main() -> None:
    os.environ["ORKIT_ESTIMATE_PROMPT_TOKENS"] = "family"  # as against real OpenRouter
    with workdir() as tmp:
        trials = []
        for trial in range(TRIALS):
            trials.append(transfer_trial(trial, tmp))
            print(f"trial {trial}", trials[-1], flush=True)
        sweeps = {
            "demo": same_prompt("demo", *demo_sweep(tmp / "runs"), tmp),
            "long": same_prompt("long", *prose_sweep(tmp / "runs"), tmp),
        }
        for name, r in sweeps.items():
            print(name, r, flush=True)
        byok = same_prompt("byok", *byok_sweep(tmp / "runs"), tmp)
        print("byok", byok, flush=True)
        cached = same_prompt("cached", *cached_sweep(tmp / "runs"), tmp)
        print("cached", cached, flush=True)
        # No target: the demo's rows are sorted by kind (arithmetic, capitals, strings, JSON),
        # a shift in answer length that no length cue shows; reported, not claimed.
        shifted = same_prompt("demo-contiguous", *demo_sweep(tmp / "runs"), tmp, contiguous=True)
        print("demo-contiguous", shifted, flush=True)
    result = summary(trials, sweeps, byok, cached)
    result["demo_contiguous_split"] = {
        k: shifted[k] for k in ("within_band", "expected_error_pct", "calibrated", "actual_usd")
    }
    emit_checked(result, misses(result))


if __name__ == "__main__":
    main()
