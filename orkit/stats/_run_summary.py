"""The one summary of a run: what `Run.summary`, the HTML report, the CLI's tables and
`orkit compare` all show per contestant.

Each of them used to read the sweep's settings from the manifest itself and call a summary
of its own; the report forgot `score_fallbacks` once, and showed no `exact` column for a
model whose answers had all come from its fallback while `run.summary()` scored them. Now
the settings that change a summary are read from the sweep in one place
(`SummaryOptions.of_sweeps`) and the table is made in one place (`summarize_run`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from orkit.results import SummaryRows
from orkit.stats._contestants import Contestants
from orkit.stats._row_summary import row_contestants, summary_and_scores

__all__ = ["RunSummary", "SummaryOptions", "summarize_run"]


@dataclass(frozen=True)
class SummaryOptions:
    """What changes a run's summary besides its rows."""

    score_fallbacks: bool = False
    """Count answers served by a fallback model toward the scores of the model asked for
    (the sweep's `score_fallbacks`); by default they count as rows and cost only."""
    models: tuple[str, ...] = ()
    """The sweep's models, in its order: contestants are listed in it; models with rows
    that it does not name (a run made by other means) come after them."""
    prompts: tuple[str, ...] = ()
    """The sweep's prompt ids, in its order."""
    by: str | Sequence[str] | None = None
    """Group other than by contestant (see `orkit.stats.grouping_columns`)."""
    confidence: float = 0.95
    """Of the scores' intervals."""
    seed: int = 0
    """Of the bootstrap, for scores that are not pass/fail."""
    n_boot: int = 2000
    """Bootstrap replicates, for scores that are not pass/fail."""

    def __post_init__(self) -> None:
        # lists given by callers become tuples: the options stay frozen and comparable
        object.__setattr__(self, "models", tuple(self.models))
        object.__setattr__(self, "prompts", tuple(self.prompts))
        if self.by is not None and not isinstance(self.by, str):
            object.__setattr__(self, "by", tuple(self.by))

    @classmethod
    def of_sweeps(cls, specs: Iterable[Mapping[str, Any]]) -> SummaryOptions:
        """The options the sweeps of the runs summarized together set (each run's
        manifest's `spec`): fallback answers count only if every sweep asked for it; models
        and prompts in the sweeps' order, the first run's first."""
        specs = list(specs)
        models = [str(m) for spec in specs for m in spec.get("models") or []]
        prompts = [str(p) for spec in specs for p in spec.get("prompts") or {}]
        return cls(
            score_fallbacks=bool(specs) and all(bool(s.get("score_fallbacks")) for s in specs),
            models=tuple(dict.fromkeys(models)),
            prompts=tuple(dict.fromkeys(prompts)),
        )

    def model_order(self, present: Iterable[Any]) -> list[str]:
        """The models in display order: the sweep's, then those with rows (`present`, in
        order of appearance) that it does not name."""
        return list(dict.fromkeys([*self.models, *(str(m) for m in present)]))


@dataclass(frozen=True)
class RunSummary:
    """A run's summary and the contestants it is made of."""

    table: pd.DataFrame
    """One row per contestant (see `orkit.stats.summarize` for the columns)."""
    scores: pd.DataFrame
    """The same scores as one row per scorer × contestant, with the cost per correct
    answer (see `orkit.stats.score_summary` for the columns)."""
    contestants: Contestants
    """Who is compared, with each results row's contestant (`codes`, -1: none)."""


def summarize_run(rows: SummaryRows, options: SummaryOptions) -> RunSummary:
    """The per-contestant summary of `rows` (`read_summary_rows` of a run directory, or
    `rows_of_frames` of results and scores as frames), in the sweep's order."""
    present: Iterable[Any] = pd.unique(rows.groups["model"]) if rows.num_rows else ()
    models = options.model_order(present)
    entrants = row_contestants(rows, options.by, models=models, prompts=list(options.prompts))
    ci = (options.confidence, options.seed, options.n_boot)
    table, scores = summary_and_scores(rows, entrants, options.by, options.score_fallbacks, ci)
    return RunSummary(table, scores, entrants)
