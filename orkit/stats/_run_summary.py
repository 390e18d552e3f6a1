"""The one summary of a run: what `Run.summary`, the HTML report, the CLI's tables and
`orkit compare` all show per contestant.

Each of them used to read the sweep's settings from the manifest itself and call a summary
of its own; the report forgot `score_fallbacks` once, and showed no `exact` column for a
model whose answers had all come from its fallback while `run.summary()` scored them. Now
the settings that change a summary are read from the sweep in one place
(`SummaryOptions.of_sweeps`) and the table is made in one place (`summarize_run`).

The same object is the settings of the analysis functions over frames (`summarize`,
`score_summary`, `compare`, `rank_groups`): a contestant, its order and which scores count
mean one thing wherever a table of contestants is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from orkit.results import SummaryRows, spec_model_names
from orkit.stats._contestants import Contestants, contestants
from orkit.stats._row_summary import row_contestants, summary_and_scores

__all__ = ["RunSummary", "SummaryOptions", "summarize_run"]


@dataclass(frozen=True)
class SummaryOptions:
    """What changes a run's summary besides its rows: who the contestants are, their order,
    which scores count and how their intervals are drawn. `summarize`, `score_summary`,
    `compare` and `rank_groups` take it as `options=`."""

    score_fallbacks: bool = False
    """Count answers served by a fallback model toward the scores of the model asked for
    (the sweep's `score_fallbacks`); by default they count as rows and cost only."""
    models: Sequence[str] = ()
    """The sweep's models, in its order: contestants are listed in it; models with rows
    that it does not name (a run made by other means) come after them. It orders and never
    selects: to leave a model out, leave its rows out of the results. Kept as a tuple."""
    prompts: Sequence[str] = ()
    """The sweep's prompt ids, in its order (as `models` orders models). Kept as a tuple."""
    by: str | Sequence[str] | None = None
    """Group other than by contestant (see `orkit.stats.grouping_columns`)."""
    confidence: float = 0.95
    """Of the scores' intervals."""
    seed: int = 0
    """Of the bootstrap, for scores that are not pass/fail."""
    n_boot: int = 2000
    """Bootstrap replicates, for scores that are not pass/fail."""

    def __post_init__(self) -> None:
        # lists given by callers become tuples: the options stay frozen and comparable (a
        # name given alone is that model or prompt, not its letters)
        for name in ("models", "prompts"):
            given = getattr(self, name)
            object.__setattr__(self, name, (given,) if isinstance(given, str) else tuple(given))
        if self.by is not None and not isinstance(self.by, str):
            object.__setattr__(self, "by", tuple(self.by))

    @classmethod
    def of_sweeps(cls, specs: Iterable[Mapping[str, Any]]) -> SummaryOptions:
        """The options the sweeps of the runs summarized together set (each run's
        manifest's `spec`): fallback answers count only if every sweep asked for it; models
        and prompts in the sweeps' order, the first run's first."""
        specs = list(specs)
        models = [m for spec in specs for m in spec_model_names(spec)]
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

    @property
    def ci(self) -> tuple[float, int, int]:
        """(confidence, seed, n_boot): how the scores' intervals are drawn."""
        return (self.confidence, self.seed, self.n_boot)

    def contestants_of_rows(self, rows: SummaryRows) -> Contestants:
        """The contestants of `rows` (`SummaryRows`), grouped `by` and in display order."""
        present: Iterable[Any] = pd.unique(rows.groups["model"]) if rows.num_rows else ()
        models = self.model_order(present)
        return row_contestants(rows, self.by, models=models, prompts=list(self.prompts))

    def contestants_of_frame(self, results: pd.DataFrame) -> Contestants:
        """The contestants of a results frame, grouped `by` and in display order (the
        order `contestants_of_rows` gives the same rows)."""
        present = results["model"].unique() if "model" in results.columns else ()
        models = self.model_order(present)
        return contestants(results, self.by, models=models, prompts=list(self.prompts))


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
    entrants = options.contestants_of_rows(rows)
    by, ci = options.by, options.ci
    table, scores = summary_and_scores(rows, entrants, by, options.score_fallbacks, ci)
    return RunSummary(table, scores, entrants)
