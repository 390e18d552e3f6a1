"""`Sweep.start()`: a run in the background with a handle — its progress and rows while it
goes, a cancel that leaves it resumable (the rows kept, nothing sent twice), `wait()` for the
`Run`. And `run()` / `run_async()` inside a running event loop.

Nothing races the wall clock: the emulator's chat requests wait at a gate the test opens
(`GatedChat`), so the run is exactly where the test put it; waiting for the run to get
there polls the handle with a generous bound that only a broken run reaches."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import httpx
import pytest

import orkit
from orkit.api import RunHandle, RunInterrupted, RunProgress, Sweep
from orkit.sim import SIM_API_KEY, SimConfig, create_app, serve_in_thread

from .gated_sim import GatedChat

A, B = "openai/gpt-4o-mini", "deepseek/deepseek-v3.2"
ITEMS = 6
TASKS = 2 * ITEMS
BOUND_S = 120.0
"""How long a test waits for a run to reach a state before it fails: never reached by a run
that works, however busy the machine."""


def until(what: Callable[[], bool], message: str) -> None:
    """Poll `what` (a cheap read of the handle) until it holds; fail after `BOUND_S`."""
    deadline = time.monotonic() + BOUND_S
    while not what():
        assert time.monotonic() < deadline, message
        time.sleep(0.01)


def items(tmp_path: Path, n: int = ITEMS) -> Path:
    path = tmp_path / "items.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"q{i}", "q": f"{i} + 1?", "a": str(i + 1)}) + "\n" for i in range(n)
        )
    )
    return path


@pytest.fixture
def gate() -> Iterator[tuple[str, GatedChat]]:
    gated = GatedChat(create_app(SimConfig(time_scale=0.0, seed=3)), allowed=3)
    with serve_in_thread(app=gated) as url:
        try:
            yield url, gated
        finally:
            gated.drop_held()  # nothing stays parked in the server thread


def gated_sweep(tmp_path: Path, url: str) -> Sweep:
    return Sweep(
        name="handles",
        dataset=str(items(tmp_path)),
        prompt="{{ q }}",
        models=[A, B],
        endpoint=url,
        scorers=[orkit.scorers.exact("a")],
        cache=False,
        task_timeout_s=0,  # a request parked at the gate is not a slow one
        read_timeout_s=3_600,
        out=tmp_path / "runs",
    )


def sim_requests(url: str) -> int:
    return int(httpx.get(url.rsplit("/api/v1", 1)[0] + "/_sim/stats").json()["requests"])


def test_start_progress_results_cancel_wait_then_resume_finishes_it(
    tmp_path: Path, gate: tuple[str, GatedChat]
) -> None:
    url, gated = gate
    handle = gated_sweep(tmp_path, url).start(api_key=SIM_API_KEY, progress=False)
    assert isinstance(handle, RunHandle)

    until(lambda: handle.progress.done == 3, "the three requests let through became rows")
    until(lambda: handle.progress.in_flight > 0, "the parked requests show as in flight")
    progress = handle.progress
    assert isinstance(progress, RunProgress)
    assert (progress.status, progress.total, progress.ok, progress.errors) == (
        "running",
        TASKS,
        3,
        0,
    )
    assert progress.spend_usd is not None and progress.spend_usd > 0
    assert progress.elapsed_s > 0 and progress.tasks_per_s is not None
    assert progress.fraction == pytest.approx(3 / TASKS)
    first = handle.results()
    assert len(first) == 3 and first["task_key"].is_unique  # landed: journal and parts
    assert not handle.done  # parked at the gate

    gated.let_through(2)
    until(lambda: handle.progress.done == 5, "two more rows")
    grown = handle.results()
    assert len(grown) == 5 and set(first["task_key"]) < set(grown["task_key"])

    handle.cancel()
    run = handle.wait()
    assert handle.progress.status == "cancelled" and run.status == "cancelled"
    assert run.path == handle.path
    assert handle.progress.status == "cancelled" and handle.progress.in_flight == 0
    kept = run.to_pandas()
    assert len(kept) == 5 and set(kept["task_key"]) == set(grown["task_key"])
    handle.cancel()  # after the end: nothing happens
    assert sim_requests(url) == 5  # the parked requests never reached the emulator

    gated.drop_held()  # the cancelled run's parked requests go; new ones pass
    done = orkit.resume(run.path, api_key=SIM_API_KEY, progress=False)
    assert done.status == "completed"
    rows = done.to_pandas()
    assert len(rows) == TASKS and rows["task_key"].is_unique
    assert (rows["status"] == "ok").all()
    assert sim_requests(url) == TASKS  # every task sent once: nothing billed twice


def test_wait_with_a_timeout_and_cancel_from_another_thread(
    tmp_path: Path, gate: tuple[str, GatedChat]
) -> None:
    url, gated = gate
    gated.allowed = 0  # nothing answers: the run cannot end by itself
    handle = gated_sweep(tmp_path, url).start(api_key=SIM_API_KEY, progress=False)
    until(lambda: handle.progress.status == "running", "the run began")
    with pytest.raises(TimeoutError):
        handle.wait(timeout=0)
    # a widget's callback runs on another thread than the one that started the run
    pressed = threading.Thread(target=handle.cancel)
    pressed.start()
    pressed.join()
    run = handle.wait()
    assert run.status == "cancelled" and len(run.to_pandas()) == 0
    assert run.manifest.resume_with is not None


def test_a_run_cancelled_before_it_begins_sent_nothing(tmp_path: Path) -> None:
    sweep = Sweep(
        dataset=str(items(tmp_path)),
        prompt="{{ q }}",
        models=[A],
        endpoint="sim",
        sim={"time_scale": 0.0},
        out=tmp_path / "runs",
    )
    handle = sweep.start(progress=False)
    handle.cancel()  # reaches the loop before the run's first request can end
    try:
        run = handle.wait()
    except RunInterrupted as caught:  # before its directory was made
        assert caught.run_dir is None and not (handle.path / "manifest.json").exists()
    else:  # it had begun: a cancelled run, resumable
        assert run.status == "cancelled"


def test_bad_input_raises_at_start_and_nothing_runs(tmp_path: Path) -> None:
    sweep = Sweep(
        dataset=str(tmp_path / "missing.jsonl"),
        prompt="{{ q }}",
        models=[A],
        endpoint="sim",
        out=tmp_path / "runs",
    )
    with pytest.raises(orkit.errors.ConfigError, match=r"missing\.jsonl"):
        sweep.start(progress=False)
    assert not (tmp_path / "runs").exists()


def sim_sweep(tmp_path: Path) -> Sweep:
    return Sweep(
        dataset=str(items(tmp_path)),
        prompt="{{ q }}",
        models=[A],
        endpoint="sim",
        sim={"time_scale": 0.0},
        scorers=[orkit.scorers.exact("a")],
        out=tmp_path / "runs",
    )


def test_run_start_and_run_async_inside_a_running_event_loop(tmp_path: Path) -> None:
    sweep = sim_sweep(tmp_path)

    async def notebook_cell() -> tuple[str, str, str]:
        blocking = sweep.run(progress=False)  # orkit's own loop thread: this one is untouched
        handle = sweep.start(progress=False)
        started = handle.wait()
        awaited = await sweep.run_async(progress=False)
        return blocking.status, started.status, awaited.status

    assert anyio.run(notebook_cell) == ("completed", "completed", "completed")
    runs = sorted((tmp_path / "runs").iterdir())
    assert len(runs) == 3
    assert all(len(orkit.open_run(r).to_pandas()) == ITEMS for r in runs)


def test_a_finished_handle_reads_what_the_run_reads(tmp_path: Path) -> None:
    handle = sim_sweep(tmp_path).start(progress=False)
    run = handle.wait()
    assert handle.done and handle.progress.status == "completed"
    assert handle.progress.done == ITEMS == handle.progress.ok
    landed, stored = handle.results(), run.to_pandas()
    assert list(landed["task_key"]) == list(stored["task_key"])
    assert dict(landed.dtypes) == dict(stored.dtypes)
    assert "completed" in repr(handle) and f"{ITEMS}/{ITEMS}" in repr(handle)


def test_the_display_still_draws_beside_the_handle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handle = sim_sweep(tmp_path).start(progress="plain")
    assert handle.wait().status == "completed"
    lines = [line for line in capsys.readouterr().err.splitlines() if "%" in line]
    assert lines and f"{ITEMS}/{ITEMS}" in lines[-1]


def test_the_loop_thread_is_released_when_the_run_ends(tmp_path: Path) -> None:
    """A handle holds orkit's loop thread while its run goes, and only then (no thread
    outlives the calls that need it)."""
    from orkit import _portal

    handle = sim_sweep(tmp_path).start(progress=False)
    handle.wait()
    until(lambda: _portal._PROVIDER._leases == 0, "the handle's lease is given back")
    assert _portal._PROVIDER._portal_cm is None  # the loop stopped with it


def test_when_done_calls_back_after_the_end_and_at_once_once_ended(tmp_path: Path) -> None:
    handle = sim_sweep(tmp_path).start(progress=False)
    seen: list[tuple[str, bool]] = []
    ended = threading.Event()

    def note(h: RunHandle) -> None:
        seen.append((h.progress.status, h.done))
        ended.set()

    handle.when_done(note)
    assert ended.wait(BOUND_S)
    assert seen == [("completed", True)]
    handle.when_done(note)  # already ended: called at once, in this thread
    assert seen == [("completed", True)] * 2
