"""`EstimateView`: an estimate in a notebook, its models as toggles whose totals follow, and a
button that starts the sweep on the models still ticked, its dashboard below the button."""

from __future__ import annotations

import dataclasses
from html import escape
from typing import Any

from orkit._format import usd
from orkit.api import Run, RunHandle, Sweep
from orkit.cost import Estimate, format_duration
from orkit.progress import ipywidgets
from orkit.widgets._totals import SelectedTotals, selected_totals

__all__ = ["EstimateView"]


class EstimateView:
    """`EstimateView(sweep.estimate(), sweep)`: the estimate's lines as a table with a
    checkbox per model, the totals and budget verdict of the ticked models (recomputed from
    the lines, not estimated again), and a "run" button that starts `sweep` on them in the
    background (`start`): the kernel stays free, the run's dashboard (with its cancel
    button) appears below, measured against this estimate, and `handle` is the run's
    handle. The button is disabled while the run goes; the run directory is shown after.
    Without `sweep` there is no button.

    The ipywidgets are attributes (`checkboxes`, `totals`, `run_button`, `status`, `output`
    where the dashboard goes; the whole is `widget`) so a notebook can arrange them, and
    tests read their state."""

    def __init__(
        self, estimate: Estimate, sweep: Sweep | None = None, *, progress: bool | str = True
    ) -> None:
        w = ipywidgets()
        self.estimate, self.sweep, self.progress = estimate, sweep, progress
        self.handle: RunHandle | None = None
        """The handle of the run the button started last."""
        self._running = False
        models = [line.model for line in estimate.lines if line.role == "model"]
        self.checkboxes = {
            model: w.Checkbox(value=True, description=model, indent=False) for model in models
        }
        for box in self.checkboxes.values():
            box.observe(self._update, names="value")
        self.table = w.HTML(_lines_table(estimate))
        self.totals = w.HTML()
        self.run_button = w.Button(description="run", icon="play", disabled=sweep is None)
        self.run_button.on_click(lambda _button: self.start())
        self.status = w.HTML("" if sweep else "pass the sweep to run it from here")
        # A button's callback runs outside any cell: what it displays (the dashboard) goes
        # to this output widget, or nowhere.
        self.output = w.Output()
        self.widget = w.VBox(
            [
                self.table,
                w.HTML("<b>run these models</b>"),
                w.VBox(list(self.checkboxes.values())),
                self.totals,
                w.HBox([self.run_button, self.status]),
                self.output,
            ]
        )
        self._update()

    @property
    def ticked(self) -> list[str]:
        """The models ticked, in the sweep's order."""
        return [model for model, box in self.checkboxes.items() if box.value]

    @property
    def selected(self) -> SelectedTotals:
        return selected_totals(self.estimate, self.ticked)

    @property
    def last_run(self) -> Run | None:
        """The run the button started last, once it has ended (None before)."""
        handle = self.handle
        return Run(handle.path) if handle is not None and handle.done else None

    def start(self) -> RunHandle | None:
        """What the button does: start the sweep on the ticked models, measured against
        this estimate's lines for them, and return its handle (None if no model is
        ticked). Bad input raises here and is shown in `status`; nothing is sent then."""
        if self.sweep is None:
            raise ValueError("EstimateView was made without the sweep: EstimateView(e, sweep)")
        models = self.ticked
        if not models:
            self.status.value = "tick at least one model"
            return None
        self._running = self.run_button.disabled = True
        self.status.value = f"running {len(models)} model{'s' if len(models) > 1 else ''}…"
        sweep = dataclasses.replace(self.sweep, models=models)
        try:
            with self.output:
                self.output.clear_output()
                handle = sweep.start(progress=self.progress, estimate=self._for(models))
        except Exception as exc:
            self._ended(f"not started: {escape(type(exc).__name__)}: {escape(str(exc))}")
            raise
        self.handle = handle
        handle.when_done(self._run_ended)
        return handle

    def run(self) -> Run | None:
        """`start()`, then wait for the run's end (blocking the kernel meanwhile)."""
        handle = self.start()
        return None if handle is None else handle.wait()

    def _for(self, models: list[str]) -> Estimate:
        """The estimate of the ticked models: their lines (and the judges')."""
        lines = [x for x in self.estimate.lines if x.role != "model" or x.model in models]
        return dataclasses.replace(self.estimate, lines=lines)

    def _run_ended(self, handle: RunHandle) -> None:
        try:
            status = handle.wait(0).status
        except BaseException as exc:  # failed, or cancelled before it began
            self._ended(f"not finished: {escape(type(exc).__name__)}: {escape(str(exc))}")
            return
        self._ended(f"{escape(status)}: <code>{escape(str(handle.path))}</code>")

    def _ended(self, text: str) -> None:
        self.status.value = text
        self._running = False
        self.run_button.disabled = not self.ticked

    def _update(self, _change: Any = None) -> None:
        self.totals.value = _totals_html(self.selected, self.estimate.budget_usd)
        if self.sweep is not None and not self._running:  # a run's button stays disabled
            self.run_button.disabled = not self.ticked

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _money(value: float | None, unpriced: int) -> str:
    text = usd(value)
    return f"{text} + {unpriced} unknown" if unpriced and value is not None else text


def _totals_html(totals: SelectedTotals, budget_usd: float | None) -> str:
    budget = f" (budget {usd(budget_usd)})" if budget_usd is not None else ""
    cells = [
        ("requests", f"{totals.requests:,}"),
        ("expected cost", _money(totals.cost_expected_usd, totals.unpriced_lines)),
        ("worst case", _money(totals.cost_high_usd, totals.unpriced_lines)),
        ("duration", f"≤ {format_duration(totals.duration_s)}"),
        ("budget", f"{totals.verdict}{budget}"),
    ]
    return (
        "<table>"
        + "".join(
            f"<tr><th style='text-align:left;padding-right:12px'>{escape(k)}</th>"
            f"<td>{escape(v)}</td></tr>"
            for k, v in cells
        )
        + "</table>"
    )


def _lines_table(estimate: Estimate) -> str:
    """The estimate's own table (`str(estimate)`), escaped, in a fixed-width block."""
    return f"<pre style='font-size:12px'>{escape(str(estimate))}</pre>"
