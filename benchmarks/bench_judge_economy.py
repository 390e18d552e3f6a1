"""Judge economy: LLM-judge calls are their own cost lines, and re-scoring with an unchanged
judge costs nothing and sends nothing.

One run of 200 arithmetic items × 3 models with exact match, a reference judge and a
position-swapped pairwise judge (a judge model that is not a candidate, so the emulator's
per-model counters separate judge requests from candidate ones). Then `rescore` with the
same scorers, and again with a new rubric judge. The emulator runs in its own process on
127.0.0.1 and bills what it delivers; its counters are the ground truth.
Last line of output: one JSON object.
"""

from __future__ import annotations

import os
from typing import Any

import anyio
from _harness import emit, sim_process, sim_reset, sim_stats, workdir, write_unique_items

from orkit import Run, Sweep
from orkit.api import run_sweep_async
from orkit.scorers import exact, judge_pairwise, judge_reference, judge_rubric
from orkit.sim import SIM_API_KEY

MODELS = ["openai/gpt-4o-mini", "deepseek/deepseek-v3.2", "google/gemini-2.5-flash"]
JUDGE = "anthropic/claude-haiku-4.5"
ITEMS = 200


def _judge_usd(run: Run) -> float:
    return float(run.scores()["judge_cost_usd"].sum())


def main() -> None:
    with workdir() as tmp, sim_process({"time_scale": 0.0, "seed": 11}) as url:
        os.environ["ORKIT_CACHE_DIR"] = str(tmp / "cache")  # a fresh response cache
        items = write_unique_items(tmp / "items.jsonl", ITEMS)
        scorers: list[Any] = [exact(), judge_reference(JUDGE), judge_pairwise(JUDGE)]
        sweep = Sweep(
            dataset=str(items),
            models=MODELS,
            prompt="{{ question }}",
            params={"temperature": 0, "max_tokens": 16},
            scorers=scorers,
            endpoint=url,
            out=str(tmp / "runs"),
            concurrency=32,
        )
        run = Run(anyio.run(lambda: run_sweep_async(sweep, api_key=SIM_API_KEY)))
        first = sim_stats(url)
        answers_usd = float(run.to_pandas()["cost_usd"].sum())
        judge_usd = _judge_usd(run)
        judge_calls = int(run.scores()["judge_calls"].sum())

        sim_reset(url)
        run.rescore(api_key=SIM_API_KEY)
        unchanged = sim_stats(url)
        unchanged_judge_usd = _judge_usd(run)

        sim_reset(url)
        rubric = judge_rubric(JUDGE, "The answer is the correct number and nothing else.")
        run.rescore([*scorers, rubric], api_key=SIM_API_KEY)
        added = sim_stats(url)
        added_judge_usd = float(run.manifest["rescores"][-1]["judge_cost_usd"])
    emit(
        {
            "tasks": len(MODELS) * ITEMS,
            "candidate_requests": sum(first["by_model"].get(m, 0) for m in MODELS),
            "judge_requests": first["by_model"].get(JUDGE, 0),
            "judge_calls_on_score_rows": judge_calls,
            "answers_cost_usd": round(answers_usd, 6),
            "judge_cost_usd": round(judge_usd, 6),
            "billed_usd": round(first["billed_total_usd"], 6),
            "cost_lines_add_up": abs(answers_usd + judge_usd - first["billed_total_usd"]) < 1e-9,
            "rescore_unchanged_requests_sent": unchanged["requests"],
            "rescore_unchanged_cost_usd": unchanged_judge_usd,
            "rescore_new_judge_requests": added["requests"],
            "rescore_new_judge_cost_usd": round(added_judge_usd, 6),
            "rescore_new_judge_candidate_requests": sum(
                added["by_model"].get(m, 0) for m in MODELS
            ),
        }
    )


if __name__ == "__main__":
    main()
