"""Objects older than a run are frozen for it (full collections skip them) and unfrozen
after, even when runs nest or fail."""

from __future__ import annotations

import gc

import pytest

from orkit.batch._gc import older_objects_frozen


def test_frozen_for_the_block_only_and_nested_blocks_share_it() -> None:
    assert gc.get_freeze_count() == 0
    with older_objects_frozen():
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with older_objects_frozen():
            assert gc.get_freeze_count() == frozen  # no second freeze
        assert gc.get_freeze_count() == frozen  # the inner block leaves it frozen
    assert gc.get_freeze_count() == 0


def test_a_freeze_made_by_the_process_itself_is_left_alone() -> None:
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with older_objects_frozen():
            pass
        assert gc.get_freeze_count() == before  # not undone
    finally:
        gc.unfreeze()


def test_unfrozen_when_the_run_fails() -> None:
    with pytest.raises(RuntimeError), older_objects_frozen():
        raise RuntimeError("boom")
    assert gc.get_freeze_count() == 0


def test_a_run_is_frozen_while_it_runs_and_leaves_nothing_frozen(tmp_path) -> None:
    import anyio

    from orkit import Sweep
    from orkit.api import run_sweep_async

    seen: list[int] = []

    class Watch:
        def on_start(self, *args: object) -> None:
            seen.append(gc.get_freeze_count())

        def on_row(self, *args: object) -> None:
            pass

        def on_finish(self, *args: object) -> None:
            pass

    sweep = Sweep(
        dataset=[{"q": "a"}, {"q": "b"}],
        models=["openai/gpt-4o-mini"],
        prompt="{{ q }}",
        endpoint="sim",
        sim={"time_scale": 0.0},
        out=str(tmp_path / "runs"),
    )
    anyio.run(lambda: run_sweep_async(sweep, observer=Watch()))
    assert seen and seen[0] > 0
    assert gc.get_freeze_count() == 0
