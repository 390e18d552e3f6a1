"""What the progress display and the Python API say when a run is stopped or continued: a
Ctrl-C is `cancelled` (never `failed`) with the run's path and how to resume it, printed
once; the display names the run as `orkit runs` does, however it was started; a finished
run resumed draws no `0/0` bar.

Nothing here waits on the wall clock: a request is held until the test cancels it, and a
run that must be interrupted cannot end by itself (its second model waits out a 2,500 s
Retry-After)."""

from __future__ import annotations

import io
import json
import re
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from orkit import Sweep, resume
from orkit.api import RunInterrupted
from orkit.progress import ConsoleProgress
from orkit.results import Manifest, RunDir, run_name, shown_name
from orkit.sim import SIM_API_KEY, FaultProfile, SimConfig, serve_in_thread
from orkit.types import ChatRequest, ChatResponse

from .engine_runs import execute_one

A, STUCK = "openai/gpt-4o-mini", "deepseek/deepseek-v3.2"


def items(tmp_path: Path, n: int = 6) -> Path:
    path = tmp_path / "items.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"q{i}", "q": f"{i} + 1?", "a": str(i + 1)}) + "\n" for i in range(n)
        )
    )
    return path


# ------------------------------------------------------------------- cancelled, not failed


def test_a_cancelled_run_ends_its_line_cancelled_not_failed(tmp_path: Path) -> None:
    """The new user's `demo 88% 1,321/1,500 … failed in 4s` after a Ctrl-C."""
    sweep = Sweep(dataset=str(items(tmp_path, 1)), prompt="{{ q }}", models=["a/x"])
    out = io.StringIO()
    progress = ConsoleProgress(name="demo", stream=out, redraw=False, env={})
    held = anyio.Event()

    class Held:
        async def complete(self, request: ChatRequest) -> ChatResponse:
            held.set()
            await anyio.sleep_forever()
            raise AssertionError("unreachable")

    async def go() -> None:
        run = RunDir.create(tmp_path / "runs", "r")

        async def run_it() -> None:
            await execute_one(Held(), sweep, run, observer=progress)

        async with anyio.create_task_group() as tg:
            tg.start_soon(run_it)
            await held.wait()  # the request is in flight: stop the run as Ctrl-C does
            tg.cancel_scope.cancel()

    anyio.run(go)
    last = out.getvalue().splitlines()[-1]
    assert "cancelled in" in last and "failed" not in last, last


# ------------------------------------------------------------- Ctrl-C in sweep.run()


@pytest.fixture
def half_stuck_sim() -> Iterator[str]:
    """Model A answers; STUCK answers every request with a 429 and a Retry-After of 2,500 s,
    which the run waits out: the run cannot end until it is interrupted."""
    faults = FaultProfile(status={429: 1.0}, retry_after_s=2_500.0, models=(STUCK,))
    with serve_in_thread(SimConfig(time_scale=0.0, seed=4, faults=faults)) as url:
        yield url


class CtrlC:
    """A scorer that presses Ctrl-C (SIGINT to the main thread, which waits in `run()`)
    when the first answer is scored."""

    def __init__(self) -> None:
        self.main = threading.main_thread().ident
        self.sent = False

    def __call__(self, output: str) -> float:
        if not self.sent:
            self.sent = True
            assert self.main is not None
            signal.pthread_kill(self.main, signal.SIGINT)
        return 1.0


