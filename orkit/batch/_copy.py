"""Write the run's copy of the dataset (`dataset.parquet`) in a thread while requests go.

The copy is only read after the lanes (by LLM judges, `rescore`, `Run.to_pandas(
with_dataset=True)`), so nothing waits for it before sending: writing it first delayed the
first request by a full pass over the dataset. The first round trip leaves the event loop
idle anyway. A run killed before the copy was renamed into place has none, and the next
execution (a resume) writes it again.
"""

from __future__ import annotations

import threading

import anyio

from orkit.batch._plan import Plan
from orkit.results import DatasetCopyWriter, RunDir

__all__ = ["DatasetCopy"]


class DatasetCopy:
    """One background copy; `wait()` joins it and raises what it raised."""

    def __init__(self, plan: Plan, run: RunDir) -> None:
        self._plan = plan
        self._run = run
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._copy, name="orkit-dataset-copy", daemon=True)

    @classmethod
    def start(cls, plan: Plan, run: RunDir) -> DatasetCopy | None:
        """Start copying, unless an earlier execution already wrote the copy."""
        if run.dataset_path.is_file():
            return None
        job = cls(plan, run)
        job._thread.start()
        return job

    def _copy(self) -> None:
        try:
            writer = DatasetCopyWriter(self._run.dataset_path)
            self._plan.copy_dataset(writer)
            writer.close()
        except BaseException as exc:  # handed to the event loop by `wait`
            self._error = exc

    async def wait(self) -> None:
        """Join the thread (shielded: a cancelled run still leaves a whole copy or none)."""
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self._thread.join)
        if self._error is not None:
            error, self._error = self._error, None
            raise error
