"""The README's first command, Ctrl-C, then the resume command it printed, pasted in another
directory; and content drift refused in one line naming the file, unless allowed."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from orkit.cli import main

from .journals import journal_rows

pytestmark = pytest.mark.integration  # on real time: see README, Development

REPO = Path(__file__).resolve().parents[2]


def orkit(argv: list[str], cwd: Path) -> subprocess.Popen[str]:
    def default_sigint() -> None:  # a test runner may start us with SIGINT ignored
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    env = {k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"}
    return subprocess.Popen(
        [sys.executable, "-m", "orkit", *argv],
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=default_sigint,
    )


@pytest.mark.subprocess
@pytest.mark.slow
def test_readme_run_interrupted_then_the_printed_resume_finishes_it(tmp_path) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    shutil.copytree(REPO / "datasets" / "demo", project / "datasets" / "demo")
    elsewhere.mkdir()
    proc = orkit(["run", "datasets/demo/sweep.toml"], project)
    deadline = time.monotonic() + 120  # bounded: the run must get going
    while journal_rows(project / "runs") < 1 and proc.poll() is None:
        assert time.monotonic() < deadline, "the run never wrote a row"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    (hint,) = [ln for ln in err.splitlines() if "resume with:" in ln]
    command = shlex.split(hint.split("resume with: ", 1)[1])
    assert command[:2] == ["orkit", "resume"]

    resumed = orkit(command[1:], elsewhere)  # verbatim, from another directory
    _, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err
    (run_dir,) = (project / "runs").iterdir()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    df = pd.read_parquet(run_dir / "results")
    assert len(df) == manifest["tasks"] == 1500 and df["task_key"].is_unique


def test_a_changed_dataset_is_refused_in_one_line_naming_it_unless_allowed(
    tmp_path, monkeypatch, capsys
) -> None:
    data = tmp_path / "q.jsonl"
    data.write_text(
        "".join(json.dumps({"id": f"q{i}", "question": f"{i} + 1?"}) + "\n" for i in range(4))
    )
    monkeypatch.chdir(tmp_path)
    argv = [
        "run",
        "--dataset",
        "q.jsonl",
        "-m",
        "openai/gpt-4o-mini",
        "--prompt",
        "{{ question }}",
        "--endpoint",
        "sim",
    ]
    assert main([*argv, "--budget", "0.000001", "--yes", "-q", "--no-report"]) == 3
    (run_dir,) = (tmp_path / "runs").iterdir()
    data.write_text(data.read_text().replace("2 + 1?", "2 + 2?"))
    capsys.readouterr()

    assert main(["resume", str(run_dir), "--budget", "1", "-q", "--no-report"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and f"dataset content changed ({data})" in lines[0]
    assert "--allow-drift" in lines[0]
    assert main(["retry", str(run_dir), "--errors", "-q", "--no-report"]) == 2

    code = main(["resume", str(run_dir), "--budget", "1", "--allow-drift", "-q", "--no-report"])
    assert code == 0
    df = pd.read_parquet(run_dir / "results")
    assert len(df) == 4 and (df["status"] == "ok").all() and df["task_key"].is_unique
    assert main(["retry", str(run_dir), "--errors", "-q", "--no-report"]) == 0  # adopted
