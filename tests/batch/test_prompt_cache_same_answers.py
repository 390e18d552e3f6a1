"""A sweep with `prompt_cache = "system"` gets the answers of the same sweep without it, on
the emulator (as a new user compares them): same text, same tokens per task; only the bill
differs, by caching. The response cache keys on the request as sent, so the two runs do not
share cached answers (the marked one is billed differently and is run to measure caching)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pandas as pd
import pytest

from orkit import Run, Sweep
from orkit.api import run_sweep_async
from orkit.sim import SIM_API_KEY, SimConfig, serve_in_thread

CLAUDE = "anthropic/claude-haiku-4.5"  # explicit cache: the breakpoint is sent to it
SYSTEM = "Answer with the answer only. " + " ".join(["rule"] * 1500)
COUNTRIES = ("Spain", "Malta", "France", "Peru", "Kenya", "Norway", "Chile", "Japan")
ITEMS = [
    *({"question": f"What is the capital of {c}?", "answer": ""} for c in COUNTRIES),
    *({"question": f"What is {7 * i} + {11 * i}?", "answer": ""} for i in range(1, 9)),
    *({"question": f"Say something about item {i}.", "answer": ""} for i in range(14)),
]
ITEMS = [{"id": f"q{i}", **item} for i, item in enumerate(ITEMS)]


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    models = {CLAUDE: {"providers": [{"name": "Anthropic", "slug": "anthropic"}]}}
    config = SimConfig.from_dict({"seed": 11, "time_scale": 0.0, "models": models})
    with serve_in_thread(config) as base:
        yield base


def _run(out: Path, url: str, *, cache: bool, **extra: Any) -> pd.DataFrame:
    sweep = Sweep(
        dataset=ITEMS,
        models=[CLAUDE],
        prompt="{{ question }}",
        system=SYSTEM,
        params={"max_tokens": 48, **extra.pop("params", {})},
        endpoint=url,
        out=str(out),
        cache=cache,
        concurrency=4,
        **extra,
    )
    rundir = anyio.run(lambda: run_sweep_async(sweep, api_key=SIM_API_KEY))
    return Run(rundir.path).to_pandas().set_index("task_key").sort_index()


def test_caching_changes_the_bill_not_the_answers(tmp_path: Path, url: str) -> None:
    plain = _run(tmp_path / "plain", url, cache=False)
    cached = _run(tmp_path / "cached", url, cache=False, prompt_cache="system")
    assert (plain["status"] == "ok").all() and (cached["status"] == "ok").all()
    assert list(cached.index) == list(plain.index)  # the same tasks (keys: the unmarked prompt)
    assert plain["output_text"].nunique() > len(ITEMS) // 2  # real, varied answers
    same = ["output_text", "prompt_tokens", "completion_tokens", "finish_reason"]
    pd.testing.assert_frame_equal(cached[same], plain[same])
    assert (plain["cached_tokens"] == 0).all()
    assert int(cached["cached_tokens"].gt(0).sum()) == len(ITEMS) - 1  # all but the writer
    assert cached["cost_usd"].sum() < plain["cost_usd"].sum()


def test_the_response_cache_keeps_runs_with_and_without_prompt_cache_apart(
    tmp_path: Path, url: str
) -> None:
    deterministic = {"params": {"temperature": 0}}
    plain = _run(tmp_path / "plain", url, cache=True, **deterministic)
    again = _run(tmp_path / "again", url, cache=True, **deterministic)
    cached = _run(tmp_path / "cached", url, cache=True, prompt_cache="system", **deterministic)
    assert (plain["cost_source"] != "cached").all()
    assert (again["cost_source"] == "cached").all()  # the same requests: from the cache
    # the marked requests are other requests (billed with cache reads): sent, not reused
    assert (cached["cost_source"] != "cached").all()
    assert cached["cached_tokens"].gt(0).any()
    assert list(cached["output_text"]) == list(plain["output_text"])
