"""The layout of a run directory, its manifest, and run ids.

```
runs/<run_id>/manifest.json            spec, dataset fingerprint, catalog, versions, status
runs/<run_id>/dataset.parquet          the dataset's columns, once per run (join on item_id)
runs/<run_id>/results/part-*.parquet   one row per task (final outcome)
runs/<run_id>/attempts/part-*.parquet  one row per HTTP attempt
runs/<run_id>/scores/part-*.parquet    one row per (task, scorer)
```
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from orkit.errors import RunNotFoundError
from orkit.results._manifest import MANIFEST_VERSION, Manifest

__all__ = ["MANIFEST_VERSION", "RunDir", "new_run_id"]


def new_run_id(now: datetime | None = None) -> str:
    """`2026-11-28T10-00-00-ab12`: sortable by time, unique, safe in any file system."""
    now = now or datetime.now(UTC)
    return f"{now:%Y-%m-%dT%H-%M-%S}-{secrets.token_hex(2)}"


@dataclass(frozen=True, slots=True)
class RunDir:
    path: Path

    @property
    def run_id(self) -> str:
        return self.path.name

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    @property
    def dataset_path(self) -> Path:
        return self.path / "dataset.parquet"

    @property
    def results_dir(self) -> Path:
        return self.path / "results"

    @property
    def attempts_dir(self) -> Path:
        return self.path / "attempts"

    @property
    def scores_dir(self) -> Path:
        return self.path / "scores"

    @property
    def journal_path(self) -> Path:
        return self.path / "journal.sqlite"

    @classmethod
    def create(cls, root: Path, run_id: str | None = None) -> RunDir:
        run = cls(Path(root) / (run_id or new_run_id()))
        run.path.mkdir(parents=True, exist_ok=False)
        for sub in (run.results_dir, run.attempts_dir, run.scores_dir):
            sub.mkdir()
        return run

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> RunDir:
        """An existing run directory; a clear error when it is not one."""
        run = cls(Path(path))
        if not run.manifest_path.is_file():
            if run.results_dir.is_dir() and not run.journal_path.exists():
                # `create` made it, then the process died before writing the manifest: the
                # manifest comes before any request, so nothing was sent.
                raise RunNotFoundError(
                    f"{path}: a run stopped before it started (no manifest.json; nothing was "
                    "sent): start it again with orkit run",
                    run_dir=str(path),
                )
            raise RunNotFoundError(
                f"{path}: not a run directory (no manifest.json)", run_dir=str(path)
            )
        return run

    def read_manifest(self) -> Manifest:
        """The run's manifest, typed (any shape orkit has written: `Manifest.read`)."""
        return Manifest.read(self.manifest_path)

    def write_manifest(self, manifest: Manifest) -> None:
        """Atomically replace the manifest (temp file + rename)."""
        manifest.write(self.manifest_path)
