"""A report from run directories: the payload (`_payload`), its charts (`_charts`), the
chart runtime (`_vega`) and the page (`_page`), written as one file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from orkit.errors import ConfigError
from orkit.report._memory import release_freed_memory
from orkit.report._options import ReportOptions
from orkit.report._page import render_page
from orkit.report._payload import build_payload
from orkit.results import RunDir, system_memory_pool

__all__ = ["render_report", "report_charts", "report_payload", "write_report"]


def render_report(runs: RunDir | Sequence[RunDir], options: ReportOptions | None = None) -> str:
    """The report of `runs` (one run, or several paired by item id) as one HTML page."""
    chosen = [runs] if isinstance(runs, RunDir) else list(runs)
    if not chosen:
        raise ValueError("a report needs at least one run")
    options = options or ReportOptions()
    # `orkit run` writes its report in the process that ran: what the run freed goes back
    # to the system first, so the report's objects do not come on top of it
    release_freed_memory()
    with system_memory_pool():  # every part file the payload reads: see its docstring
        payload = build_payload(chosen, options)
    release_freed_memory()  # what building it freed, before the page's text is made
    # altair and vl-convert (0.3 s, 35 MB) only when a report is written: every command
    # that may write one imports this module
    from orkit.report._charts import chart_specs
    from orkit.report._vega import vega_bundle

    return render_page(payload, chart_specs(payload), vega_bundle(), options)


def report_payload(
    runs: RunDir | Sequence[RunDir], options: ReportOptions | None = None
) -> dict[str, Any]:
    """The report's data of `runs` as a JSON-able dict (leaderboard with intervals, pairs,
    latency, timeline, the drill-down's items): what the page and notebook widgets show,
    computed once by the library (layout: `notes/report15-design.md`)."""
    chosen = [runs] if isinstance(runs, RunDir) else list(runs)
    if not chosen:
        raise ValueError("a report needs at least one run")
    with system_memory_pool():  # every part file the payload reads: see `render_report`
        return build_payload(chosen, options or ReportOptions())


def report_charts(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The report's charts of a `report_payload`, as `{"id", "title", "spec"}` with Vega-Lite
    specs (they render natively in JupyterLab, or through `altair.Chart.from_dict`)."""
    # altair (0.3 s) only when charts are wanted, as in `render_report`
    from orkit.report._charts import chart_specs

    return chart_specs(payload)


def write_report(
    runs: RunDir | Sequence[RunDir], out: str | Path, options: ReportOptions | None = None
) -> Path:
    """Write the report to `out` (parents created; written to a temporary file and renamed,
    so a killed write leaves no half page) and return its path."""
    path = Path(out)
    if path.suffix.lower() not in (".html", ".htm"):  # checked before anything is read
        raise ConfigError(f"{path}: a report is one HTML file; name it FILE.html")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render_report(runs, options), "utf-8")
    tmp.replace(path)
    return path
