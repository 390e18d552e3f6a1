"""Finished run directories written directly (no engine), for the compare tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from orkit.results import RESULTS_SCHEMA, SCORES_SCHEMA, Manifest, PartWriter, RunDir


def make_run(
    root: Path,
    run_id: str,
    scores: Mapping[str, Sequence[int]],
    *,
    spec_models: Sequence[str] | None = None,
    fallback_items: Sequence[int] = (),
    score_fallbacks: bool = False,
    first_item: int = 0,
    endpoint: str = "sim",
) -> Path:
    """A finished run: one result and one `exact` score per model and item (items
    `q<first_item>`, `q<first_item + 1>`, ...)."""
    run = RunDir.create(root, run_id)
    spec = {"models": list(spec_models or scores), "score_fallbacks": score_fallbacks}
    Manifest.from_dict(
        {
            "run_id": run_id,
            "status": "completed",
            "spec": spec,
            "totals": {},
            "endpoint": {"kind": endpoint},
        }
    ).write(run.manifest_path)
    results = PartWriter(run.results_dir, RESULTS_SCHEMA, "results")
    scored = PartWriter(run.scores_dir, SCORES_SCHEMA, "scores")
    for model, values in scores.items():
        for item, value in enumerate(values, start=first_item):
            key = f"{model}-{item}"
            results.append(
                {
                    "run_id": run_id,
                    "task_key": key,
                    "item_id": f"q{item}",
                    "prompt_id": "default",
                    "params_json": "{}",
                    "repeat": 0,
                    "model": model,
                    "status": "ok",
                    "is_fallback": item - first_item in fallback_items,
                    "cost_usd": 0.001,
                    "cost_source": "usage",
                    "service_s": 0.5 + (item - first_item) / 100,
                    "ttft_s": 0.1,
                    "output_tokens_per_s": 40.0,
                }
            )
            scored.append(
                {
                    "run_id": run_id,
                    "task_key": key,
                    "item_id": f"q{item}",
                    "model": model,
                    "scorer": "exact",
                    "score": float(value),
                    "passed": bool(value),
                }
            )
    results.flush()
    scored.flush()
    return run.path


STRONG = [1] * 45 + [0] * 5
WEAK = [1] * 20 + [0] * 30
ALSO_STRONG = [1] * 44 + [0] * 6
