"""What a run shows while it goes (layer 5): the console display, the tqdm bar, and the
per-contestant lines. Internal: users pass `progress=` to `Sweep.run()`.
"""

from __future__ import annotations

from orkit.progress._console import PROGRESS_MODES, ConsoleProgress, progress_observer
from orkit.progress._contestants import contestant_keys
from orkit.progress._tqdm import TqdmObserver, status_line

__all__ = [
    "PROGRESS_MODES",
    "ConsoleProgress",
    "TqdmObserver",
    "contestant_keys",
    "progress_observer",
    "status_line",
]
