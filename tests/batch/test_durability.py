"""Journal, resume, retry, response cache and budget, on the emulator."""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from dataclasses import replace
from pathlib import Path

import anyio
import pandas as pd
import pytest

from orkit import Run, Sweep
from orkit.api import resume_async, retry_async, run_sweep_async
from orkit.errors import RunError, SpecError
from orkit.results import Journal, Manifest, run_lock
from orkit.sim import SIM_API_KEY, SimConfig, serve_in_thread
from tests.sim_http import reset, stats

A, B = "openai/gpt-4o-mini", "deepseek/deepseek-v3.2"


@pytest.fixture
def items(tmp_path: Path) -> Path:
    path = tmp_path / "items.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"q{i}", "question": f"What is {i} + 5?", "answer": str(i + 5)})
            + "\n"
            for i in range(30)
        )
    )
    return path


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    """An emulator on a real port, so tests can read its billing stats."""
    with serve_in_thread(SimConfig(time_scale=0.0, seed=2)) as url:
        yield url


def make(items: Path, tmp_path: Path, **kw: object) -> Sweep:
    base: dict[str, object] = {
        "dataset": str(items),
        "models": [A, B],
        "prompt": "{{ question }}",
        "params": {"max_tokens": 8, "temperature": 0},
        "endpoint": "sim",
        "sim": {"time_scale": 0.0},
        "out": str(tmp_path / "runs"),
        "concurrency": 8,
    }
    base.update(kw)
    return Sweep(**base)  # type: ignore[arg-type]


def go(sweep: Sweep, **kw: object) -> Run:
    return Run(anyio.run(lambda: run_sweep_async(sweep, **kw)))  # type: ignore[arg-type]


def test_every_outcome_is_in_the_journal(items, tmp_path) -> None:
    run = go(make(items, tmp_path))
    journal = Journal(run.dir.journal_path)
    try:
        assert journal.keys(final=True) == set(run.to_pandas()["task_key"])
        assert len(list(journal.attempts())) == len(pd.read_parquet(run.path / "attempts"))
        assert journal.counts() == {"ok": 60}
    finally:
        journal.close()


def test_the_cache_answers_repeated_deterministic_requests_for_free(
    items, tmp_path, sim_url
) -> None:
    sweep = make(items, tmp_path, endpoint=sim_url, sim={})
    reset(sim_url)
    first = go(sweep, api_key=SIM_API_KEY).to_pandas()
    sent = stats(sim_url)["requests"]
    second = go(sweep, api_key=SIM_API_KEY).to_pandas()
    assert stats(sim_url)["requests"] == sent  # nothing sent the second time
    assert (second["cost_source"] == "cached").all() and (second["cost_usd"] == 0).all()
    assert (first["cost_source"] == "reported").all()
    merged = first.merge(second, on="task_key")
    assert (merged["output_text_x"] == merged["output_text_y"]).all()


def test_repeats_and_sampled_requests_are_never_cache_hits(items, tmp_path, sim_url) -> None:
    reset(sim_url)
    go(make(items, tmp_path, endpoint=sim_url, sim={}, repeats=2), api_key=SIM_API_KEY)
    assert stats(sim_url)["requests"] == 120  # repeat 1 is not repeat 0's cache hit
    reset(sim_url)
    hot = make(
        items, tmp_path, endpoint=sim_url, sim={}, params={"max_tokens": 8, "temperature": 0.7}
    )
    go(hot, api_key=SIM_API_KEY)
    go(hot, api_key=SIM_API_KEY)
    assert stats(sim_url)["requests"] == 120
    reset(sim_url)
    off = make(items, tmp_path, endpoint=sim_url, sim={}, cache=False)
    go(off, api_key=SIM_API_KEY)
    go(off, api_key=SIM_API_KEY)
    assert stats(sim_url)["requests"] == 120


