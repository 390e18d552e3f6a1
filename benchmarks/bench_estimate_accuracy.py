"""Estimate accuracy on emulator runs: does the actual cost land inside the estimate's band,
and how close is the expected cost once one earlier run has calibrated it?

Two sweeps, each split into two halves of the same kind of items (even and odd rows):
- `demo`: the demo sweep (`datasets/demo/sweep.toml`: short answers, `max_tokens = 64`);
- `long`: open prompts the emulator answers with 30-600 tokens of prose, no `max_tokens`,
  temperature 0.7 (answer lengths come from each model's profile and vary between runs).

For each: estimate the odd half with nothing learnt (band only), run the even half (the
"earlier run", with another emulator seed), estimate the odd half again (now calibrated),
then run it and compare. Runs use the in-process emulator and no response cache, in a
fresh user cache dir. Last line of output: one JSON object.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from _harness import REPO, emit, workdir

from orkit.batch import Sweep, load_spec

TOPICS = [
    "rivers", "volcanoes", "bees", "glaciers", "lighthouses", "bridges", "comets", "deserts",
    "forests", "tides", "violins", "clocks", "maps", "salt", "silk", "paper", "glass", "bread",
]  # fmt: skip


def _halves(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return rows[0::2], rows[1::2]


def demo_sweep(out: Path) -> tuple[Sweep, list[dict[str, Any]]]:
    sweep = load_spec(REPO / "datasets/demo/sweep.toml")
    rows = [json.loads(line) for line in (REPO / "datasets/demo/items.jsonl").open()]
    return dataclasses.replace(sweep, out=str(out), cache=False), rows


def long_sweep(out: Path) -> tuple[Sweep, list[dict[str, Any]]]:
    rows = [
        {"id": f"t{i:04d}", "topic": TOPICS[i % len(TOPICS)], "angle": i // len(TOPICS)}
        for i in range(240)
    ]
    sweep = Sweep(
        dataset=rows,
        models=[
            "openai/gpt-4o-mini",
            "anthropic/claude-haiku-4.5",
            "deepseek/deepseek-v3.2",
            "mistralai/mistral-small-3.2-24b-instruct",
        ],
        prompt="Write a few paragraphs about {{ topic }} (take angle number {{ angle }}).",
        params={"temperature": 0.7},
        endpoint="sim",
        sim={"time_scale": 0.0, "window_scale": 0.01, "seed": 7},
        concurrency=32,
        out=str(out),
        cache=False,
        name="long",
    )
    return sweep, rows


def _line(estimate: Any) -> dict[str, float]:
    return {
        "low": estimate.cost_low_usd,
        "expected": estimate.cost_expected_usd,
        "high": estimate.cost_high_usd,
    }


def evaluate(name: str, sweep: Sweep, rows: list[dict[str, Any]]) -> dict[str, Any]:
    earlier, later = _halves(rows)
    target = dataclasses.replace(sweep, dataset=later, name=f"{name}-later")
    before = target.estimate()
    other_seed = {**sweep.sim, "seed": int(sweep.sim.get("seed", 0)) + 1}
    dataclasses.replace(sweep, dataset=earlier, name=f"{name}-earlier", sim=other_seed).run(
        progress=False
    )
    after = target.estimate()
    run = target.run(progress=False)
    actual = float(run.manifest["totals"]["all"]["cost_usd"])
    unknown = int(run.manifest["totals"]["all"]["cost_unknown_rows"])
    calibrated, uncalibrated = _line(after), _line(before)
    return {
        "actual_usd": round(actual, 8),
        "unknown_cost_rows": unknown,
        "calibrated": {k: round(v, 8) for k, v in calibrated.items()},
        "uncalibrated": {k: round(v, 8) for k, v in uncalibrated.items()},
        "within_band": calibrated["low"] <= actual <= calibrated["high"],
        "within_uncalibrated_band": uncalibrated["low"] <= actual <= uncalibrated["high"],
        "expected_error_pct": round(100 * (calibrated["expected"] - actual) / actual, 2),
        "uncalibrated_error_pct": round(100 * (uncalibrated["expected"] - actual) / actual, 2),
        "output_source": sorted({line.output_source for line in after.lines}),
    }


def main() -> None:
    with workdir() as tmp:
        os.environ["ORKIT_CACHE_DIR"] = str(tmp / "cache")
        results = {
            "demo": evaluate("demo", *demo_sweep(tmp / "runs")),
            "long": evaluate("long", *long_sweep(tmp / "runs")),
        }
    for name, r in results.items():
        print(name, r, flush=True)
    errors = [r["expected_error_pct"] for r in results.values()]
    emit(
        {
            "within_band": all(
                r["within_band"] and r["within_uncalibrated_band"] for r in results.values()
            ),
            "expected_error_pct": max(errors, key=abs),
            "within_15pct": all(abs(e) <= 15 for e in errors),
            "sweeps": results,
        }
    )


if __name__ == "__main__":
    main()
