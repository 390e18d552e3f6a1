"""Budgets: hundreds of runs with random budgets, models, clocks, prompt lengths and faults;
actual spend (what the emulator billed) must never pass the budget. Also reports how much of
each budget went unused (the price of a guarantee that holds against the worst case).

Every run draws a budget uniformly between 10% and 120% of its worst-case total (sized at
each model's dearest provider price and dearest price override) and a random `max_tokens`
in 16..512. The emulators run in their own processes on 127.0.0.1 and bill what they
deliver, and a stream cut after its first chunk in full (`truncated_stream`, as OpenRouter
bills a generation whose client went away). Variants (each against its own emulators):

- `baseline` (today's benchmark): 20 open-ended prompts x 2 models without price overrides,
  no faults (`ORKIT_BENCH_RUNS`, default 120);
- `faulted`: the same with 30% of streams truncated (billed in full) and 5% 500s
  (`ORKIT_BENCH_FAULTED_RUNS`, default a quarter of the runs);
- `catalog`: 3 models a run sampled from the whole bundled catalog, one of them always with
  `pricing.overrides` (long-context tiers, time-of-day windows), free models and `~` aliases
  included, each emulator on a random emulated clock (start time of day and speed: windows
  of the free tier and of time-of-day prices open and close during a run), 1 run in 10
  without `max_tokens`;
- `long_prompts`: models whose long-context tier starts within 64k tokens, with prompts
  from a few hundred to ~45k tokens, either side of the tier, and budgets of 3% to 60% of
  the worst case (which counts each prompt byte a token, so larger ones never bind);
- `catalog_faulted`: the `catalog` draws with 10% truncated streams, 5% connections dropped
  and 5% error events mid-stream, all billed as OpenRouter bills an aborted generation
  (`bill_aborted`: the tokens generated before the abort where the provider cancels, the
  whole answer where it does not), plus 5% 500s and 5% 429s, so retries of billed failures
  must fit the budget too.

`overspent_runs` must be 0 in every variant, and what an emulator billed beyond a run's
manifest (after its `/generation` cost fill) 0 to rounding. The `baseline` variant is the
reference the others are compared with (unused fraction, tasks sent).
Last line of output: one JSON object; a missed target exits 1 after printing it.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import anyio
import httpx
from _harness import emit_checked, median, sim_process, sim_reset, sim_stats, workdir

from orkit import Sweep
from orkit.api import run_sweep_async
from orkit.catalog import Catalog, ModelInfo
from orkit.cost import Prices, price_overrides, worst_case_usd
from orkit.sim import SIM_API_KEY

RUNS = int(os.environ.get("ORKIT_BENCH_RUNS", "120"))
FAULTED_RUNS = int(os.environ.get("ORKIT_BENCH_FAULTED_RUNS", str(max(1, RUNS // 4))))
VARIANT_RUNS = int(os.environ.get("ORKIT_BENCH_VARIANT_RUNS", str(max(1, RUNS // 3))))
EMULATORS_PER_VARIANT = 3  # each on its own random clock
FAULTS = {"truncated_stream": 0.3, "status": {"500": 0.05}}
CATALOG_FAULTS = {
    "truncated_stream": 0.1,
    "drop_connection": 0.05,
    "mid_stream_error": 0.05,
    "status": {"500": 0.05, "429": 0.05},
}
MODELS = ["openai/gpt-4o-mini", "anthropic/claude-haiku-4.5"]
ITEMS = 20
CATALOG_ITEMS = 12
LONG_TIER_MAX_TOKENS = 64_000  # long-context tiers starting above are out of reach here
UNRECORDED_TOLERANCE_USD = 1e-9
TOPICS = [
    "rivers",
    "bridges",
    "owls",
    "glaciers",
    "lanterns",
    "harbors",
    "orchards",
    "comets",
    "libraries",
    "deserts",
    "violins",
    "meadows",
    "lighthouses",
    "canyons",
]


def write_prompts(path: Path, rng: random.Random, items: int = ITEMS) -> Path:
    with open(path, "w") as fh:
        for i in range(items):
            n = rng.randint(1, 4)
            topic = " and ".join(rng.sample(TOPICS, n))
            fh.write(json.dumps({"id": f"p{i}", "topic": topic}) + "\n")
    return path


def write_long_prompts(path: Path, rng: random.Random, items: int) -> Path:
    """Prompts of a few hundred to ~45k tokens (an English word is about a token and a
    half), so that some cross a long-context tier and some stay under it."""
    with open(path, "w") as fh:
        for i in range(items):
            words = int(rng.choice([300, 3_000, 15_000, 22_000, 30_000]) * rng.uniform(0.8, 1.0))
            topic = " ".join(rng.choice(TOPICS) for _ in range(words))
            fh.write(json.dumps({"id": f"p{i}", "topic": topic}) + "\n")
    return path


@dataclass(frozen=True)
class Draw:
    """What one run asks for."""

    models: list[str]
    data: Path
    max_tokens: int | None
    budget_fraction: float


def dearest_prices(url: str, models: Sequence[str]) -> dict[str, Prices]:
    """For sizing budgets only (orkit reads the same from the emulator's endpoints): the
    dearest provider's prices, with the model's price overrides."""
    out = {}
    for model in models:
        info = Catalog.bundled().get(model)
        assert info is not None
        eps = httpx.get(f"{url}/models/{model}/endpoints", timeout=30).json()["data"]["endpoints"]
        out[model] = Prices(
            prompt=max(float(e["pricing"]["prompt"]) for e in eps),
            completion=max(float(e["pricing"]["completion"]) for e in eps),
            request=max(float(e["pricing"].get("request") or 0) for e in eps),
            max_completion_tokens=info.max_completion_tokens,
            context_length=info.context_length,
            overrides=price_overrides(info),
        )
    return out


def one_run(url: str, tmp: Path, draw: Draw, n: int) -> dict[str, Any]:
    params: dict[str, Any] = {"temperature": 0.7}
    if draw.max_tokens is not None:
        params["max_tokens"] = draw.max_tokens
    sweep = Sweep(
        dataset=str(draw.data),
        models=draw.models,
        prompt="Write a note about {{ topic }}.",
        params=params,
        endpoint=url,
        concurrency=16,
        out=str(tmp / "runs"),
        cache=False,
    )
    prices = dearest_prices(url, draw.models)
    worst_total = sum(worst_case_usd(t.request, prices[t.model]) for t in sweep.tasks())
    budget = worst_total * draw.budget_fraction
    sim_reset(url)
    run = anyio.run(lambda: run_sweep_async(replace(sweep, budget_usd=budget), api_key=SIM_API_KEY))
    billed = sim_stats(url)["billed_total_usd"]
    manifest = json.loads((run.path / "manifest.json").read_text())
    counts = manifest.get("journal_counts", {})
    recorded = manifest["totals"]["all"]["cost_usd"] or 0.0
    return {
        "run": n,
        "models": draw.models,
        "unrecorded_usd": billed - recorded,
        "budget_usd": budget,
        "spent_usd": billed,
        "max_tokens": draw.max_tokens,
        "ok": counts.get("ok", 0),
        "skipped": counts.get("skipped_budget", 0),
        "overspent": billed > budget + 1e-12,
        "unused_fraction": max(0.0, (budget - billed) / budget) if budget > 0 else 0.0,
    }


def runs_against(
    config: dict[str, Any], runs: int, tmp: Path, draw: Callable[[int], Draw], name: str
) -> list[dict[str, Any]]:
    results = []
    with sim_process(config) as url:
        for n in range(runs):
            r = one_run(url, tmp, draw(n), n)
            results.append(r)
            if n % 20 == 0 or r["overspent"]:
                print(f"{name} run {n:3d}: {r}", flush=True)
    return results


def usable(info: ModelInfo) -> bool:
    """Models a text prompt can be sent to whose price a budget can know in advance."""
    return (
        "text" in info.input_modalities
        and "text" in info.output_modalities
        and not info.is_router
        and info.prompt_price is not None
        and info.completion_price is not None
    )


def long_tier(info: ModelInfo) -> int | None:
    """Where the model's lowest long-context tier starts (prompt tokens), if it has one."""
    starts = [o.min_prompt_tokens for o in price_overrides(info) if o.min_prompt_tokens]
    return min(starts, default=None)


class Pools:
    """The bundled catalog, split the way the variants sample it."""

    def __init__(self) -> None:
        models = [m for m in Catalog.bundled() if usable(m)]
        self.all = sorted(m.id for m in models)
        self.with_overrides = sorted(m.id for m in models if price_overrides(m))
        self.long_context = sorted(
            m.id
            for m in models
            if (tier := long_tier(m)) is not None
            and tier <= LONG_TIER_MAX_TOKENS
            and (m.context_length or 0) >= 2 * tier
        )


def catalog_draw(
    rng: random.Random, tmp: Path, pools: Pools, long_prompts: bool
) -> Callable[[int], Draw]:
    def draw(n: int) -> Draw:
        if long_prompts:
            models = rng.sample(pools.long_context, min(2, len(pools.long_context)))
            data = write_long_prompts(tmp / f"long-{n}.jsonl", rng, 6)
        else:
            models = [rng.choice(pools.with_overrides)]
            models += rng.sample([m for m in pools.all if m not in models], 2)
            data = write_prompts(tmp / f"catalog-{n}.jsonl", rng, CATALOG_ITEMS)
        max_tokens = None if rng.random() < 0.1 else rng.randint(16, 512)
        # A long prompt's worst case counts every byte a token (4-5 times its tokens), so
        # budgets are drawn lower for them: the budget must bind to be tested.
        fraction = rng.uniform(0.03, 0.6) if long_prompts else rng.uniform(0.1, 1.2)
        return Draw(models, data, max_tokens, fraction)

    return draw


def random_clock(rng: random.Random) -> dict[str, Any]:
    """An emulated clock starting at a random moment of a random day, running 100 to
    10,000 times faster than real time (so a run of a few seconds crosses price windows
    and free-tier minutes)."""
    day = rng.randint(0, 365) * 86_400
    return {
        "start_time": 1_767_225_600 + day + rng.uniform(0, 86_400),  # 2026 onwards
        "window_scale": 10 ** rng.uniform(-4, -2),
    }


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    unused = [r["unused_fraction"] for r in results]
    return {
        "runs": len(results),
        "overspent_runs": sum(r["overspent"] for r in results),
        "max_spend_over_budget": max(r["spent_usd"] / r["budget_usd"] for r in results),
        "median_unused_fraction": round(median(unused), 4),
        "max_unrecorded_usd": max(abs(r["unrecorded_usd"]) for r in results),
        "tasks_sent": sum(r["ok"] for r in results),
        "tasks_skipped_for_budget": sum(r["skipped"] for r in results),
        "models_seen": len({m for r in results for m in r["models"]}),
    }


def main() -> None:
    rng = random.Random(2026)
    models_cfg = {m: {"verbosity": rng.randint(40, 400)} for m in MODELS}
    config = {"seed": 9, "time_scale": 0.0, "json_padding": False, "models": models_cfg}
    variants: dict[str, list[dict[str, Any]]] = {}
    with workdir() as tmp:

        def fixed_draw(n: int) -> Draw:
            data = write_prompts(tmp / f"prompts-{n}.jsonl", rng)
            return Draw(list(MODELS), data, rng.randint(16, 512), rng.uniform(0.1, 1.2))

        variants["baseline"] = runs_against(config, RUNS, tmp, fixed_draw, "baseline")
        print("faulted: 30% truncated streams, 5% 500s", flush=True)
        faulted = {**config, "faults": FAULTS}
        variants["faulted"] = runs_against(faulted, FAULTED_RUNS, tmp, fixed_draw, "faulted")
        pools = Pools()
        print(
            f"catalog: {len(pools.all)} models, {len(pools.with_overrides)} with price "
            f"overrides, {len(pools.long_context)} with a long-context tier within reach",
            flush=True,
        )
        for name, long_prompts, faults in (
            ("catalog", False, None),
            ("long_prompts", True, None),
            ("catalog_faulted", False, CATALOG_FAULTS),
        ):
            variants[name] = []
            draw = catalog_draw(rng, tmp, pools, long_prompts)
            for e in range(EMULATORS_PER_VARIANT):
                runs = VARIANT_RUNS // EMULATORS_PER_VARIANT + (
                    e < VARIANT_RUNS % EMULATORS_PER_VARIANT
                )
                sim: dict[str, Any] = {"seed": 100 + e, "time_scale": 0.0, "json_padding": False}
                sim |= random_clock(rng)
                if faults is not None:
                    sim["faults"] = faults
                    sim["bill_aborted"] = True
                print(f"{name} emulator {e}: {sim}", flush=True)
                variants[name] += runs_against(sim, runs, tmp, draw, name)
    result = report(variants)
    emit_checked(result, missed_targets(result))


