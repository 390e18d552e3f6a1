"""Notebook widgets (layer 6, beside `orkit.api`): `EstimateView` (an estimate with per-model
toggles and a run button) and `ResultsExplorer` (a run's answers filtered, side by side, and
the report's charts). Internal for now: import them from here. ipywidgets (the `notebook`
extra) is imported when a widget is made, so `import orkit` neither needs nor loads it.
"""

from __future__ import annotations

from orkit.widgets._estimate_view import EstimateView
from orkit.widgets._explorer import ResultsExplorer
from orkit.widgets._explorer_rows import AnswerFilter, answer_rows, filter_answers
from orkit.widgets._totals import SelectedTotals, selected_totals

__all__ = [
    "AnswerFilter",
    "EstimateView",
    "ResultsExplorer",
    "SelectedTotals",
    "answer_rows",
    "filter_answers",
    "selected_totals",
]
