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

import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orkit.errors import RunError, RunNotFoundError

__all__ = ["MANIFEST_VERSION", "RunDir", "new_run_id"]

MANIFEST_VERSION = 1


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

    def read_manifest(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.manifest_path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise RunError(f"{self.manifest_path}: unreadable manifest ({exc})") from exc
        return data

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Atomically replace the manifest (temp file + rename)."""
        tmp = self.path / ".manifest.json.tmp"
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=False, default=str) + "\n", "utf-8")
        os.replace(tmp, self.manifest_path)