@pytest.fixture
def ctrl_c_raises(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt, as in a script (a test runner may ignore it)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    monkeypatch.setenv("OPENROUTER_API_KEY", SIM_API_KEY)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def test_ctrl_c_in_sweep_run_says_cancelled_where_the_run_is_and_how_to_resume_once(
    tmp_path: Path, half_stuck_sim: str, ctrl_c_raises: None, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = Sweep(
        name="demo",
        dataset=str(items(tmp_path)),
        prompt="{{ q }}",
        models=[A, STUCK],
        endpoint=half_stuck_sim,
        scorers=[CtrlC()],
        concurrency=2,  # model A has a slot of its own while STUCK waits
        cache=False,
        task_timeout_s=0,
        out=tmp_path / "runs",
    )
    with pytest.raises(RunInterrupted) as caught:
        sweep.run(progress="plain")
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert caught.value.run_dir == str(run_dir)
    assert isinstance(caught.value, KeyboardInterrupt)  # a script still stops, as on Ctrl-C
    assert json.loads((run_dir / "manifest.json").read_text())["status"] == "cancelled"

    err = capsys.readouterr().err
    progress = [line for line in err.splitlines() if line.startswith("demo ")]
    assert "cancelled in" in progress[-1] and "failed" not in progress[-1]
    (hint,) = [line for line in err.splitlines() if "resume" in line]  # printed once
    assert hint == (
        f"orkit: run cancelled; its rows so far are in {run_dir}; resume with "
        f"orkit.resume({str(run_dir)!r}) or: orkit resume {run_dir}"
    )
    assert "Traceback" not in err
    assert str(caught.value) == str(run_dir)  # the traceback's last line does not repeat it


# ------------------------------------------------------------------------- the run's name


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        ({"name": "demo", "spec_path": "/p/sweep.toml"}, "demo"),
        ({"spec_path": "/p/sweep.toml", "dataset": {"path": "/p/q.jsonl"}}, "sweep.toml"),
        ({"spec_path": None, "dataset": {"path": "/p/q.jsonl"}}, "q.jsonl"),
        ({"dataset": {"path": None}}, None),
    ],
)
def test_a_run_s_shown_name(manifest: dict[str, Any], expected: str | None) -> None:
    assert shown_name(Manifest.from_dict(manifest)) == expected
    assert run_name(None, None, [{"q": "a DataFrame has no file name"}]) is None


def test_python_runs_and_resumes_show_the_run_s_name_not_orkit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`orkit 0% 0/179` on resume, and on a run started from Python without a name."""
    sweep = Sweep(
        dataset=str(items(tmp_path)),
        prompt="{{ q }}",
        models=[A],
        endpoint="sim",
        sim={"time_scale": 0.0},
        budget_usd=0.00001,  # almost nothing goes: the run is left for a resume
        cache=False,
        out=tmp_path / "runs",
    )
    run = sweep.run(progress="plain")
    assert run.status == "incomplete"
    ran = capsys.readouterr().err.splitlines()
    assert ran and all(line.startswith("items.jsonl ") for line in ran if "%" in line)

    resumed = resume(run.path, budget_usd=1.0, progress="plain")
    assert resumed.status == "completed"
    lines = [line for line in capsys.readouterr().err.splitlines() if "%" in line]
    assert lines and all(line.startswith("items.jsonl ") for line in lines), lines


def test_resuming_a_finished_run_from_python_draws_no_bar_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = Sweep(
        dataset=str(items(tmp_path)),
        prompt="{{ q }}",
        models=[A],
        endpoint="sim",
        sim={"time_scale": 0.0},
        out=tmp_path / "runs",
    )
    run = sweep.run(progress=False)
    before = (run.path / "manifest.json").read_text()
    again = resume(run.path, progress="plain")
    assert again.status == "completed"
    err = capsys.readouterr().err
    assert not re.search(r"\d+/\d+", err), err  # no `100% 0/0`
    assert err == f"orkit: nothing to resume: every task of {run.path} has a row\n"
    assert (run.path / "manifest.json").read_text() == before  # nothing touched


def test_ctrl_c_in_orkit_resume_prints_the_hint_once_and_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C lands where `resume()` waits: on orkit's loop thread (`run_sync`)."""
    import orkit.api._resume

    run = Sweep(
        dataset=str(items(tmp_path)),
        prompt="{{ q }}",
        models=[A],
        endpoint="sim",
        sim={"time_scale": 0.0},
        out=tmp_path / "runs",
    ).run(progress=False)

    def pressed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(orkit.api._resume, "run_sync", pressed)
    with pytest.raises(RunInterrupted) as caught:
        resume(run.path, progress=False)
    assert caught.value.run_dir == str(run.path)
    err = capsys.readouterr().err
    assert err.count("resume with") == 1 and f"orkit.resume({str(run.path)!r})" in err


def test_the_notebook_bar_says_how_the_run_ended() -> None:
    from orkit.batch._totals import RunTotals
    from orkit.progress import TqdmObserver

    out = io.StringIO()
    bar = TqdmObserver(desc="demo", file=out)
    bar.on_start(10, "r")
    bar.on_finish(RunTotals(), "cancelled")
    assert "demo (cancelled)" in out.getvalue()
