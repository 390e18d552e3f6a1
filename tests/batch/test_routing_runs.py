"""Routing through whole runs on the in-process emulator: faults, fallbacks, quotas, stops,
provider mixes. (Router decisions are unit-tested on a fake clock in tests/router.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, cast

import anyio
import pandas as pd
import pytest

from orkit import Run, Sweep
from orkit.api import run_sweep_async
from orkit.cli import main
from orkit.errors import RunStoppedError

if TYPE_CHECKING:
    from orkit.client import AsyncOpenRouter

A, B, C = "openai/gpt-4o-mini", "deepseek/deepseek-v3.2", "mistralai/mistral-small-3.2-24b-instruct"
FREE = "openai/gpt-oss-20b:free"


@pytest.fixture
def items(tmp_path: Path) -> Path:
    path = tmp_path / "items.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"q{i}", "question": f"What is {i} + 2?", "answer": str(i + 2)})
            + "\n"
            for i in range(40)
        )
    )
    return path


def sweep(items: Path, tmp_path: Path, **kw: object) -> Sweep:
    base: dict[str, object] = {
        "dataset": str(items),
        "prompt": "{{ question }}",
        "models": [A],
        "params": {"max_tokens": 8, "temperature": 0},
        "endpoint": "sim",
        "out": str(tmp_path / "runs"),
        "concurrency": 8,
    }
    sim = {"time_scale": 0.0, "window_scale": 1.0, "seed": 3, **kw.pop("sim", {})}  # type: ignore[dict-item]
    base.update(kw)
    return Sweep(sim=sim, **base)  # type: ignore[arg-type]


def run(s: Sweep) -> Run:
    return Run(anyio.run(lambda: run_sweep_async(s)))


def test_faults_are_retried_and_every_attempt_is_a_row(items, tmp_path) -> None:
    faults = {
        "status": {"502": 0.15, "503": 0.05},
        "mid_stream_error": 0.05,
        "drop_connection": 0.05,
        "retry_after_s": 0.0,
    }
    routing = {"base_backoff_s": 0.001, "max_backoff_s": 0.01, "max_attempts": 10}
    r = run(sweep(items, tmp_path, sim={"faults": faults}, routing=routing))
    df = r.to_pandas()
    attempts = pd.read_parquet(r.path / "attempts")
    assert (df["status"] == "ok").all() and len(df) == 40
    assert (attempts["action"] == "retry").any()
    assert set(attempts["task_key"]) == set(df["task_key"])
    per_task = attempts.groupby("task_key").size()
    recorded = df.set_index("task_key")["attempts"]
    assert (recorded == per_task.reindex(recorded.index)).all()
    assert (df["backoff_s"] >= 0).all() and df["queue_s"].notna().all()


def test_a_dead_model_falls_back_and_its_rows_are_flagged_and_not_scored(items, tmp_path) -> None:
    faults = {"status": {"502": 1.0}, "models": [A]}
    s = sweep(
        items,
        tmp_path,
        sim={"faults": faults},
        fallbacks={A: [C]},
        scorers=[{"kind": "numeric", "expected": "answer"}],
        routing={"base_backoff_s": 0.001, "max_backoff_s": 0.01, "max_attempts": 2},
    )
    r = run(s)
    df = r.to_pandas()
    assert (df["status"] == "ok").all()
    assert df["is_fallback"].all() and (df["served_model"] == C).all()
    summary = r.summary()
    assert summary.loc[A, "rows"] == 40
    assert "score_numeric" not in summary.columns or summary["score_numeric"].isna()[A]


def test_daily_free_quota_leaves_tasks_pending_not_failed(items, tmp_path, capsys) -> None:
    s = sweep(
        items, tmp_path, models=[FREE], sim={"lifetime_purchases_usd": 0.0, "window_scale": 0.001}
    )  # 50/day, fast minutes
    small = tmp_path / "more.jsonl"
    small.write_text(
        items.read_text()
        + "".join(
            json.dumps({"id": f"x{i}", "question": f"What is {i} * 3?", "answer": str(3 * i)})
            + "\n"
            for i in range(20)
        )
    )
    r = run(replace(s, dataset=str(small)))
    m = r.manifest
    assert m["status"] == "incomplete"
    assert m["totals"]["all"]["ok"] == 50 and m["totals"]["all"]["deferred"] == 10
    assert m["totals"]["all"]["errors"] == 0
    assert any("waiting for quota (resets at" in w for w in m["warnings"])
    df = r.to_pandas()
    assert len(df) == 60 and (df["status"] == "deferred").sum() == 10
    assert (
        df.loc[df["status"] == "deferred", "error_message"].str.contains("waiting for quota").all()
    )


def test_a_rejected_key_mid_run_stops_the_run_with_one_message(items, tmp_path, capsys) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text(
        f'dataset = "{items}"\nmodels = ["{A}"]\nendpoint = "sim"\n'
        '[prompt]\ntemplate = "{{ question }}"\n'
        '[sim]\ntime_scale = 0.0\n[sim.faults]\nstatus = {"401" = 0.2}\n'
    )
    code = main(["run", str(spec), "--out", str(tmp_path / "runs"), "-q"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 1 and len(lines) == 1 and "Traceback" not in err
    assert "API key was rejected" in lines[0] and "rows so far are in" in lines[0]
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert json.loads((run_dir / "manifest.json").read_text())["status"] == "stopped"


def test_a_bad_key_is_caught_before_the_run_starts(items, tmp_path) -> None:
    s = sweep(items, tmp_path, sim={"api_keys": ["sk-or-v1-someone-else"]})
    with pytest.raises(Exception, match="rejected the API key"):
        run(s)
    assert not (tmp_path / "runs").exists()


def test_several_models_served_by_several_providers_make_one_warning(items, tmp_path) -> None:
    providers = [{"name": "One", "slug": "one"}, {"name": "Two", "slug": "two"}]
    models = {m: {"providers": providers} for m in (A, B)}
    r = run(sweep(items, tmp_path, models=[A, B], sim={"models": models}))
    mixed = [w for w in r.manifest["warnings"] if "providers" in w]
    assert len(mixed) == 1
    assert mixed[0].startswith("2 models were each served by several providers")
    assert f"{A}: One, Two" in mixed[0] and f"{B}: One, Two" in mixed[0]


def test_rows_from_several_providers_raise_a_warning(items, tmp_path) -> None:
    providers = [{"name": "One", "slug": "one"}, {"name": "Two", "slug": "two"}]
    r = run(sweep(items, tmp_path, sim={"models": {A: {"providers": providers}}}))
    assert set(r.to_pandas()["served_provider"]) == {"One", "Two"}
    assert f"{A} was served by 2 providers (One, Two)" in r.manifest["warnings"][0]
    pinned = run(
        sweep(
            items,
            tmp_path,
            sim={"models": {A: {"providers": providers}}},
            params={"max_tokens": 8, "provider": {"only": ["two"]}},
        )
    )
    assert set(pinned.to_pandas()["served_provider"]) == {"Two"}
    assert not pinned.manifest["warnings"]


def test_known_limits_from_the_spec_pace_requests(items, tmp_path) -> None:
    r = run(sweep(items, tmp_path, limits={A: {"rpm": 1200}}))  # one every 50 ms
    starts = pd.read_parquet(r.path / "attempts")["started_at"].sort_values()
    gaps = starts.diff().dt.total_seconds().dropna()
    # Paced at the limit, not merely below it: a pacer twice as slow as asked (or 20×)
    # fails too. The pacer keeps a schedule, so a late release on a busy machine is made
    # up by the next one and the median stays at the period.
    assert 0.045 <= gaps.median() <= 0.1, gaps.describe()
    assert len(starts) == 40  # no retries: nothing was rejected for going too fast


def test_run_stopped_error_carries_the_run_dir(items, tmp_path) -> None:
    s = sweep(items, tmp_path, sim={"faults": {"status": {"401": 1.0}}})
    with pytest.raises(RunStoppedError) as info:
        run(s)
    assert info.value.run_dir and Path(info.value.run_dir).is_dir()


def test_the_runs_own_estimate_is_made_while_the_last_requests_are_in_flight(
    items, tmp_path, monkeypatch
) -> None:
    """Made before the first request, the estimate delayed every request of the run; it is
    made once the lanes have handed out their last task, and is in the manifest when the
    run returns."""
    import orkit.api._execute as runner
    from orkit.batch._engine import EngineOptions
    from orkit.estimate import manifest_estimate

    events: list[str] = []
    real = manifest_estimate

    async def spy(*args: object, **kwargs: object) -> object:
        events.append("estimate")
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    class Rows:
        def on_start(self, *args: object) -> None:
            pass

        def on_row(self, row: object, totals: object) -> None:
            events.append("row")

        def on_finish(self, *args: object) -> None:
            events.append("finish")

    monkeypatch.setattr(runner, "manifest_estimate", spy)
    result = Run(anyio.run(lambda: run_sweep_async(sweep(items, tmp_path), observer=Rows())))
    assert events.count("estimate") == 1 and events[-1] == "finish"
    # every task but those the workers still held was answered first
    assert events.index("estimate") >= 40 - EngineOptions(workers_per_lane=8).workers
    assert result.manifest["estimate"]["lines"][0]["model"] == A
    assert result.manifest["cost"][A]["estimate_high_usd"] > 0


def test_work_while_draining_runs_even_with_nothing_to_send(tmp_path: Path) -> None:
    from orkit._clock import SystemClock
    from orkit.batch._engine import EngineOptions, RunHooks, execute
    from orkit.batch._sink import ResultSink
    from orkit.results import Journal, RunDir
    from orkit.router import Router, RouterOptions

    done: list[bool] = []

    async def job() -> None:
        done.append(True)

    async def go() -> None:
        run = RunDir.create(tmp_path / "runs", "r")
        journal = Journal(run.journal_path)
        await execute(
            [iter(())],
            total=0,
            router=Router(None, RouterOptions()),  # type: ignore[arg-type]  # never asked
            sink=ResultSink(run, journal),
            clock=SystemClock(),
            options=EngineOptions(),
            hooks=RunHooks(while_draining=job),
        )
        journal.close()

    anyio.run(go)
    assert done == [True]


class _Server:
    """What a client's preflight asks of a server: `/key` and `/models`."""

    def __init__(self, key: Exception | None) -> None:
        self.key, self.asked = key, []  # type: ignore[var-annotated]

    async def get_key(self) -> dict[str, object]:
        self.asked.append("/key")
        if self.key is not None:
            raise self.key
        return {"data": {"label": "k"}}

    async def list_models(self) -> list[dict[str, object]]:
        self.asked.append("/models")
        return [{"id": A}]


