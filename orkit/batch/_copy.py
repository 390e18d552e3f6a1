"""Write the run's copy of the dataset (`dataset.parquet`) once the lanes are done.

Only readers after the lanes use the copy (LLM judges, `rescore`,
`Run.to_pandas(with_dataset=True)`), so it is written then, not before the first request.
Not alongside the requests either: a Python thread copying rows holds the GIL in 5 ms
slices, and every answer the event loop handles in the meantime waits for one (measured:
1.2% of a latency-bound run's throughput for a 5,000-row dataset). A run cancelled or killed
before the copy has none, and the next execution (a resume) writes it.
"""

from __future__ import annotations

import anyio

from orkit.batch._plan import Plan
from orkit.results import DatasetCopyWriter, RunDir

__all__ = ["write_dataset_copy"]


async def write_dataset_copy(plan: Plan, run: RunDir) -> None:
    """Write the copy unless an earlier execution did (in a thread: the loop stays
    responsive to Ctrl-C; the copy is atomic, so a cancel leaves a whole copy or none)."""
    if run.dataset_path.is_file():
        return

    def copy() -> None:
        writer = DatasetCopyWriter(run.dataset_path)
        plan.copy_dataset(writer)
        writer.close()

    await anyio.to_thread.run_sync(copy)
