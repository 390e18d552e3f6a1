"""The manifest tells the truth after anything: totals recounted from the journal (attempts
included) after a retry and a resume, a killed execution's time counted, a killed run shown
as `interrupted` and resumable; a run in which most tasks failed says why."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import anyio
import pandas as pd
import pytest

from orkit import Run, Sweep
from orkit.api import resume_async, retry_async, run_sweep_async
from orkit.cli import main
from orkit.cli._runs import describe
from orkit.errors import RunError
from orkit.results import lock_holder, run_lock

A = "openai/gpt-4o-mini"


@pytest.fixture
def items(tmp_path: Path) -> Path:
    path = tmp_path / "items.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"q{i}", "question": f"What is {i} + 2?", "answer": str(i + 2)})
            + "\n"
            for i in range(30)
        )
    )
    return path


def sweep(items: Path, tmp_path: Path, sim: Mapping[str, object], **kw: object) -> Sweep:
    return Sweep(
        dataset=str(items),
        prompt="{{ question }}",
        models=[A],
        params={"max_tokens": 8, "temperature": 0},
        endpoint="sim",
        out=str(tmp_path / "runs"),
        concurrency=8,
        cache=False,
        sim={"time_scale": 0.0, "seed": 5, **sim},
        **kw,  # type: ignore[arg-type]
    )


def journal_attempt_counts(run: Run) -> dict[str, int]:
    attempts = pd.read_parquet(run.path / "attempts")
    return {
        "attempts": len(attempts),
        "rate_limited": int((attempts["http_status"] == 429).sum()),
        "retried": int(attempts["action"].isin(["retry", "wait"]).sum()),
    }


def test_a_retry_recounts_every_attempt_of_every_execution(items, tmp_path) -> None:
    faults = {"faults": {"status": {"429": 0.2, "502": 0.3}, "retry_after_s": 0.0}}
    routing = {"base_backoff_s": 0.001, "max_backoff_s": 0.002, "max_attempts": 2}
    first = Run(anyio.run(lambda: run_sweep_async(sweep(items, tmp_path, faults, routing=routing))))
    before = first.manifest["totals"]["all"]
    assert before["errors"] > 0  # some tasks ran out of their two tries
    assert {k: before[k] for k in ("attempts", "rate_limited", "retried")} == (
        journal_attempt_counts(first)
    )

    again = Run(anyio.run(lambda: retry_async(first.path)))
    totals = again.manifest["totals"]
    counted = journal_attempt_counts(again)
    assert counted["attempts"] > before["attempts"]  # the retry's attempts joined the first's
    assert {k: totals["all"][k] for k in ("attempts", "rate_limited", "retried")} == counted
    assert totals["by_model"][A]["attempts"] == counted["attempts"]
    assert totals["all"]["tasks"] == 30
    kinds = [e["kind"] for e in again.manifest["executions"]]
    assert kinds == ["run", "retry"]
    walls = [e["wall_s"] for e in again.manifest["executions"]]
    assert again.manifest["wall_s"] == pytest.approx(sum(walls), abs=0.002)


def dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert done.returncode == 0
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def kill_after_the_fact(run: Run, *, lost_tasks: int, started: float, seen: float) -> None:
    """Make a finished run look like one killed mid-run: its manifest still says running,
    its last execution never ended, its lock names a dead process, its last tasks are not
    in the journal, and every file was last written at `seen`."""
    with sqlite3.connect(run.path / "journal.sqlite") as db:
        keys = [k for (k,) in db.execute("SELECT task_key FROM tasks LIMIT ?", (lost_tasks,))]
        db.executemany("DELETE FROM tasks WHERE task_key = ?", [(k,) for k in keys])
    manifest = run.manifest.to_dict()
    manifest["status"] = "running"
    manifest["wall_s"] = 0.0
    manifest["executions"] = [
        {"kind": "run", "started_at": datetime.fromtimestamp(started, UTC).isoformat()}
    ]
    for key in ("totals", "finished_at"):
        manifest.pop(key)
    (run.path / "manifest.json").write_text(json.dumps(manifest))
    (run.path / ".lock").write_text(str(dead_pid()))
    for name in (".lock", "journal.sqlite", "journal.sqlite-wal", "manifest.json"):
        if (run.path / name).exists():
            os.utime(run.path / name, (seen, seen))


def test_a_killed_run_is_interrupted_and_resumable_and_its_time_counts(items, tmp_path) -> None:
    run = Run(anyio.run(lambda: run_sweep_async(sweep(items, tmp_path, {}))))
    started = 1_790_000_000.0
    kill_after_the_fact(run, lost_tasks=7, started=started, seen=started + 60.0)

    assert lock_holder(run.path) is None
    shown = describe(run.path)
    assert shown is not None and shown["status"] == "interrupted"
    assert run.status == "interrupted"
    # what the journal holds, not what the part files (all 30 rows here) or totals say
    with sqlite3.connect(run.path / "journal.sqlite") as db:
        (kept_cost,) = db.execute("SELECT sum(json_extract(result, '$.cost_usd')) FROM tasks")
    assert shown["done"] == 23
    assert shown["cost_usd"] == pytest.approx(kept_cost[0]) and kept_cost[0] > 0

    resumed = Run(anyio.run(lambda: resume_async(run.path)))
    m = resumed.manifest
    assert m["status"] == "completed" and resumed.status == "completed"
    assert m["totals"]["all"]["ok"] == 30 and len(resumed.to_pandas()) == 30
    killed, resume = m["executions"]
    assert killed == {
        "kind": "run",
        "started_at": killed["started_at"],
        "status": "killed",
        "wall_s": 60.0,
    }
    assert resume["kind"] == "resume" and resume["done_before"] == 23
    assert m["wall_s"] == pytest.approx(60.0 + resume["wall_s"], abs=0.002)
    assert describe(run.path)["status"] == "completed"  # type: ignore[index]


def test_a_live_holder_is_running_and_blocks_a_second_process(items, tmp_path) -> None:
    run_dir = tmp_path / "r"
    run_dir.mkdir()
    (run_dir / "manifest.json").write_text(json.dumps({"status": "running", "spec": {}}))
    assert describe(run_dir)["status"] == "interrupted"  # type: ignore[index]  # never locked
    with run_lock(run_dir):
        assert lock_holder(run_dir) == os.getpid()
        assert describe(run_dir)["status"] == "running"  # type: ignore[index]
        with (
            pytest.raises(RunError, match=f"in use by process {os.getpid()}"),
            run_lock(run_dir),
        ):
            pass
    assert lock_holder(run_dir) is None


def test_a_run_where_most_tasks_failed_ends_with_its_commonest_errors(
    items, tmp_path, capsys
) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text(
        f'dataset = "{items}"\nmodels = ["{A}"]\nendpoint = "sim"\ncache = false\n'
        '[prompt]\ntemplate = "{{ question }}"\n'
        "[routing]\nmax_attempts = 1\n"
        '[sim]\ntime_scale = 0.0\n[sim.faults]\nstatus = {"400" = 1.0}\n'
    )
    flags = ["--out", str(tmp_path / "runs"), "-q", "--no-report", "--task-timeout", "120"]
    code = main(["run", str(spec), *flags])
    err = capsys.readouterr().err
    assert code == 4  # every task failed (the exit-code table)
    lines = err.splitlines()
    at = lines.index("30 of 30 tasks failed; the most common errors:")
    shown = [ln for ln in lines[at + 1 : at + 4] if " × invalid_request: " in ln]
    (run_dir,) = (tmp_path / "runs").iterdir()
    run = Run(run_dir)
    top = run.top_errors()
    assert 1 <= len(top) == len(shown) <= 3  # the providers word their 400s differently
    counts = [t["count"] for t in top]
    assert counts == sorted(counts, reverse=True)
    for line, error in zip(shown, top, strict=True):
        assert line.lstrip().startswith(f"{error['count']} × ")
        assert error["message"] in line
    everything = run.top_errors(50)  # beyond the stored three: counted from the rows
    assert [e["count"] for e in everything[: len(top)]] == counts  # (ties in any order)
    assert sum(e["count"] for e in everything) == 30
    assert run.manifest["spec"]["task_timeout_s"] == 120


def test_a_run_with_few_failures_prints_no_error_list(items, tmp_path, capsys) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text(
        f'dataset = "{items}"\nmodels = ["{A}"]\nendpoint = "sim"\ncache = false\n'
        '[prompt]\ntemplate = "{{ question }}"\n[sim]\ntime_scale = 0.0\n'
    )
    assert main(["run", str(spec), "--out", str(tmp_path / "runs"), "-q", "--no-report"]) == 0
    assert "most common errors" not in capsys.readouterr().err
