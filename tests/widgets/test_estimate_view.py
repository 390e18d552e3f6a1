"""`EstimateView`: toggles move the totals and verdict (read from the widgets' model values),
and the run button runs the sweep on the ticked models, on the emulator."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from orkit.cost import Estimate, LineEstimate
from orkit.widgets import EstimateView

from .conftest import MODELS, small_sweep


def _estimate() -> Estimate:
    def line(model: str, requests: int, cost: float, duration: float) -> LineEstimate:
        return LineEstimate(
            model=model,
            role="model",
            requests=requests,
            cache_hits=0,
            prompt_tokens=requests,
            completion_tokens=requests,
            cost_low_usd=cost / 2,
            cost_expected_usd=cost,
            cost_high_usd=2 * cost,
            duration_s=duration,
        )

    return Estimate(
        lines=[line("a/<x>", 10, 1.0, 30.0), line("b/y", 10, 4.0, 7200.0)],
        duration_s=7200.0,
        budget_usd=3.0,
        prices="test prices",
    )


def test_toggles_update_the_totals_and_the_verdict() -> None:
    view = EstimateView(_estimate())
    assert list(view.checkboxes) == ["a/<x>", "b/y"]
    assert all(box.value for box in view.checkboxes.values())
    assert "$5.00" in view.totals.value and "$10.00" in view.totals.value
    assert "exceeds" in view.totals.value and "2.0 h" in view.totals.value
    assert view.run_button.disabled  # no sweep given: nothing to run
    view.checkboxes["b/y"].value = False
    assert view.ticked == ["a/<x>"]
    assert "$1.00" in view.totals.value and "$2.00" in view.totals.value
    assert "fits" in view.totals.value and "30 s" in view.totals.value
    assert view.selected.verdict == "fits"
    view.checkboxes["b/y"].value = True
    assert view.selected.verdict == "exceeds"


def test_a_notebook_shows_it_as_its_widget() -> None:
    view = EstimateView(_estimate())
    shown = view._repr_mimebundle_()["application/vnd.jupyter.widget-view+json"]
    assert shown["model_id"] == view.widget.model_id


def test_the_table_is_escaped() -> None:
    view = EstimateView(_estimate())
    assert "a/&lt;x&gt;" in view.table.value
    assert "<x>" not in view.table.value


def test_the_run_button_runs_the_ticked_models(tmp_path: Path) -> None:
    seen_disabled: list[bool] = []
    view: Any = None

    def watch(output: str) -> float:
        # runs during the run (a scorer): the button must be disabled then
        seen_disabled.append(bool(view.run_button.disabled))
        return 1.0

    sweep = small_sweep(tmp_path / "runs", scorers=[watch])
    view = EstimateView(sweep.estimate(), sweep, progress=False)
    assert not view.run_button.disabled
    view.checkboxes[MODELS[1]].value = False
    view.run_button.click()  # starts the run in the background and returns
    handle = view.handle
    assert handle is not None
    ended = threading.Event()
    handle.when_done(lambda _handle: ended.set())  # after the view's own callback
    assert ended.wait(120)
    run = view.last_run
    assert run is not None and run.path == handle.path
    assert seen_disabled and all(seen_disabled)
    assert not view.run_button.disabled
    assert str(run.path) in view.status.value and run.status in view.status.value
    rows = run.to_pandas()
    assert set(rows["model"]) == {MODELS[0]}
    assert len(rows) == 6
    # the run kept the estimate of what it ran, not the one of both models
    kept = run.manifest.estimate or {}
    assert [line["model"] for line in kept["lines"]] == [MODELS[0]]


def test_no_model_ticked_disables_the_button(tmp_path: Path) -> None:
    sweep = small_sweep(tmp_path / "runs")
    view = EstimateView(_estimate_for(sweep), sweep, progress=False)
    for box in view.checkboxes.values():
        box.value = False
    assert view.run_button.disabled
    assert view.run() is None
    assert "tick at least one model" in view.status.value
    assert not (tmp_path / "runs").exists()  # nothing ran
    view.checkboxes[MODELS[0]].value = True
    assert not view.run_button.disabled


def _estimate_for(sweep: Any) -> Estimate:
    estimate: Estimate = sweep.estimate(offline=True)
    assert [line.model for line in estimate.lines] == MODELS
    return estimate
