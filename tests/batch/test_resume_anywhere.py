"""Resume and retry work however a run was started — spec (relative or absolute path), spec
plus each kind of override, flags only, the Python API — and from any working directory:
they rebuild the sweep from the run's manifest, never from the spec file."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from orkit import Run, Sweep
from orkit.cli import main
from orkit.sim import SIM_API_KEY, SimConfig, serve_in_thread

A, B = "openai/gpt-4o-mini", "deepseek/deepseek-v3.2"
ITEMS = 6
INCOMPLETE = 3
"""`orkit run`'s exit code when tasks were left for a resume (here: by the budget)."""
FAULTS: dict[str, Any] = {"status": {"502": 0.5}, "models": [A]}
"""Model A fails half its requests (one attempt each), so a run has errors to retry."""


@pytest.fixture(scope="module")
def flaky_url() -> Iterator[str]:
    with serve_in_thread(SimConfig.from_dict({"time_scale": 0.0, "faults": FAULTS})) as url:
        yield url


def requests_seen(url: str) -> int:
    return int(httpx.get(url.rsplit("/api/v1", 1)[0] + "/_sim/stats").json()["requests"])


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory (the working directory of the run) with a dataset and a spec
    whose budget lets almost nothing through: the run ends incomplete, for a resume."""
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "data" / "q.jsonl").write_text(
        "".join(
            json.dumps({"id": f"q{i}", "question": f"What is {i} + 5?", "answer": str(i + 5)})
            + "\n"
            for i in range(ITEMS)
        )
    )
    (root / "data" / "prompt.j2").write_text("{{ question }}")
    (root / "spec.toml").write_text(
        f'dataset = "data/q.jsonl"\nmodels = ["{A}", "{B}"]\nendpoint = "sim"\n'
        'budget_usd = 0.00001\nout = "runs"\n'
        '[prompt]\nfile = "data/prompt.j2"\n[params]\nmax_tokens = 8\n'
        "[routing]\nmax_attempts = 1\nbreaker_threshold = 1000\n"
        f"[sim]\ntime_scale = 0.0\nfaults = {_toml_inline(FAULTS)}\n"
    )
    monkeypatch.setenv("OPENROUTER_API_KEY", SIM_API_KEY)
    monkeypatch.chdir(root)
    return root


def _toml_inline(faults: dict[str, Any]) -> str:
    model: str = faults["models"][0]
    return '{status = {"502" = 0.5}, models = ["' + model + '"]}'


def cli(*argv: str) -> int:
    return main([*argv, "-q", "--no-report"])


def only_run(root: Path) -> Path:
    (run,) = (root / "runs").iterdir()
    return run


Start = Callable[[Path, str], list[str] | None]
"""Start a run in `project`; return what each of its rows' model must be (None: A and B)."""


def spec_relative(root: Path, url: str) -> None:
    assert cli("run", "spec.toml", "--yes") == INCOMPLETE


def spec_absolute(root: Path, url: str) -> None:
    assert cli("run", str(root / "spec.toml"), "--yes") == INCOMPLETE


def spec_and_endpoint(root: Path, url: str) -> None:
    assert cli("run", "spec.toml", "--endpoint", url, "--yes") == INCOMPLETE


def spec_and_model(root: Path, url: str) -> list[str]:
    assert cli("run", "spec.toml", "--model", B, "--yes") == INCOMPLETE
    return [B]


def spec_and_param(root: Path, url: str) -> None:
    assert cli("run", "spec.toml", "--param", "max_tokens=5", "--yes") == INCOMPLETE


def spec_and_dataset(root: Path, url: str) -> list[str]:
    (root / "other.jsonl").write_text((root / "data" / "q.jsonl").read_text())
    assert cli("run", "spec.toml", "--dataset", "other.jsonl", "--model", A, "--yes") == INCOMPLETE
    return [A]


def flags_only(root: Path, url: str) -> None:
    argv = ["run", "--dataset", "data/q.jsonl", "--model", A, "--model", B]
    argv += ["--prompt", "{{ question }}", "--endpoint", url, "--budget", "0.00001", "--yes"]
    assert cli(*argv) == INCOMPLETE


