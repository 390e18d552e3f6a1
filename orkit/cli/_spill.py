"""After a run: the requests of a `:free` model that spilled to a paid fallback. Past the
day's free quota OpenRouter answers a free model's request with the next model of its
`models` list and bills that one; the row keeps the requested model and records the one
that answered (`served_model`), so a free contestant shows a cost. The lines printed after
the run's table say why: `spill: 30 of 80 openai/gpt-oss-20b:free requests were answered by
paid openai/gpt-4o-mini ($0.000137)`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from orkit._format import count, usd

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["SPILL_COLUMNS", "Spill", "free_spills", "spill_line", "spill_lines"]

SPILL_COLUMNS = ("model", "served_model", "cost_usd")
"""The results columns `free_spills` reads (a few, not the answers' text)."""


@dataclass(frozen=True, slots=True)
class Spill:
    model: str
    """The free model asked."""
    served_model: str
    """The paid model that answered and billed."""
    rows: int
    """Rows of `model` that `served_model` answered."""
    answered: int
    """Rows of `model` answered at all (by anyone)."""
    cost_usd: float | None
    """What those rows cost; None when one of them has no known cost (never 0 for unknown)."""


def is_free_model(model: str) -> bool:
    """A free model id: a `:free` variant, or the router that picks one."""
    return model.endswith(":free") or model == "openrouter/free"


def free_spills(table: pa.Table) -> list[Spill]:
    """Per free model and paid model that answered for it, the rows that spilled (from the
    results' `SPILL_COLUMNS`); in the order they first appear."""
    answered: dict[str, int] = {}
    spilled: dict[tuple[str, str], dict[str, Any]] = {}
    columns = [table.column(name).to_pylist() for name in SPILL_COLUMNS]
    for model, served, cost in zip(*columns, strict=True):
        if model is None or served is None or not is_free_model(model):
            continue
        answered[model] = answered.get(model, 0) + 1
        if served == model or is_free_model(served):
            continue
        line = spilled.setdefault((model, served), {"rows": 0, "cost": 0.0})
        line["rows"] += 1
        line["cost"] = None if cost is None or line["cost"] is None else line["cost"] + cost
    return [
        Spill(model, served, line["rows"], answered[model], line["cost"])
        for (model, served), line in spilled.items()
    ]


def spill_line(spill: Spill) -> str:
    return (
        f"spill: {count(spill.rows)} of {count(spill.answered)} {spill.model} requests were "
        f"answered by paid {spill.served_model} ({usd(spill.cost_usd)})"
    )


def spill_lines(run_dir: Any, totals: Mapping[str, Any]) -> list[str]:
    """The spill lines of the run in `run_dir`; none without rows."""
    from orkit.results import RunDir, read_results

    if not totals.get("tasks"):
        return []
    return [spill_line(s) for s in free_spills(read_results(RunDir(run_dir), SPILL_COLUMNS))]
