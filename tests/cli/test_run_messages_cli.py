"""What `orkit run`, `resume` and `retry` print as a run ends, reproducing what a new user
found: a Ctrl-C or SIGTERM drawn as `failed`; `orkit` instead of the run's name on resume,
retry and flags-only runs; a retry that reprinted the run's summary with no word of what it
did; `100% 0/0` for a run with nothing left; `incomplete: 1,500 tasks` for a run the
budget stopped at 1,020."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from orkit._format import run_counts
from orkit.cli import main
from orkit.cli._exit import ExitCode
from orkit.cli._table import completion_line
from orkit.results import Manifest
from orkit.sim import SIM_API_KEY, FaultProfile, SimConfig, serve_in_thread

from .journals import journal_rows

A, B = "openai/gpt-4o-mini", "deepseek/deepseek-v3.2"
PLAIN = ["--progress", "plain", "--no-report"]


def _code(args: list[str]) -> int:
    return int(main(args))


@pytest.fixture
def items(tmp_path: Path) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"q{i}", "question": f"{i} + 1?", "answer": str(i + 1)}) + "\n"
            for i in range(6)
        )
    )
    return path


def _spec(tmp_path: Path, items: Path, *, top: str = "", tables: str = "") -> Path:
    path = tmp_path / "spec.toml"
    path.write_text(
        f'name = "demo"\ndataset = "{items}"\nmodels = ["{A}"]\nendpoint = "sim"\n'
        f'out = "{tmp_path / "runs"}"\ncache = false\n{top}'
        '[prompt]\ntemplate = "{{ question }}"\n[params]\nmax_tokens = 8\n'
        "[sim]\ntime_scale = 0.0\n" + tables
    )
    return path


def _only_run(tmp_path: Path) -> Path:
    (run_dir,) = (tmp_path / "runs").iterdir()
    return run_dir


def _progress_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if re.search(r"\d+%", line)]


# ------------------------------------------------------------------------------ the name


def test_resume_shows_the_run_s_name_not_orkit(
    tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _spec(tmp_path, items, top="budget_usd = 0.00001\n")  # left for a resume
    assert _code(["run", str(spec), *PLAIN, "-q"]) == ExitCode.INCOMPLETE
    capsys.readouterr()
    assert _code(["resume", str(_only_run(tmp_path)), "--budget", "1", *PLAIN]) == 0
    lines = _progress_lines(capsys.readouterr().err)
    assert lines and all(line.startswith("demo ") for line in lines), lines


@pytest.mark.integration
def test_a_flags_only_run_is_named_after_its_dataset(
    tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["run", "--dataset", str(items), "-m", A, "--prompt", "{{ question }}"]
    argv += ["--endpoint", "sim", "--out", str(tmp_path / "runs"), "--no-estimate", *PLAIN]
    assert _code(argv) == 0
    lines = _progress_lines(capsys.readouterr().err)
    assert lines and all(line.startswith("q.jsonl ") for line in lines), lines


# ------------------------------------------------------------------------------ a retry


@pytest.fixture
def failed_run(tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The new user's run: every task answered 400 by the emulator."""
    spec = _spec(tmp_path, items, tables='[sim.faults]\nstatus = {"400" = 1.0}\n')
    assert _code(["run", str(spec), "-q", "--no-report"]) == ExitCode.ALL_TASKS_FAILED
    capsys.readouterr()
    return _only_run(tmp_path)


