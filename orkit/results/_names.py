"""What a person calls a run: the name `orkit runs` lists, the progress display shows, and
the hints of resume and retry use, so a run reads the same wherever it is named."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orkit.results._manifest import Manifest

__all__ = ["run_name", "shown_name"]


def run_name(name: str | None, spec_path: object = None, dataset: object = None) -> str | None:
    """The run's `name`, else the file it came from: the spec, or the dataset of a run
    started with flags only (a dataset given as a DataFrame has no file: None)."""
    if name:
        return str(name)
    for source in (spec_path, dataset):
        if isinstance(source, str | os.PathLike) and str(source):
            return Path(source).name
    return None


def shown_name(manifest: Manifest) -> str | None:
    """`run_name` from a run's manifest."""
    return run_name(manifest.name, manifest.spec_path, manifest.dataset_path)
