"""Identical dataset rows (no id column) are separate tasks: keys hash a row's content, and
a 1,200-row dataset of three distinct rows used to run 3 tasks. The first copy of a row keeps
the key it always had, so older runs resume unchanged."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from orkit import Sweep
from orkit._hashing import canonical_json, content_hash
from orkit.batch._tasks import task_key
from orkit.plan._assemble import plan_sweep
from orkit.plan._plan import DuplicateRows

MODELS = ["openai/gpt-4o-mini", "deepseek/deepseek-v3.2"]
ROWS = 30  # ten copies each of three distinct rows


def _sweep(tmp_path: Path, **kw: Any) -> Sweep:
    base: dict[str, Any] = {
        "dataset": [{"q": f"question {i % 3}"} for i in range(ROWS)],
        "models": MODELS,
        "prompt": "{{ q }}",
        "params": {"temperature": 0, "max_tokens": 8},
        "endpoint": "sim",
        "sim": {"time_scale": 0.0, "seed": 3},
        "out": str(tmp_path / "runs"),
    }
    base.update(kw)
    return Sweep(**base)


def test_every_row_is_its_own_task_and_the_run_has_a_row_for_each(tmp_path: Path) -> None:
    sweep = _sweep(tmp_path)
    keys = [t.key for t in sweep.tasks()]
    assert len(keys) == len(set(keys)) == ROWS * len(MODELS)

    results = sweep.run(progress=False).to_pandas()
    assert len(results) == ROWS * len(MODELS)
    assert results["task_key"].nunique() == ROWS * len(MODELS)
    assert results["status"].eq("ok").all()
    # the copies are deterministic requests: sent once per model, the rest from the cache
    assert results["cost_source"].eq("cached").sum() == ROWS * len(MODELS) - 3 * len(MODELS)


def test_the_first_copy_keeps_the_key_it_had_before(tmp_path: Path) -> None:
    sweep = _sweep(tmp_path)
    first = next(iter(sweep.tasks()))
    plain = content_hash(canonical_json({"q": "question 0"}))
    assert first.key == task_key(plain, first.messages_json, first.model, first.params_json, 0)


def test_lanes_read_in_any_interleaving_agree_on_the_keys(tmp_path: Path) -> None:
    sweep = _sweep(tmp_path, models=["openai/gpt-4o-mini"])
    expected = [t.key for t in sweep.tasks()]
    plan = plan_sweep(_sweep(tmp_path, models=["openai/gpt-4o-mini"]), validate=False)
    # two lanes of the same plan, advanced unevenly: the second reads what the first recorded
    ahead, behind = plan.lane(MODELS[0]), plan.lane(MODELS[0])
    got_ahead = [t.key for t in itertools.islice(ahead, 20)]
    got_behind = [t.key for t in behind]
    got_ahead += [t.key for t in ahead]
    assert got_ahead == expected
    assert got_behind == expected


def test_copy_numbers_follow_dataset_order() -> None:
    rows = DuplicateRows()
    hashes = [rows.item_hash(i, h) for i, h in enumerate(["a", "b", "a", "a", "b"])]
    assert hashes[0] == "a" and hashes[1] == "b"
    assert len(set(hashes)) == 5
    # a second reader of the same rows gets the same answers
    assert [rows.item_hash(i, h) for i, h in enumerate(["a", "b", "a", "a", "b"])] == hashes
