"""The dashboard in a real kernel, driven as JupyterLab drives it: `sweep.start()` in a cell
shows the `RunDashboard`, whose widget models reach the client as `comm_open` messages and
change by `comm_msg` updates while the run goes; a click on its cancel button is the
`comm_msg` a browser's widget manager sends; the run ends `cancelled`, the dashboard says
how to resume it, and `orkit.resume` finishes it with one row per task.

Nothing here races the clock: every wait is for a message (bounded by a deadline), and the
run is slow enough (600 tasks at one answer per second each, 24 in flight: ~25 s) that the
click always lands long before it could finish on its own.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

MODELS = ["openai/gpt-4o-mini", "anthropic/claude-3-haiku"]
ITEMS = 300  # datasets/demo/items.jsonl
TASKS = ITEMS * len(MODELS)
WAIT_S = 90.0
"""The longest any one step may take (the kernel's start, a cell, a message awaited): far
above what each needs (a few seconds; the whole test takes ~30 s on an idle machine), so a
busy machine only makes it slower; a dashboard that never updates, or a button that is not
wired, fails it within this bound."""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.subprocess,
    pytest.mark.integration,
    pytest.mark.timeout(4 * WAIT_S),
]

SWEEP_CELL = """
import orkit
profile = {{"ttft_s": 1.0, "tokens_per_s": 10000.0}}
sweep = orkit.Sweep(
    dataset={dataset!r},
    models={models!r},
    prompt="{{{{ question }}}}",
    endpoint="sim",
    # every answer takes one second exactly: {tasks} tasks, 24 at a time, ~25 s in all
    sim={{"seed": 1, "time_scale": 1.0, "latency_jitter": 1.0,
          "models": {{m: profile for m in {models!r}}}}},
    concurrency=24,
    cache=False,
    scorers=[{{"kind": "exact"}}],
    out="runs",
    name="kernel-test",
)
handle = sweep.start()
print("RUN_PATH", handle.path)
"""


@dataclass
class Widgets:
    """The widget models the kernel has opened, by comm id, with their state as updated."""

    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    views: list[str] = field(default_factory=list)
    """Model ids of the `application/vnd.jupyter.widget-view+json` outputs displayed."""

    def take(self, msg: dict[str, Any]) -> None:
        kind, content = msg["header"]["msg_type"], msg["content"]
        if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
            self.states[content["comm_id"]] = dict(content["data"]["state"])
        elif kind == "comm_msg" and content["comm_id"] in self.states:
            data = content["data"]
            if data.get("method") == "update":
                self.states[content["comm_id"]].update(data["state"])
        elif kind == "display_data":
            view = content["data"].get("application/vnd.jupyter.widget-view+json")
            if view is not None:
                self.views.append(view["model_id"])

    def children(self, model_id: str) -> list[str]:
        return [ref.removeprefix("IPY_MODEL_") for ref in self.states[model_id]["children"]]

    def dashboard(self) -> Dashboard | None:
        """The displayed dashboard's models, found by its structure (a VBox with the
        `orkit-dashboard` class): overall bar and headline, cancel button and footer."""
        for model_id in self.views:
            state = self.states.get(model_id, {})
            if "orkit-dashboard" not in state.get("_dom_classes", ()):
                continue
            rows = self.children(model_id)
            bar, headline = self.children(rows[1])
            button, footer = self.children(rows[-1])
            return Dashboard(self, bar, headline, button, footer)
        return None


@dataclass
class Dashboard:
    widgets: Widgets
    bar_id: str
    headline_id: str
    button_id: str
    footer_id: str

    @property
    def bar(self) -> dict[str, Any]:
        return self.widgets.states[self.bar_id]

    @property
    def headline(self) -> str:
        return html.unescape(str(self.widgets.states[self.headline_id]["value"]))

    @property
    def button(self) -> dict[str, Any]:
        return self.widgets.states[self.button_id]

    @property
    def footer(self) -> str:
        return html.unescape(str(self.widgets.states[self.footer_id]["value"]))


class Kernel:
    """A kernel client that reads every iopub message into `widgets` and `stdout`."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.widgets = Widgets()
        self.stdout: list[str] = []
        self.errors: list[str] = []

    def _pump(self, deadline: float) -> dict[str, Any]:
        """The next iopub message, taken in; TimeoutError past `deadline`."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no message from the kernel in time")
        msg: dict[str, Any] = self.client.get_iopub_msg(timeout=left)
        self.widgets.take(msg)
        kind, content = msg["header"]["msg_type"], msg["content"]
        if kind == "stream" and content["name"] == "stdout":
            self.stdout.append(content["text"])
        elif kind == "error":
            self.errors.append("\n".join(content["traceback"]))
        return msg

    def messages(self, timeout: float = WAIT_S) -> Iterator[dict[str, Any]]:
        """iopub messages as they come, for at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            yield self._pump(deadline)

    def run_cell(self, code: str, timeout: float = WAIT_S) -> None:
        """Execute `code` and read iopub up to the cell's end (its `idle` status): every
        message the kernel sent before the cell ended has then been taken in."""
        msg_id = self.client.execute(code)
        for msg in self.messages(timeout):
            if (
                msg["header"]["msg_type"] == "status"
                and msg["parent_header"].get("msg_id") == msg_id
                and msg["content"]["execution_state"] == "idle"
            ):
                break
        assert not self.errors, self.errors[-1]

    def wait_for(self, what: str, ready: Callable[[], bool], timeout: float = WAIT_S) -> None:
        if ready():
            return
        try:
            for _ in self.messages(timeout):
                if ready():
                    return
        except TimeoutError:
            pytest.fail(f"the kernel never showed {what} within {timeout:.0f} s")

    def click(self, comm_id: str) -> None:
        """What a browser's widget manager sends when the button is clicked (ipywidgets 8's
        `Button._handle_button_msg`): a custom `click` event on the shell channel."""
        content = {"comm_id": comm_id, "data": {"method": "custom", "content": {"event": "click"}}}
        self.client.shell_channel.send(self.client.session.msg("comm_msg", content))

    def printed(self, tag: str) -> str:
        """The rest of the last stdout line that starts with `tag`."""
        lines = [ln for chunk in self.stdout for ln in chunk.splitlines() if ln.startswith(tag)]
        assert lines, f"the kernel printed no {tag!r} line: {''.join(self.stdout)!r}"
        return lines[-1].removeprefix(tag).strip()