def test_a_retry_says_what_it_did_in_its_own_time_under_the_run_s_name(
    failed_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # every task failed again, and the run still has no answer: the "every task failed" code
    assert _code(["retry", str(failed_run), "--errors", *PLAIN]) == ExitCode.ALL_TASKS_FAILED
    out, err = capsys.readouterr()
    manifest = json.loads((failed_run / "manifest.json").read_text())
    retry = manifest["executions"][-1]
    assert retry["kind"] == "retry" and (retry["tasks"], retry["ok"], retry["errors"]) == (6, 0, 6)
    assert f"retried 6 tasks: 0 ok, 6 failed again in {retry['wall_s']:.1f} s\n" in out
    lines = _progress_lines(err)
    assert lines and all(line.startswith("demo ") for line in lines), lines


def test_a_retry_that_gets_answers_says_so_and_exits_0(
    tmp_path: Path, items: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """The server failed every request, then was fixed: the retry answers all of them."""
    monkeypatch.setenv("OPENROUTER_API_KEY", SIM_API_KEY)
    faults = FaultProfile(status={400: 1.0})
    with serve_in_thread(SimConfig(time_scale=0.0, faults=faults)) as url:
        argv = ["run", str(_spec(tmp_path, items)), "--endpoint", url, "-q", "--no-report"]
        assert _code(argv) == ExitCode.ALL_TASKS_FAILED
    capsys.readouterr()
    run_dir = _only_run(tmp_path)
    # that server is gone; a fixed one takes its place (the run's endpoint, edited)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    with serve_in_thread(SimConfig(time_scale=0.0)) as fixed:
        manifest["spec"]["endpoint"] = fixed
        (run_dir / "manifest.json").write_text(json.dumps(manifest))
        assert _code(["retry", str(run_dir), "--errors", *PLAIN]) == ExitCode.OK
    out = capsys.readouterr().out
    assert re.search(r"^retried 6 tasks: 6 ok, 0 failed again in \d+\.\d s$", out, re.M), out


# ------------------------------------------------------------------- nothing to do


def test_resume_and_retry_of_a_finished_run_say_there_is_nothing_to_do(
    tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _code(["run", str(_spec(tmp_path, items)), "-q", "--no-report"]) == 0
    capsys.readouterr()
    run_dir = _only_run(tmp_path)
    before = (run_dir / "manifest.json").read_text()

    assert _code(["resume", str(run_dir), *PLAIN]) == ExitCode.OK
    out, err = capsys.readouterr()
    assert out == f"nothing to resume: every task of {run_dir} has a row\n"
    assert err == ""  # no `100% 0/0` bar

    assert _code(["retry", str(run_dir), "--errors", *PLAIN]) == ExitCode.OK
    out, err = capsys.readouterr()
    assert out == f"nothing to retry: {run_dir} has no error rows\n"
    assert err == ""
    assert (run_dir / "manifest.json").read_text() == before  # nothing was touched


def test_resume_of_a_run_killed_while_writing_its_report_writes_the_report(
    tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A kill during the end-of-run writes can leave every row journaled and no report (it
    # is written to a temporary file and renamed): the resume has nothing to send but
    # finishes the job. One that finds the report in place leaves it alone.
    report = tmp_path / "r.html"
    assert _code(["run", str(_spec(tmp_path, items)), "-q", "--no-report"]) == 0
    capsys.readouterr()
    run_dir = _only_run(tmp_path)

    resume = ["resume", str(run_dir), "--progress", "plain", "--report", str(report)]
    assert _code(resume) == ExitCode.OK
    out = capsys.readouterr().out
    assert out == (
        f"nothing to resume: every task of {run_dir} has a row\nreport:        {report}\n"
    )
    assert "<html" in report.read_text()

    report.write_text("kept")
    assert _code(resume) == ExitCode.OK
    assert capsys.readouterr().out == f"nothing to resume: every task of {run_dir} has a row\n"
    assert report.read_text() == "kept"


def test_resume_of_a_finished_run_with_errors_points_at_retry(
    failed_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _code(["resume", str(failed_run), *PLAIN]) == ExitCode.OK
    out, err = capsys.readouterr()
    assert out == (
        f"nothing to resume: every task of {failed_run} has a row (6 failed: "
        f"orkit retry --errors {failed_run} sends them again)\n"
    )
    assert err == ""


# ------------------------------------------------------------- a run the budget stopped


def test_an_incomplete_run_says_how_many_tasks_are_done_of_how_many(
    tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _spec(tmp_path, items, top="budget_usd = 0.00001\n")
    assert _code(["run", str(spec), "--no-report", "--progress", "none"]) == ExitCode.INCOMPLETE
    out = capsys.readouterr().out
    manifest = json.loads((_only_run(tmp_path) / "manifest.json").read_text())
    skipped = manifest["totals"]["all"]["skipped_budget"]
    assert 0 < skipped < 6
    assert f"incomplete: {6 - skipped} of 6 tasks done ({skipped} skipped by the budget), " in out


def test_the_counts_of_a_run_left_for_later() -> None:
    totals = {"tasks": 1500, "ok": 1020, "errors": 0, "skipped_budget": 480, "cached": 0}
    assert (
        run_counts(totals, 1500)
        == "1,020 of 1,500 tasks done (480 skipped by the budget), 0 errors"
    )
    totals = {"tasks": 1500, "ok": 1000, "errors": 0, "deferred": 500, "cached": 300}
    assert run_counts(totals, 1500) == (
        "1,000 of 1,500 tasks done (300 cached, $0; 500 deferred to the quota reset), 0 errors"
    )
    # a cancelled run: fewer rows than tasks
    cancelled = {"tasks": 722, "ok": 722, "errors": 0, "cost_usd": 0.0148}
    manifest = Manifest(run_id="r", status="cancelled", tasks=1500, totals={"all": cancelled})
    line = completion_line(manifest)
    assert line.startswith("cancelled: 722 of 1,500 tasks done, 0 errors, $0.0148 in ")
    # a finished run reads as it always did
    assert run_counts({"tasks": 12, "ok": 12, "errors": 0}, 12) == "12 tasks, 0 errors"


# --------------------------------------------------------------- a signal to `orkit run`


@pytest.fixture
def slow_sim() -> Iterator[str]:
    """One model answers; the other waits out a 2,500 s Retry-After: the run cannot end
    before the signal, whatever the machine's speed."""
    faults = FaultProfile(status={429: 1.0}, retry_after_s=2_500.0, models=(B,))
    with serve_in_thread(SimConfig(time_scale=0.0, seed=4, faults=faults)) as url:
        yield url


@pytest.mark.integration
@pytest.mark.subprocess
@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_ends_the_progress_line_cancelled_then_the_hint(
    tmp_path: Path, items: Path, slow_sim: str, sig: signal.Signals
) -> None:
    spec = _spec(tmp_path, items, top=f'models = ["{A}", "{B}"]\ntask_timeout_s = 0\n')
    spec.write_text(spec.read_text().replace(f'models = ["{A}"]\n', "", 1))

    def default_sigint() -> None:  # a test runner may start us with SIGINT ignored
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    proc = subprocess.Popen(
        [sys.executable, "-m", "orkit", "run", str(spec), "--endpoint", slow_sim, *PLAIN],
        env={**os.environ, "OPENROUTER_API_KEY": SIM_API_KEY},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=default_sigint,
    )
    deadline = time.monotonic() + 60  # bounded: the run must get going
    while journal_rows(tmp_path / "runs") < 1 and proc.poll() is None:
        assert time.monotonic() < deadline, "the run never wrote a row"
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.INTERRUPTED, err
    lines = [line for line in err.splitlines() if line.strip()]
    run_dir = _only_run(tmp_path)
    assert lines[-1] == f"orkit: interrupted; resume with: orkit resume {run_dir}"
    progress = _progress_lines(err)
    assert progress[-1].startswith("demo ") and "cancelled in" in progress[-1], progress
    assert not any("failed" in line for line in progress)