def python_api(root: Path, url: str) -> None:
    sweep = Sweep(
        dataset="data/q.jsonl",
        models=[A, B],
        prompt="{{ question }}",
        params={"max_tokens": 8},
        endpoint=url,
        budget_usd=0.00001,
        routing={"max_attempts": 1, "breaker_threshold": 1000},
        out="runs",
    )
    sweep.run(api_key=SIM_API_KEY, progress=False)


STARTS = [
    spec_relative,
    spec_absolute,
    spec_and_endpoint,
    spec_and_model,
    spec_and_param,
    spec_and_dataset,
    flags_only,
    python_api,
]
ON_URL = {spec_and_endpoint, flags_only, python_api}


@pytest.mark.parametrize("start", STARTS, ids=[s.__name__ for s in STARTS])
def test_resume_then_retry_from_another_directory(
    start: Start, project: Path, flaky_url: str, tmp_path: Path, monkeypatch
) -> None:
    models = start(project, flaky_url) or [A, B]
    run = only_run(project)
    before = Run(run)
    assert before.status == "incomplete"  # the budget left tasks for a resume
    spec_before = before.manifest["spec"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    (project / "spec.toml").write_text("this file is no longer a spec")  # never re-read
    seen = requests_seen(flaky_url)

    assert cli("resume", str(run), "--budget", "1") == 0
    df = Run(run).to_pandas()
    assert len(df) == ITEMS * len(models) and df["task_key"].is_unique
    assert set(df["model"]) == set(models)
    assert not (df["status"] == "skipped_budget").any()
    after = Run(run).manifest["spec"]
    assert {k: v for k, v in after.items() if k != "budget_usd"} == {
        k: v for k, v in spec_before.items() if k != "budget_usd"
    }  # every override kept: endpoint, models, params, dataset
    if start in ON_URL:  # it went on where it started, not on the built-in emulator
        assert requests_seen(flaky_url) > seen
    if start is spec_and_param:
        assert after["params"]["max_tokens"] == 5

    errors = set(df.loc[df["status"] == "error", "task_key"])
    assert cli("retry", str(run), "--errors") == 0
    again = Run(run).to_pandas()
    assert len(again) == len(df) and again["task_key"].is_unique
    if errors:  # model A's failures were sent again, as second attempts
        attempts = pd.read_parquet(run / "attempts")
        retried = attempts[attempts["task_key"].isin(errors)].groupby("task_key")["attempt"]
        assert (retried.max() == 2).all()


def test_a_prompt_file_given_on_the_command_line_is_checked_for_drift(
    project: Path, flaky_url: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    argv = ["run", "--dataset", "data/q.jsonl", "--model", B, "--endpoint", flaky_url]
    argv += ["--prompt-file", "data/prompt.j2", "--budget", "0.00001", "--yes"]
    assert cli(*argv) == INCOMPLETE
    run = only_run(project)
    stored = Run(run).manifest["prompt_files"]
    assert stored["default"]["path"] == str(project / "data" / "prompt.j2")

    monkeypatch.chdir(tmp_path)
    (project / "data" / "prompt.j2").write_text("Answer: {{ question }}")
    capsys.readouterr()
    assert cli("resume", str(run), "--budget", "1") == 2  # refused, nothing sent
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "prompt.j2" in err[0] and "--allow-drift" in err[0]
    assert cli("resume", str(run), "--budget", "1", "--allow-drift") == 0
    df = Run(run).to_pandas()
    assert df["messages_json"].str.contains("Answer: What is").all()


def test_retry_names_itself_when_refusing_drift(
    project: Path, flaky_url: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    cli("run", "spec.toml", "--endpoint", flaky_url, "--budget", "1", "--yes")
    run = only_run(project)
    assert (Run(run).to_pandas()["status"] == "error").any()  # model A fails half its tasks
    (project / "data" / "q.jsonl").write_text('{"id": "new", "question": "?"}\n')
    capsys.readouterr()
    assert cli("retry", str(run), "--errors") == 2
    err = capsys.readouterr().err
    assert "retry with --allow-drift" in err and "resume with" not in err
