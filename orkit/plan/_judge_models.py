"""LLM judges whose model the endpoint does not have: caught before a judge request is sent.

Without this check a judge's model typo costs one 400 per row ("not a valid model ID"), each
row ends "not judged", and the error names a model but not which scorer asked for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from orkit.catalog import Catalog
from orkit.errors import SpecError, UnknownModelError
from orkit.scorers import Judge

__all__ = ["check_judge_models"]


def check_judge_models(
    scorers: Sequence[Any], catalog: Catalog, *, path: str | None = None
) -> None:
    """Raise SpecError naming the first judge (`scorers[1].model`, in the spec file `path`)
    whose model `catalog` does not know, with the catalog's close matches."""
    for i, scorer in enumerate(scorers):
        if not isinstance(scorer, Judge):
            continue
        try:
            catalog.require(scorer.judge_model)
        except UnknownModelError as exc:
            raise SpecError(
                f"judge {scorer.name!r}: {exc.message}", path=path, field=f"scorers[{i}].model"
            ) from None
