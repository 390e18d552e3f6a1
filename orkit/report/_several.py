"""The runs of a report read as one: their `SummaryRows` joined end to end, a model found in
several runs told apart as `orkit compare` tells it apart (`stats.run_labels`: by endpoint,
else by run), items paired across runs by `item_id`.

Joining the rows' codes (not frames of every row) keeps a report of several large runs as
small as one's: each run is read by `read_summary_rows`, and its codes are shifted into the
joint numbering (groups, items, scorers, results rows).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt
import pandas as pd

from orkit.results import Manifest, RunDir, SummaryRows, read_summary_rows, spec_model_names
from orkit.stats import CONTESTANT_KEYS, SummaryOptions, run_labels

__all__ = ["Loaded", "load_runs"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Loaded:
    """The report's runs as one set of rows."""

    runs: list[RunDir]
    manifests: list[Manifest]
    rows: SummaryRows
    """Every run's rows, run after run (models renamed where several runs have them)."""
    starts: list[int]
    """Per run, the position of its first results row in `rows` (and a last: the total)."""
    score_starts: list[int]
    """Per run, the position of its first score row in `rows` (and a last: the total)."""
    options: SummaryOptions
    """The sweeps' settings, contestants ordered as `orkit compare` orders them."""

    def run_of_rows(self) -> npt.NDArray[np.int16]:
        """Per results row, its run's position in `runs`."""
        sizes = np.asarray(np.diff(self.starts), dtype=np.int64)
        return np.repeat(np.arange(len(self.runs), dtype=np.int16), sizes)


def load_runs(runs: Sequence[RunDir], seed: int = 0) -> Loaded:
    """Read `runs` (at least one; the same run twice is an error) as one `Loaded`."""
    if not runs:
        raise ValueError("a report needs at least one run")
    ids = [r.run_id for r in runs]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ValueError(f"the same run was given twice: {twice[0]}")
    manifests = [r.read_manifest() for r in runs]
    each = [read_summary_rows(r, CONTESTANT_KEYS) for r in runs]
    options = replace(SummaryOptions.of_sweeps(m.spec for m in manifests), seed=seed)
    if len(runs) == 1:
        rows = each[0]
        return Loaded(
            list(runs), manifests, rows, [0, rows.num_rows], [0, len(rows.score)], options
        )
    present = {
        run_id: [str(m) for m in pd.unique(r.groups["model"])]
        for run_id, r in zip(ids, each, strict=True)
    }
    endpoints = {
        run_id: name
        for run_id, m in zip(ids, manifests, strict=True)
        if (name := endpoint_name(m)) is not None
    }
    labels = run_labels(present, endpoints)
    models: list[str] = []
    for run_id, manifest in zip(ids, manifests, strict=True):
        named = spec_model_names(manifest.spec)
        for m in [*named, *present[run_id]]:
            label = labels.get((run_id, m), m)
            if m in present[run_id] and label not in models:
                models.append(label)
    rows = _joined(each, [{m: labels[(i, m)] for m in present[i]} for i in ids])
    starts = [0, *np.cumsum([r.num_rows for r in each]).tolist()]
    score_starts = [0, *np.cumsum([len(r.score) for r in each]).tolist()]
    return Loaded(
        list(runs), manifests, rows, starts, score_starts, replace(options, models=tuple(models))
    )


def endpoint_name(manifest: Manifest) -> str | None:
    """A run's endpoint as a model's suffix tells runs apart (`sim`, `openrouter`, or a URL
    endpoint's host), as `orkit compare` names it."""
    endpoint = manifest.endpoint or {}
    kind = endpoint.get("kind")
    if kind in (None, "url"):
        return urlsplit(str(endpoint.get("base_url") or "")).netloc or None
    return str(kind)


def _joined(each: list[SummaryRows], renames: list[dict[str, str]]) -> SummaryRows:
    """The runs' rows end to end: groups, items and scorers renumbered into joint lists."""
    groups, group = [], []
    item_ids: list[Any] = []
    item_code: dict[Any, int] = {}
    scorers: list[str] = []
    items, score_rows, scorer = [], [], []
    offset = groups_seen = 0
    for rows, rename in zip(each, renames, strict=True):
        table = rows.groups.copy()
        table["model"] = [rename.get(str(m), m) for m in table["model"]]
        groups.append(table)
        group.append(rows.group.astype(np.int32) + groups_seen)
        groups_seen += len(table)
        mapping = np.array([_code(item_code, item_ids, v) for v in rows.item_ids], dtype=np.int32)
        items.append(mapping[rows.item] if len(mapping) else rows.item)
        to_joint = np.array([*(_code_list(scorers, s) for s in rows.scorers), -1], np.int32)
        scorer.append(to_joint[rows.scorer])  # -1 (no scorer) picks the spare last slot
        score_rows.append(np.where(rows.score_row >= 0, rows.score_row + offset, -1))
        offset += rows.num_rows
    return SummaryRows(
        groups=pd.concat(groups, ignore_index=True),
        group=np.concatenate(group),
        status=np.concatenate([r.status for r in each]),
        is_fallback=np.concatenate([r.is_fallback for r in each]),
        cached=_either([r.cached for r in each], [r.num_rows for r in each], False),
        floats=JoinedFloats([r.floats for r in each]),
        item=np.concatenate(items),
        item_ids=item_ids,
        score_row=np.concatenate(score_rows).astype(np.int64),
        scorer=np.concatenate(scorer),
        scorers=scorers,
        score=np.concatenate([r.score for r in each]),
        passed=np.concatenate([r.passed for r in each]),
        judge_cost=_either([r.judge_cost for r in each], [len(r.score) for r in each], np.nan),
    )


def _either(arrays: list[Any], sizes: list[int], fill: Any) -> Any:
    """The arrays end to end, a run without one (None) filled with `fill`; None when no run
    has one (no row was cached, no judge scored)."""
    if all(a is None for a in arrays):
        return None
    filled = [a if a is not None else np.full(n, fill) for a, n in zip(arrays, sizes, strict=True)]
    return np.concatenate(filled)


def _code(codes: dict[Any, int], values: list[Any], value: Any) -> int:
    found = codes.get(value)
    if found is None:
        found = codes[value] = len(values)
        values.append(value)
    return found


def _code_list(values: list[str], value: str) -> int:
    if value not in values:
        values.append(value)
    return values.index(value)


class JoinedFloats(Mapping[str, FloatArray]):
    """Each run's float columns end to end, each read when asked for (as one run's are)."""

    def __init__(self, parts: list[Mapping[str, FloatArray]]) -> None:
        self._parts = parts

    def __getitem__(self, name: str) -> FloatArray:
        return np.concatenate([p[name] for p in self._parts])

    def __iter__(self) -> Iterator[str]:
        return iter(self._parts[0])

    def __len__(self) -> int:
        return len(self._parts[0])
