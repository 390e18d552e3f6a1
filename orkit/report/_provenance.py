"""Who served each model: its served providers and served models by rows, a warning when a
model was served by more than one provider (their answers may differ: quantisation,
versions), and the rows a fallback model answered."""

from __future__ import annotations

from typing import Any

from orkit.report._tallies import Tallies
from orkit.results import SummaryRows

__all__ = ["provenance"]


def provenance(tallies: Tallies, rows: SummaryRows, models: list[str]) -> dict[str, Any]:
    """The payload's `provenance`, models in `models`' order (the leaderboard's)."""
    by_model, warnings = [], []
    for model in models:
        providers = tallies.model_providers.get(model)
        if providers is None:
            continue
        known = [p for p in providers if p != "unknown"]
        mixed = len(known) > 1
        by_model.append(
            {
                "model": model,
                "providers": dict(providers.most_common()),
                "served_models": dict(tallies.served_models.get(model, {}).items()),
                "mixed": mixed,
            }
        )
        if mixed:
            listed = ", ".join(f"{p} ({providers[p]:,} rows)" for p in sorted(known))
            warnings.append(f"{model} was served by {len(known)} providers: {listed}")
    return {
        "by_model": by_model,
        "warnings": warnings,
        "fallback_rows": int(rows.is_fallback.sum()) if rows.num_rows else 0,
    }
