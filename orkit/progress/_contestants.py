"""Per-contestant counts for `--progress detailed`: done, errors and running tasks.

A contestant is one model × prompt × params variant, keyed by what every task and row
carries: (model, prompt_id, params_json). Its label names only what varies in the run
(`openai/gpt-4o-mini · terse · temperature=0.7`; the model id alone when the run has one
prompt and one params set), so the lines stay short: `orkit.stats.contestants` makes it,
as for the summaries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from orkit._hashing import canonical_json
from orkit.stats import contestants

if TYPE_CHECKING:
    from orkit.plan import Plan

__all__ = [
    "ContestantCounts",
    "ContestantKey",
    "Contestants",
    "contestant_keys",
    "contestant_labels",
    "key_of",
]

ContestantKey = tuple[str, str, str]
"""(model, prompt_id, params_json)."""

SEP = " · "


@dataclass(slots=True)
class ContestantCounts:
    done: int = 0
    """Tasks with a row (any status)."""
    errors: int = 0
    running: int = 0
    """Tasks started and not ended: in flight, or waiting on a limit or a backoff."""


def contestant_labels(keys: Iterable[ContestantKey]) -> dict[ContestantKey, str]:
    """A readable label per key, naming only the parts that differ between the keys: the
    same labels the summaries, `orkit compare` and the report give (`orkit.stats`), so a
    line of the progress display reads as the table the run ends with."""

    keys = list(dict.fromkeys(keys))
    frame = pd.DataFrame(keys, columns=["model", "prompt_id", "params_json"])
    found = contestants(frame)
    labels = found.of_rows()
    return {key: str(labels[i]) for i, key in enumerate(keys)}


def contestant_keys(plan: Plan) -> list[ContestantKey]:
    """The plan's contestants, in its order (model, then prompt, then params set), keyed
    as its tasks are."""
    sets = [canonical_json(p) for p in plan.param_sets]
    return [(m, pid, params) for m in plan.models for pid, _ in plan.prompts for params in sets]


def key_of(record: Mapping[str, Any]) -> ContestantKey:
    return (
        str(record.get("model")),
        str(record.get("prompt_id") or ""),
        str(record.get("params_json") or "{}"),
    )


class Contestants:
    """Counts per contestant, in the order the run announced (or first met) them."""

    def __init__(self) -> None:
        self._counts: dict[ContestantKey, ContestantCounts] = {}
        self._labels: dict[ContestantKey, str] | None = None

    def expect(self, keys: Iterable[ContestantKey]) -> None:
        """The run's contestants, before any task starts: labels are made from all of
        them (a prompt seen later cannot change the labels mid-run)."""
        for key in keys:
            self._counts.setdefault(key, ContestantCounts())
        self._labels = None

    def started(self, key: ContestantKey) -> None:
        self._get(key).running += 1

    def ended(self, key: ContestantKey, status: str) -> None:
        counts = self._get(key)
        counts.running = max(0, counts.running - 1)
        counts.done += 1
        if status == "error":
            counts.errors += 1

    def _get(self, key: ContestantKey) -> ContestantCounts:
        counts = self._counts.get(key)
        if counts is None:
            counts = self._counts[key] = ContestantCounts()
            self._labels = None
        return counts

    def rows(self) -> list[tuple[str, ContestantCounts]]:
        """(label, counts) of every contestant, in order."""
        if self._labels is None:
            self._labels = contestant_labels(self._counts)
        return [(self._labels[k], c) for k, c in self._counts.items()]
