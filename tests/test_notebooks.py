"""Every notebook in notebooks/ runs top to bottom in a real kernel, against the emulator, and
does what it teaches; and every notebook is committed without outputs.

Each runs in a copy under tmp_path (its `../runs` and `../reports` land there) with nbclient
storing the widget state, as nbconvert and JupyterLab save it: the views the cells display
(`application/vnd.jupyter.widget-view+json`) and, in the notebook's metadata, the state of
every widget model, which is what a saved notebook shows of a dashboard. The dashboards are
read back from that state (`StoredDashboard`), so a dashboard that never drew its last board,
or drew it where a recorder does not see it, fails here.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import orkit

pytestmark = [pytest.mark.slow, pytest.mark.subprocess, pytest.mark.integration]

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


@dataclass
class Executed:
    """A notebook after its run: the notebook with outputs, and the folder it ran in."""

    nb: Any
    root: Path

    @property
    def outputs(self) -> list[dict[str, Any]]:
        return [o for c in self.nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]

    def html(self) -> list[str]:
        return [o["data"]["text/html"] for o in self.outputs if "text/html" in o.get("data", {})]

    def text(self) -> str:
        return "".join(o.get("text", "") for o in self.outputs if o.get("output_type") == "stream")

    @property
    def models(self) -> dict[str, dict[str, Any]]:
        """model id -> `{"model_name": ..., "state": {...}}`, as stored in the metadata."""
        state: dict[str, dict[str, Any]] = self.nb.metadata["widgets"][WIDGET_STATE]["state"]
        return state

    def views(self) -> list[str]:
        """The model ids of the widget views the cells displayed, in order."""
        return [
            o["data"][WIDGET_VIEW]["model_id"]
            for o in self.outputs
            if WIDGET_VIEW in o.get("data", {})
        ]

    def dashboards(self) -> list[StoredDashboard]:
        """The run dashboards displayed, in order, as their stored state shows them."""
        return [
            StoredDashboard.read(self.models, view)
            for view in self.views()
            if "orkit-dashboard" in self.models[view]["state"].get("_dom_classes", [])
        ]

    def runs(self) -> dict[str | None, orkit.Run]:
        """The runs the notebook made, by the sweep's name."""
        runs = [orkit.open_run(p) for p in (self.root / "runs").iterdir()]
        return {run.manifest.name: run for run in runs}


@dataclass
class StoredDashboard:
    """A `RunDashboard` as a saved notebook shows it (its layout: title, bar and headline,
    facts, errors, contestants, more, cancel button and footer)."""

    title: str
    value: int
    max: int
    bar_style: str
    headline: str
    facts: str
    contestant_bars: int
    button: str
    button_disabled: bool
    footer: str

    @classmethod
    def read(cls, models: dict[str, dict[str, Any]], view: str) -> StoredDashboard:
        def state(ref: str) -> dict[str, Any]:
            found: dict[str, Any] = models[ref.removeprefix("IPY_MODEL_")]["state"]
            return found

        title, top, facts, _errors, contestants, _more, bottom = state(view)["children"]
        bar, headline = state(top)["children"]
        button, footer = state(bottom)["children"]
        return cls(
            title=state(title)["value"],
            value=state(bar)["value"],
            max=state(bar)["max"],
            bar_style=state(bar)["bar_style"],
            headline=state(headline)["value"],
            facts=state(facts)["value"],
            contestant_bars=len(state(contestants)["children"]),
            button=state(button)["description"],
            button_disabled=state(button)["disabled"],
            footer=state(footer)["value"],
        )


def _execute(name: str, tmp_path: Path, repo: Path) -> Executed:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("ipywidgets")
    (tmp_path / "notebooks").mkdir()
    shutil.copy(repo / "notebooks" / name, tmp_path / "notebooks")
    (tmp_path / "datasets").symlink_to(repo / "datasets")
    nb = nbformat.read(tmp_path / "notebooks" / name, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(tmp_path / "notebooks")}},
    )
    client.execute()
    return Executed(nb, tmp_path)


# ---------------------------------------------------------------------- what each one teaches


def _only(runs: dict[str | None, orkit.Run], name: str) -> orkit.Run:
    assert list(runs) == [name]
    return runs[name]