def test_budget_is_never_passed_and_a_resume_with_more_finishes(items, tmp_path, sim_url) -> None:
    reset(sim_url)
    sweep = make(items, tmp_path, endpoint=sim_url, sim={}, budget_usd=0.0001, cache=False)
    run = go(sweep, api_key=SIM_API_KEY)
    billed = stats(sim_url)["billed_total_usd"]
    df = run.to_pandas()
    assert billed <= 0.0001
    assert (df["status"] == "skipped_budget").any() and run.status == "incomplete"
    assert df.loc[df["status"] == "ok", "cost_usd"].sum() == pytest.approx(billed, abs=1e-12)
    assert any("--budget" in w for w in run.manifest["warnings"])
    anyio.run(lambda: resume_async(run.path, budget_usd=1.0, api_key=SIM_API_KEY))
    after = Run(run.path)
    df = after.to_pandas()
    assert after.status == "completed" and len(df) == 60 and df["task_key"].is_unique
    assert (df["status"] == "ok").all()
    assert sum(stats(sim_url)["billed_by_body_hash"].values()) == 60  # nothing paid twice


@pytest.fixture(scope="module")
def flaky_url() -> Iterator[str]:
    """An emulator whose model A fails half its requests (a retry draws again)."""
    faults = {"status": {"502": 0.5}, "models": [A]}
    with serve_in_thread(SimConfig.from_dict({"time_scale": 0.0, "faults": faults})) as url:
        yield url


def test_retry_errors_reruns_only_failed_tasks_as_new_attempts(items, tmp_path, flaky_url) -> None:
    routing = {"max_attempts": 1, "breaker_threshold": 1000}
    sweep = make(items, tmp_path, endpoint=flaky_url, sim={}, routing=routing)
    run = go(sweep, api_key=SIM_API_KEY)
    before = run.to_pandas()
    failed = set(before.loc[before["status"] == "error", "task_key"])
    assert failed
    attempts_before = pd.read_parquet(run.path / "attempts")
    anyio.run(lambda: retry_async(run.path, api_key=SIM_API_KEY))
    after = Run(run.path).to_pandas()
    assert len(after) == 60 and after["task_key"].is_unique
    assert (after["status"] == "error").sum() < len(failed)
    untouched = before[~before["task_key"].isin(failed)].set_index("task_key")["output_text"]
    assert (after.set_index("task_key").loc[untouched.index, "output_text"] == untouched).all()
    attempts = pd.read_parquet(run.path / "attempts")
    assert len(attempts) == len(attempts_before) + len(failed)
    again = attempts[attempts["task_key"].isin(failed)].groupby("task_key")["attempt"].max()
    assert (again == 2).all()  # numbered after the first attempt


def test_resume_goes_on_with_the_stored_sweep_whatever_the_spec_file_says_now(
    items, tmp_path
) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text(
        f'dataset = "{items}"\nmodels = ["{A}"]\nendpoint = "sim"\n'
        'budget_usd = 0.00001\n[prompt]\ntemplate = "{{ question }}"\n'
        "[params]\nmax_tokens = 8\n[sim]\ntime_scale = 0.0\n"
    )
    from orkit import load_spec

    run = go(replace(load_spec(spec), out=str(tmp_path / "runs")))
    spec.write_text(spec.read_text().replace("max_tokens = 8", "max_tokens = 9"))
    anyio.run(lambda: resume_async(run.path, budget_usd=1.0))
    after = Run(run.path)
    df = after.to_pandas()
    assert len(df) == 30 and (df["status"] == "ok").all() and df["task_key"].is_unique
    assert after.manifest["spec"]["params"] == {"max_tokens": 8}
    assert "drift" not in after.manifest


def test_a_changed_prompt_file_is_drift(items, tmp_path) -> None:
    prompt = tmp_path / "p.j2"
    prompt.write_text("{{ question }}")
    spec = tmp_path / "s.toml"
    spec.write_text(
        f'dataset = "{items}"\nmodels = ["{A}"]\nendpoint = "sim"\n'
        'budget_usd = 0.00001\n[prompt]\nfile = "p.j2"\n'
        "[params]\nmax_tokens = 8\n[sim]\ntime_scale = 0.0\n"
    )
    from orkit import load_spec

    run = go(replace(load_spec(spec), out=str(tmp_path / "runs")))
    assert run.manifest["prompt_files"]["default"]["path"] == str(prompt)
    prompt.write_text("Q: {{ question }}")
    with pytest.raises(SpecError, match=r"prompt file of 'default' content changed \(.*p\.j2\)"):
        anyio.run(lambda: resume_async(run.path, budget_usd=1.0))
    anyio.run(lambda: resume_async(run.path, budget_usd=1.0, allow_drift=True))
    after = Run(run.path)
    assert after.manifest["spec"]["prompts"]["default"]["template"] == "Q: {{ question }}"
    assert len(after.manifest["drift"]) == 1
    anyio.run(lambda: resume_async(run.path))  # the new text is the run's now: no drift