@pytest.fixture
def kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Kernel]:
    pytest.importorskip("ipykernel")
    pytest.importorskip("ipywidgets")
    manager = pytest.importorskip("jupyter_client.manager")
    monkeypatch.chdir(tmp_path)
    km, kc = manager.start_new_kernel(
        startup_timeout=WAIT_S, kernel_name="python3", cwd=str(tmp_path)
    )
    try:
        yield Kernel(kc)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_cancel_from_the_dashboard_then_resume(kernel: Kernel, repo: Path, tmp_path: Path) -> None:
    dataset = str(repo / "datasets/demo/items.jsonl")
    kernel.run_cell(SWEEP_CELL.format(dataset=dataset, models=MODELS, tasks=TASKS))
    shown_path = kernel.printed("RUN_PATH")  # relative to the kernel's cwd, as given
    run_path = tmp_path / shown_path
    assert run_path.parent == tmp_path / "runs"

    kernel.wait_for("the dashboard's widgets", lambda: kernel.widgets.dashboard() is not None)
    board = kernel.widgets.dashboard()
    assert board is not None
    assert board.button["description"] == "Cancel run"
    assert board.button["disabled"] is False  # start() wired it to the handle

    # The overall bar moves while the run goes (redrawn from the engine's ticks).
    kernel.wait_for("a first count on the bar", lambda: board.bar["value"] > 0)
    first = board.bar["value"]
    kernel.wait_for("the bar rising", lambda: board.bar["value"] > first)
    assert board.bar["max"] == TASKS
    assert board.bar["value"] < TASKS
    assert f"/ {TASKS:,} tasks" in board.headline

    kernel.click(board.button_id)
    kernel.wait_for("the button taking the click", lambda: board.button["disabled"] is True)

    kernel.run_cell(
        "run = handle.wait(timeout=120)\n"
        "print('STATUS', run.status)\n"
        "print('ROWS', len(handle.results()))"
    )
    assert kernel.printed("STATUS") == "cancelled"
    kept = int(kernel.printed("ROWS"))
    assert 0 < kept < TASKS  # stopped part-way: the click did it, not the run's end
    assert board.bar["bar_style"] == "warning"
    assert board.bar["value"] == kept
    assert board.button["description"] == "Cancelled"
    assert f'orkit.resume("{shown_path}")' in board.footer

    kernel.run_cell("resumed = orkit.resume(handle.path)\nprint('RESUMED', resumed.status)")
    assert kernel.printed("RESUMED") == "completed"

    import orkit

    run = orkit.open_run(run_path)
    frame = run.to_pandas()
    assert run.status == "completed"
    assert len(frame) == TASKS
    assert not frame["task_key"].duplicated().any()
    assert set(frame["status"]) == {"ok"}
    assert json.loads((run_path / "manifest.json").read_text())["status"] == "completed"