def _quickstart(done: Executed) -> None:
    run = _only(done.runs(), "quickstart")
    assert run.status == "completed"
    assert (done.root / "reports/quickstart.html").is_file()
    (board,) = done.dashboards()  # sweep.run() showed its dashboard, not a tqdm line
    assert board.title.endswith("· completed"), board.title
    assert board.value == board.max == 600 and board.bar_style == "success"
    assert board.contestant_bars == 2 and board.button_disabled
    assert "600 / 600 tasks" in board.headline
    html = done.html()
    assert any("<table" in h and "passed_exact" in h for h in html)  # the typed frame, scored
    assert sum("<iframe sandbox" in h for h in html) == 1  # run.show(): the report, once


def _estimate(done: Executed) -> None:
    runs = done.runs()
    assert set(runs) == {"estimate-demo-pilot", "estimate-demo"}  # the pilot is a run too
    pilot, run = runs["estimate-demo-pilot"], runs["estimate-demo"]
    assert pilot.manifest.tasks == 60  # 20 items × 3 models
    assert run.status == "completed"
    estimate = run.manifest.estimate or {}
    assert estimate.get("pilot", {}).get("requests") == 60  # the run kept the calibrated one
    assert set(run.manifest.cost or {}) == {
        "openai/gpt-4o-mini",
        "anthropic/claude-haiku-4.5",
        "google/gemini-2.5-flash",
    }
    (board,) = done.dashboards()
    assert board.title.endswith("· completed")
    assert "of budget $0.10" in board.facts and ">estimate<" in board.facts
    unticked = [
        m["state"]
        for m in done.models.values()
        if m["model_name"] == "CheckboxModel"
        and m["state"]["description"] == "anthropic/claude-haiku-4.5"
    ]
    assert [box["value"] for box in unticked] == [False]  # EstimateView's toggle, saved
    assert "before the pilot" in "".join(done.html())


def _compare(done: Executed) -> None:
    run = _only(done.runs(), "compare-prompts")
    assert len(run.summary()) == 4  # 2 prompts × 2 temperatures
    (board,) = done.dashboards()
    assert board.title.endswith("· completed") and board.contestant_bars == 4
    assert len(done.views()) == 2  # the dashboard, then the ResultsExplorer
    assert "best: openai/gpt-4o-mini · " in done.text()
    assert any("significant" in h and "p_holm" in h for h in done.html())


def _resume(done: Executed) -> None:
    run = _only(done.runs(), "resume-demo")
    started, resumed = done.dashboards()
    assert started.title.endswith("· cancelled"), started.title  # the button, then wait()
    assert started.button == "Cancelled" and started.bar_style == "warning"
    assert started.value < started.max == 600
    assert "orkit.resume(" in started.footer
    assert resumed.title.endswith("· completed") and resumed.value == resumed.max
    executions = run.manifest.executions or []
    assert [e["kind"] for e in executions] == ["run", "resume", "retry"]
    assert executions[0]["status"] == "cancelled" and executions[0]["tasks"] < 600
    assert executions[2]["tasks"] > 0  # the emulator's 500s left errors to retry
    frame = run.to_pandas()
    assert run.status == "completed" and run.manifest.tasks == 600
    assert len(frame) == 600 and not frame["task_key"].duplicated().any()


CHECKS: dict[str, Callable[[Executed], None]] = {
    "quickstart.ipynb": _quickstart,
    "estimate-before-a-big-run.ipynb": _estimate,
    "compare-prompts.ipynb": _compare,
    "resume-a-run.ipynb": _resume,
}


def test_every_notebook_is_checked():
    assert sorted(CHECKS) == NOTEBOOKS, "add a check of what the new notebook teaches"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_and_saves_its_widgets(name: str, tmp_path: Path, repo: Path) -> None:
    done = _execute(name, tmp_path, repo)
    errors = [o for o in done.outputs if o.get("output_type") == "error"]
    assert not errors, errors[0].get("evalue")
    views = done.views()
    assert views, "no widget was displayed"
    assert set(views) <= set(done.models), "a displayed widget has no saved state"
    CHECKS[name](done)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_without_outputs(name: str) -> None:
    nb = json.loads((NOTEBOOKS_DIR / name).read_text("utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert "widgets" not in nb["metadata"]
