"""`EstimateView`: an estimate in a notebook, its models as toggles whose totals follow, and a
button that runs the sweep on the models still ticked."""

from __future__ import annotations

import dataclasses
from html import escape
from typing import Any

from orkit._format import usd
from orkit.api import Run, Sweep
from orkit.cost import Estimate, format_duration
from orkit.progress import ipywidgets
from orkit.widgets._totals import SelectedTotals, selected_totals

__all__ = ["EstimateView"]


class EstimateView:
    """`EstimateView(sweep.estimate(), sweep)`: the estimate's lines as a table with a
    checkbox per model, the totals and budget verdict of the ticked models (recomputed from
    the lines, not estimated again), and a "run" button that runs `sweep` on them (disabled
    while it runs; the run directory is shown after). Without `sweep` there is no button.

    The ipywidgets are attributes (`checkboxes`, `totals`, `run_button`, `status`; the
    whole is `widget`) so a notebook can arrange them, and tests read their state."""

    def __init__(
        self, estimate: Estimate, sweep: Sweep | None = None, *, progress: bool | str = True
    ) -> None:
        w = ipywidgets()
        self.estimate, self.sweep, self.progress = estimate, sweep, progress
        self.last_run: Run | None = None
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
        self.run_button.on_click(lambda _button: self.run())
        self.status = w.HTML("" if sweep else "pass the sweep to run it from here")
        self.widget = w.VBox(
            [
                self.table,
                w.HTML("<b>run these models</b>"),
                w.VBox(list(self.checkboxes.values())),
                self.totals,
                w.HBox([self.run_button, self.status]),
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

    def run(self) -> Run | None:
        """What the button does: run the sweep on the ticked models (None if none is)."""
        if self.sweep is None:
            raise ValueError("EstimateView was made without the sweep: EstimateView(e, sweep)")
        models = self.ticked
        if not models:
            self.status.value = "tick at least one model"
            return None
        self._running = self.run_button.disabled = True
        self.status.value = f"running {len(models)} model{'s' if len(models) > 1 else ''}…"
        try:
            run = dataclasses.replace(self.sweep, models=models).run(progress=self.progress)
        except BaseException as exc:  # Ctrl-C included: say so, then let it go on
            self.status.value = f"stopped: {escape(type(exc).__name__)}: {escape(str(exc))}"
            raise
        finally:
            self._running = False
            self.run_button.disabled = False
        self.last_run = run
        self.status.value = f"{escape(run.status)}: <code>{escape(str(run.path))}</code>"
        return run

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
