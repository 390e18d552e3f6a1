"""The engine's GC freeze (`EngineOptions.freeze_gc`): objects older than the lanes are
frozen while they run, and the process's collector is left exactly as it was found
(enabled or not, thresholds, frozen count), whatever the run does and whoever froze first."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from orkit import Sweep
from orkit._clock import FakeClock
from orkit.api import run_sweep_async
from orkit.batch._gc import GcFreeze
from orkit.results import RunDir
from orkit.router import RouterOptions
from orkit.types import ChatRequest

from .scripted_engine import Bench, ScriptedCompleter, make_tasks

GcState = tuple[bool, tuple[int, ...], int]


def gc_state() -> GcState:
    return gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()


@pytest.fixture
def unusual_gc() -> Iterator[GcState]:
    """A process that set its collector up its own way (off, other thresholds): a run must
    not 'restore' it to the defaults either. Put back after the test."""
    enabled, thresholds = gc.isenabled(), gc.get_threshold()
    gc.disable()
    gc.set_threshold(1234, 11, 12)
    try:
        yield gc_state()
    finally:
        gc.set_threshold(*thresholds)
        if enabled:
            gc.enable()


def test_frozen_for_the_block_only() -> None:
    assert gc.get_freeze_count() == 0
    with GcFreeze():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_off_it_does_nothing() -> None:
    with GcFreeze(enabled=False):
        assert gc.get_freeze_count() == 0


def test_unfrozen_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError), GcFreeze():
        raise RuntimeError("boom")
    assert gc.get_freeze_count() == 0


def test_a_freeze_made_by_the_process_itself_is_left_alone() -> None:
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with GcFreeze():
            assert gc.get_freeze_count() == before  # nothing more frozen
        assert gc.get_freeze_count() == before  # and not undone
    finally:
        gc.unfreeze()


def test_overlapping_runs_each_undo_only_their_own_freeze() -> None:
    # Two runs in one notebook, the first ending before the second: no module-level count,
    # and nothing left frozen whatever the order.
    first, second = GcFreeze(), GcFreeze()
    first.__enter__()
    frozen = gc.get_freeze_count()
    second.__enter__()
    assert gc.get_freeze_count() == frozen  # the second found a freeze and left it
    first.__exit__(None, None, None)
    assert gc.get_freeze_count() == 0
    second.__exit__(None, None, None)
    assert gc.get_freeze_count() == 0


async def _freeze_counts_during_a_run(tmp_path: Path, *, freeze_gc: bool) -> list[int]:
    seen: list[int] = []

    def look(request: ChatRequest) -> None:
        seen.append(gc.get_freeze_count())

    completer = ScriptedCompleter(FakeClock(), on_answer=look)
    bench = Bench(RunDir.create(tmp_path / "runs", "r1"), completer, RouterOptions(seed=1))
    try:
        await bench.execute([make_tasks("a/x", 5)], freeze_gc=freeze_gc)
    finally:
        bench.close()
    return seen


async def test_the_engine_freezes_while_its_lanes_run_and_leaves_the_collector_as_found(
    tmp_path: Path, unusual_gc: GcState
) -> None:
    seen = await _freeze_counts_during_a_run(tmp_path, freeze_gc=True)
    assert len(seen) == 5 and min(seen) > 0
    assert gc_state() == unusual_gc


async def test_with_freeze_gc_off_the_engine_never_touches_the_collector(
    tmp_path: Path, unusual_gc: GcState
) -> None:
    seen = await _freeze_counts_during_a_run(tmp_path, freeze_gc=False)
    assert seen == [0] * 5
    assert gc_state() == unusual_gc


def test_a_whole_run_leaves_the_collector_as_it_found_it(tmp_path: Path) -> None:
    before = gc_state()
    sweep = Sweep(
        dataset=[{"q": "a"}, {"q": "b"}],
        models=["openai/gpt-4o-mini"],
        prompt="{{ q }}",
        endpoint="sim",
        sim={"time_scale": 0.0},
        out=str(tmp_path / "runs"),
    )
    anyio.run(lambda: run_sweep_async(sweep))
    assert gc_state() == before
