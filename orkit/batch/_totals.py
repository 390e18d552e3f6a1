"""Running totals of a run, per model: what the manifest and the progress bar show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ModelTotals", "RunTotals"]


@dataclass(slots=True)
class ModelTotals:
    tasks: int = 0
    ok: int = 0
    errors: int = 0
    cost_usd: float = 0.0
    """Sum of known costs."""
    cost_unknown_rows: int = 0
    """Rows whose cost is unknown (not counted in cost_usd, never as 0)."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    fallback_rows: int = 0

    def add(self, row: Mapping[str, Any]) -> None:
        self.tasks += 1
        if row["status"] == "ok":
            self.ok += 1
        else:
            self.errors += 1
        cost = row.get("cost_usd")
        if cost is None:
            if row["status"] == "ok":
                self.cost_unknown_rows += 1
        else:
            self.cost_usd += cost
        self.prompt_tokens += row.get("prompt_tokens") or 0
        self.completion_tokens += row.get("completion_tokens") or 0
        if row.get("is_fallback"):
            self.fallback_rows += 1


@dataclass(slots=True)
class RunTotals:
    by_model: dict[str, ModelTotals] = field(default_factory=dict)
    all: ModelTotals = field(default_factory=ModelTotals)

    def add(self, row: Mapping[str, Any]) -> None:
        model = row["model"]
        per = self.by_model.get(model)
        if per is None:
            per = self.by_model[model] = ModelTotals()
        per.add(row)
        self.all.add(row)

    def to_dict(self) -> dict[str, Any]:
        return {
            "all": asdict(self.all),
            "by_model": {m: asdict(t) for m, t in self.by_model.items()},
        }