def test_an_old_manifest_resumes_from_its_stored_spec(items, tmp_path, monkeypatch) -> None:
    run = go(make(items, tmp_path, budget_usd=0.00001))
    manifest = json.loads(run.dir.manifest_path.read_text())
    del manifest["spec_resolved"], manifest["prompt_files"]  # as orkit wrote it before
    manifest["spec"]["dataset"] = "items.jsonl"  # relative to where the run began
    manifest["spec_path"] = str(tmp_path / "gone.toml")
    run.dir.write_manifest(Manifest.from_dict(manifest))
    monkeypatch.chdir(tmp_path / "runs")  # not there: the path the run read is used
    anyio.run(lambda: resume_async(run.path, budget_usd=1.0))
    df = Run(run.path).to_pandas()
    assert len(df) == 60 and (df["status"] == "ok").all()


def test_resume_refuses_a_changed_dataset(items, tmp_path) -> None:
    run = go(make(items, tmp_path, budget_usd=0.00001))
    items.write_text(items.read_text().replace("What is 3 + 5?", "What is 3 + 6?"))
    with pytest.raises(SpecError, match="dataset content changed"):
        anyio.run(lambda: resume_async(run.path))


def test_one_process_per_run_directory(items, tmp_path) -> None:
    run = go(make(items, tmp_path, budget_usd=0.00001))
    with run_lock(run.path), pytest.raises(RunError, match="in use by process"):
        anyio.run(lambda: resume_async(run.path))


def test_the_dataset_copy_and_estimate_are_made_by_the_run_and_again_by_a_resume(
    items, tmp_path
) -> None:
    run = go(make(items, tmp_path, budget_usd=0.00001))  # most tasks left for a resume
    copy = pd.read_parquet(run.dir.dataset_path)
    assert list(copy["item_id"]) == [f"q{i}" for i in range(30)]
    run.dir.dataset_path.unlink()  # as if killed before the copy was renamed into place
    manifest = run.dir.read_manifest()
    assert manifest["estimate"]["lines"]
    manifest.estimate = None  # ...and before its estimate
    run.dir.write_manifest(manifest)
    anyio.run(lambda: resume_async(run.path, budget_usd=1.0))
    assert run.dir.read_manifest()["estimate"]["lines"]
    assert pd.read_parquet(run.dir.dataset_path).equals(copy)
    assert Run(run.path).to_pandas(with_dataset=True)["question"].notna().all()


def test_the_first_lane_writes_the_copy_batch_by_batch_and_drops_a_partial_one(
    items, tmp_path
) -> None:
    from orkit.data import open_dataset
    from orkit.plan._assemble import plan_sweep
    from orkit.results import DatasetCopyWriter

    plan = replace(
        plan_sweep(make(items, tmp_path)), dataset=open_dataset(str(items), batch_size=7)
    )
    target = tmp_path / "dataset.parquet"
    first, second = plan.lanes(DatasetCopyWriter(target))
    assert len(list(second)) == 30 and not target.exists()  # only the first lane copies
    tasks = list(first)
    assert len(tasks) == 30 and target.is_file()
    assert list(pd.read_parquet(target)["item_id"]) == [f"q{i}" for i in range(30)]

    target.unlink()
    lane = plan.lane(A, DatasetCopyWriter(target))
    for _ in range(20):  # past two batches of 7: some of the copy is on disk
        next(lane)
    assert list(tmp_path.glob(".dataset.parquet*"))
    assert isinstance(lane, Generator)
    lane.close()  # a cancelled run
    assert not target.exists() and not list(tmp_path.glob(".dataset.parquet*"))