@pytest.mark.parametrize(
    ("key", "asked"),
    [
        (None, ["/key"]),  # a proxy of OpenRouter or the emulator: the small answer
        ("404", ["/key", "/models"]),  # any other OpenAI-compatible server
    ],
)
def test_a_url_endpoint_is_checked_with_its_smallest_answer(key, asked) -> None:
    from orkit.errors import NotFoundError
    from orkit.plan._endpoint import Endpoint, _preflight

    server = _Server(NotFoundError("no such route", status_code=404) if key else None)
    endpoint = Endpoint(kind="url", base_url="http://127.0.0.1:9/v1", api_key=None)
    anyio.run(_preflight, cast("AsyncOpenRouter", server), endpoint)  # a stand-in
    assert server.asked == asked


def test_a_url_endpoint_that_rejects_the_key_stops_before_the_run() -> None:
    from orkit.errors import AuthenticationError
    from orkit.plan._endpoint import Endpoint, _preflight

    server = _Server(AuthenticationError("bad key", status_code=401))
    endpoint = Endpoint(kind="url", base_url="http://127.0.0.1:9/v1", api_key=None)
    with pytest.raises(AuthenticationError, match="rejected the API key"):
        anyio.run(_preflight, cast("AsyncOpenRouter", server), endpoint)
    assert server.asked == ["/key"]


def test_the_runs_own_estimate_counts_earlier_answers_as_cache_hits_not_its_own(
    items, tmp_path
) -> None:
    first = run(sweep(items, tmp_path))  # temperature 0: every answer goes to the cache
    line = first.manifest["estimate"]["lines"][0]
    assert line["cache_hits"] == 0 and line["cost_high_usd"] > 0  # made after it stored 40
    again = run(sweep(items, tmp_path))
    assert again.manifest["estimate"]["lines"][0]["cache_hits"] == 40


def test_draining_starts_when_the_lanes_are_out_and_no_task_waits_for_a_slot() -> None:
    from orkit.batch._engine import _Drain
    from orkit.batch._tasks import Task

    lane: Iterator[Task] = iter(())
    drain = _Drain([lane], slots=2)
    for _ in range(3):
        drain.took()
    assert not drain.event.is_set()
    drain.lane_done(lane)  # handed out its last task, but one task still waits for a slot
    assert not drain.event.is_set()
    drain.ended()
    assert drain.event.is_set()
