"""`Sweep`: a sweep's definition (`orkit.plan.SweepDefinition`: the dataset, prompts,
models, params grid and settings, checked) with its verbs: `run`, `estimate`, `tasks`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from orkit._format import usd
from orkit._portal import run_sync
from orkit.api._cards import sweep_card
from orkit.api._execute import run_sweep_async
from orkit.api._handle import RunHandle, start_run
from orkit.api._interrupted import interrupted
from orkit.api._pilot import estimate_with_pilot
from orkit.api._provision import provisioning_for
from orkit.api._run import Run
from orkit.batch import Observer, Task
from orkit.cost import Estimate
from orkit.estimate import estimate_async
from orkit.plan import SweepDefinition, plan_sweep, prepare, shown_contestants
from orkit.plan import load_spec as _load_spec
from orkit.progress import RunPlan, progress_observer, settle_display
from orkit.results import new_run_id
from orkit.types import Secret

__all__ = ["Sweep", "load_spec"]


class Sweep(SweepDefinition):
    """A dataset × prompts × models × params grid × repeats run (every field is documented on
    `SweepDefinition`, which holds them; this class adds what is done with them)."""

    def run(
        self,
        *,
        api_key: str | Secret | None = None,
        progress: bool | str = True,
        estimate: Estimate | None = None,
        provision_key: float | None = None,
    ) -> Run:
        """Run the sweep and wait for it (works in scripts and inside Jupyter).

        `progress`: True (`"auto"`: a live dashboard in a notebook, a bar on a terminal),
        False (`"none"`), or a mode of `orkit run --progress` (`"bar"`, `"plain"`,
        `"detailed"`). `estimate`: one made before (`sweep.estimate()`), kept in the run's
        manifest instead of a new one; the dashboard shows spend and time against it.

        Ctrl-C (the notebook's stop button) stops it: the rows so far are kept, the run is
        marked cancelled, where it is and how to resume it is printed (stderr), and a
        `RunInterrupted` (a KeyboardInterrupt carrying `run_dir`) is raised.

        `provision_key`: a limit in USD. With a management key in
        `OPENROUTER_PROVISIONING_KEY`, the run creates a key with that credit limit, sends
        every request with it, and deletes it at the end (`orkit run --provision-key`)."""
        run_id = new_run_id()  # known here, so the hint can name the run after a Ctrl-C
        prepared = prepare(self, api_key=api_key)  # bad input raises before any display
        provisioning_for(provision_key, prepared[1])  # so is a bad limit or no management key
        # made here, in the caller's thread: a notebook shows the dashboard in this cell
        observer = self._display(progress, run_id, estimate)
        try:
            run_dir = run_sync(
                run_sweep_async,
                self,
                observer=observer,
                run_id=run_id,
                estimate=estimate,
                prepared=prepared,
                provision_key=provision_key,
            )
        except BaseException as exc:
            settle_display(observer, exc)
            if isinstance(exc, KeyboardInterrupt):
                raise interrupted(Path(self.out) / run_id) from None
            raise
        settle_display(observer)
        return Run(run_dir)

    def start(
        self,
        *,
        api_key: str | Secret | None = None,
        progress: bool | str = True,
        estimate: Estimate | None = None,
        provision_key: float | None = None,
    ) -> RunHandle:
        """Start the sweep in the background and return its handle at once (after the
        checks of the input, which raise here: nothing is sent then): `handle.progress`,
        `handle.results()` (the rows so far), `handle.cancel()`, `handle.wait() -> Run`.
        Works in scripts and inside Jupyter, where the dashboard's cancel button calls
        `handle.cancel()`; `progress`, `estimate` and `provision_key` as for `run`."""
        prepared = prepare(self, api_key=api_key)
        provisioning_for(provision_key, prepared[1])
        run_id = new_run_id()
        display = self._display(progress, run_id, estimate)
        return start_run(
            self, run_id, prepared, display, estimate=estimate, provision_key=provision_key
        )

    async def run_async(
        self,
        *,
        api_key: str | Secret | None = None,
        progress: bool | str = True,
        estimate: Estimate | None = None,
        provision_key: float | None = None,
    ) -> Run:
        """Run the sweep on the current event loop (`await sweep.run_async()` in a notebook);
        `provision_key` as for `run`."""
        run_id = new_run_id()
        observer = self._display(progress, run_id, estimate)
        try:
            run_dir = await run_sweep_async(
                self,
                api_key=api_key,
                observer=observer,
                run_id=run_id,
                estimate=estimate,
                provision_key=provision_key,
            )
        except BaseException as exc:
            settle_display(observer, exc)
            raise
        settle_display(observer)
        return Run(run_dir)

    def _display(
        self, progress: bool | str, run_id: str, estimate: Estimate | None
    ) -> Observer | None:
        plan = RunPlan(
            budget_usd=self.budget_usd,
            estimate_usd=estimate.cost_expected_usd if estimate and estimate.prices_known else None,
            estimate_s=None if estimate is None else estimate.duration_s,
        )
        return progress_observer(
            progress, name=self.shown_name, plan=plan, run_dir=Path(self.out) / run_id
        )

    def estimate(
        self,
        *,
        pilot: int | None = None,
        offline: bool = False,
        api_key: str | Secret | None = None,
    ) -> Estimate:
        """Requests, tokens, cost low / expected / high, cache hits, judge calls, duration and
        the budget verdict per model, before anything is sent. `pilot=N` first runs N items
        per model for real (it spends money) and estimates from their answers. `offline`
        prices from the bundled snapshot without asking any server."""
        return run_sync(self.estimate_async, pilot=pilot, offline=offline, api_key=api_key)

    async def estimate_async(
        self,
        *,
        pilot: int | None = None,
        offline: bool = False,
        api_key: str | Secret | None = None,
    ) -> Estimate:
        """`estimate()` on the current event loop."""
        if pilot is not None:
            return await estimate_with_pilot(self, pilot, api_key=api_key, offline=offline)
        return await estimate_async(self, api_key=api_key, offline=offline)

    def _repr_html_(self) -> str:
        """A readable card: dataset, models, prompts, params and grid, scorers, endpoint."""
        return sweep_card(
            self.shown_name,
            _dataset_text(self.dataset),
            shown_contestants(self.contestants),
            self.prompts,
            params=self.params,
            grid=self.grid,
            repeats=self.repeats,
            scorers=[s.name for s in self.scorer_objects],
            budget=None if self.budget_usd is None else usd(self.budget_usd),
            endpoint=self.endpoint,
            out=str(self.out),
        )

    # ------------------------------------------------------------------ expansion

    def tasks(self) -> Iterator[Task]:
        """Every task, lazily, model by model (nothing is sent; the dataset is read as it
        goes). For a preview: `itertools.islice(sweep.tasks(), 5)`."""
        plan = plan_sweep(self, validate=False)
        for lane in plan.lanes():
            yield from lane


def load_spec(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Sweep:
    """Read a TOML spec file into a `Sweep`; `overrides` (from command-line flags) replace its
    values. Every error names the file and the field."""
    return _load_spec(path, overrides, into=Sweep)


def _dataset_text(dataset: Any) -> str:
    """A dataset as a card names it: its path, or what kind of table and how many rows."""
    if isinstance(dataset, str | Path):
        return str(dataset)
    rows = len(dataset) if hasattr(dataset, "__len__") else None
    kind = type(dataset).__name__
    return f"{kind} of {rows:,} rows" if rows is not None else kind
