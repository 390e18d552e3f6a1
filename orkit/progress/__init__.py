"""What a run shows while it goes (layer 5): the console display, the tqdm bar, the
per-contestant lines, and the notebook's `RunDashboard`. Internal: users pass `progress=`
to `Sweep.run()`.
"""

from __future__ import annotations

from orkit.progress._board import Board, BoardRecorder, RunPlan
from orkit.progress._console import PROGRESS_MODES, ConsoleProgress, progress_observer
from orkit.progress._contestants import contestant_keys
from orkit.progress._dashboard import RunDashboard, settle_display
from orkit.progress._ipywidgets import ipywidgets
from orkit.progress._tqdm import TqdmObserver, status_line

__all__ = [
    "PROGRESS_MODES",
    "Board",
    "BoardRecorder",
    "ConsoleProgress",
    "RunDashboard",
    "RunPlan",
    "TqdmObserver",
    "contestant_keys",
    "ipywidgets",
    "progress_observer",
    "settle_display",
    "status_line",
]
