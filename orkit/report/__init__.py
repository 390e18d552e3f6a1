"""One-file HTML reports of runs (layer 3)."""

from __future__ import annotations

from orkit.report._render import render_report, write_report

__all__ = ["render_report", "write_report"]
