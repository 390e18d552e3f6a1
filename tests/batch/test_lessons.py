"""What a run teaches the calibration, folded one row at a time (`Lessons`): which rows
count for what, and that the fold the sink makes during a run equals the one recounted
from the journal (the path a resume takes)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest

from orkit import Run, Sweep
from orkit.api._finish import recount_from_journal
from orkit.cost._learn import Lessons
from orkit.results import Manifest, ResultRow, RunDir

A = "openai/gpt-4o-mini"
MANIFEST = Manifest(run_id="r1", prompt_fingerprints={"p": "fp-p"}, name="x")


def row(**kw: Any) -> ResultRow:
    base: dict[str, Any] = {
        "model": A,
        "status": "ok",
        "is_fallback": False,
        "prompt_id": "p",
        "params_json": json.dumps({"max_tokens": 32}),
        "completion_tokens": 10,
        "prompt_tokens": 20,
        "finish_reason": "stop",
        "cost_usd": 1e-5,
        "cost_source": "reported",
        "ttft_s": 0.5,
        "output_tokens_per_s": 40.0,
        "messages_json": json.dumps([{"role": "user", "content": "hello there"}]),
    }
    base.update(kw)
    return cast(ResultRow, base)  # the keyword arguments are columns of the row


def observe(rows: list[ResultRow], tmp_path: Path) -> dict[str, Any]:
    lessons = Lessons()
    for r in rows:
        lessons.add(r)
    run = RunDir.create(tmp_path / "runs", "r1")
    (obs,) = lessons.observations(MANIFEST, run)
    return {
        "rows": obs.rows,
        "lengths": list(obs.outputs["fp-p"].tokens),
        "cap": obs.outputs["fp-p"].cap,
        "ttft": obs.ttft_s,
        "tps": obs.tokens_per_s,
        "cost_actual": obs.cost_actual,
        "prompt_actual": obs.prompt_actual,
    }


def test_which_rows_teach_what(tmp_path: Path) -> None:
    got = observe(
        [
            row(),
            row(completion_tokens=30, ttft_s=None, output_tokens_per_s=0.0),
            row(cost_source="cached", completion_tokens=5, ttft_s=9.0, cost_usd=0.0),
            row(finish_reason="error", completion_tokens=0),  # insured: nothing billed
            row(completion_tokens=None),  # unmetered
            row(is_fallback=True, completion_tokens=99),  # another model answered
            row(status="error", completion_tokens=99),
        ],
        tmp_path,
    )
    assert got["rows"] == 5  # every answer of the requested model
    assert sorted(got["lengths"]) == [5, 10, 30]  # cache hits still say how long answers are
    assert got["cap"] == 32
    assert got["ttft"] == pytest.approx(0.5)  # neither the cache hit nor a missing one
    assert got["tps"] == pytest.approx(40.0)  # a zero rate is no measurement
    assert got["cost_actual"] == pytest.approx(2e-5)  # billed rows only
    assert got["prompt_actual"] == pytest.approx(40.0)  # the two fresh billed rows' prompts


def test_the_sinks_fold_equals_the_journals(tmp_path: Path) -> None:
    sweep = Sweep(
        dataset=[{"id": f"t{i}", "topic": f"topic {i}"} for i in range(30)],
        models=[A, "deepseek/deepseek-v3.2"],
        prompt="Write about {{ topic }}.",
        params={"max_tokens": 16, "temperature": 0.7},
        endpoint="sim",
        sim={"time_scale": 0.0, "seed": 3},
        out=str(tmp_path / "runs"),
        cache=False,
    )
    run = sweep.run(progress=False)
    during = Lessons()
    for r in Run(run.path).to_pandas().to_dict("records"):
        during.add(cast(ResultRow, r))  # a frame's records: keyed by column names
    _, recounted = recount_from_journal(RunDir.open(Path(run.path)))
    manifest = run.manifest
    a = during.observations(manifest, RunDir.open(Path(run.path)))
    b = recounted.observations(manifest, RunDir.open(Path(run.path)))
    assert [o.model for o in a] == [o.model for o in b] and len(a) == 2
    for x, y in zip(a, b, strict=True):
        assert x.rows == y.rows == 30
        assert {k: v.tokens for k, v in x.outputs.items()} == {
            k: v.tokens for k, v in y.outputs.items()
        }
        assert x.cost_actual == pytest.approx(y.cost_actual)
        assert x.prompt_actual == pytest.approx(y.prompt_actual) and x.prompt_actual > 0
        assert x.prompt_estimated == pytest.approx(y.prompt_estimated)


def _timed(start_s: float, service_s: float) -> ResultRow:
    return row(
        service_s=service_s,
        started_at=int(start_s * 1e6),
        finished_at=int((start_s + service_s) * 1e6),
    )


@pytest.mark.parametrize(
    ("starts", "capacity"),
    [
        ([float(i) for i in range(10)], 1.0),  # one slot: one answer a second, one out
        ([0.0] * 10, None),  # all at once: the run's concurrency (10), not the server, limited
    ],
)
def test_a_server_that_served_fewer_than_the_run_sent_teaches_its_capacity(
    tmp_path: Path, starts: list[float], capacity: float | None
) -> None:
    lessons = Lessons()
    for start in starts:
        lessons.add(_timed(start, 1.0))
    run = RunDir.create(tmp_path / "runs", "r1")
    (obs,) = lessons.observations(replace(MANIFEST, spec={"concurrency": 10}), run)
    assert obs.service_s == pytest.approx(1.0)
    assert obs.capacity == (None if capacity is None else pytest.approx(capacity))