def report(variants: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    base, faulted = variants["baseline"], variants["faulted"]
    unused = [r["unused_fraction"] for r in base]
    by_variant = {name: summary(rs) for name, rs in variants.items() if rs}
    return {
        "runs": len(base),
        "overspent_runs": sum(r["overspent"] for r in base),
        "mean_unused_fraction": round(sum(unused) / len(unused), 4),
        "median_unused_fraction": round(median(unused), 4),
        "max_spend_over_budget": max(r["spent_usd"] / r["budget_usd"] for r in base),
        "tasks_skipped_for_budget": sum(r["skipped"] for r in base),
        "tasks_sent": sum(r["ok"] for r in base),
        "runs_faulted": len(faulted),
        "overspent_runs_faulted": sum(r["overspent"] for r in faulted),
        "max_spend_over_budget_faulted": max(r["spent_usd"] / r["budget_usd"] for r in faulted),
        "median_unused_fraction_faulted": round(median([r["unused_fraction"] for r in faulted]), 4),
        "max_unrecorded_usd_faulted": max(r["unrecorded_usd"] for r in faulted),
        "tasks_sent_faulted": sum(r["ok"] for r in faulted),
        "runs_all_variants": sum(v["runs"] for v in by_variant.values()),
        "overspent_runs_all_variants": sum(v["overspent_runs"] for v in by_variant.values()),
        "max_spend_over_budget_all_variants": max(
            v["max_spend_over_budget"] for v in by_variant.values()
        ),
        "variants": by_variant,
    }


def missed_targets(r: Mapping[str, Any]) -> list[str]:
    """Every target the result misses (empty: all held)."""
    missed = []
    for name, v in r["variants"].items():
        if v["overspent_runs"]:
            missed.append(f"{name}: overspent_runs = {v['overspent_runs']} (target 0)")
        if v["max_unrecorded_usd"] > UNRECORDED_TOLERANCE_USD:
            missed.append(
                f"{name}: max_unrecorded_usd = {v['max_unrecorded_usd']:.3g} "
                f"(target <= {UNRECORDED_TOLERANCE_USD:g})"
            )
    return missed


if __name__ == "__main__":
    main()
