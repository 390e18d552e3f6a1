"""One-file HTML reports of runs (layer 3).

Public: the names in `__all__`, imported from `orkit.report`; its `_` modules are internal.
"""

from __future__ import annotations

from orkit import _exports
from orkit.report._frame import ReportFrame
from orkit.report._options import REDACTIONS, Redaction, ReportOptions
from orkit.report._render import render_report, report_charts, report_payload, write_report

__all__ = [
    "REDACTIONS",
    "Redaction",
    "ReportFrame",
    "ReportOptions",
    "render_report",
    "report_charts",
    "report_payload",
    "write_report",
]

_exports.publish(globals())
