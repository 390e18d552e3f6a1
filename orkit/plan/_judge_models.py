"""LLM judges whose model the endpoint does not have: caught before a judge request is sent.

Without this check a judge's model typo costs one 400 per row ("not a valid model ID"), each
row ends "not judged", and the error names a model but not which scorer asked for it.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from orkit.catalog import Catalog
from orkit.errors import SpecError, UnknownModelError
from orkit.scorers import EmbeddingScorer, Judge

__all__ = ["check_judge_models"]


def check_judge_models(
    scorers: Sequence[Any], catalog: Catalog, *, path: str | None = None
) -> None:
    """Raise SpecError naming the first judge (`scorers[1].model`, in the spec file `path`)
    whose model `catalog` does not know, with the catalog's close matches."""
    for i, scorer in enumerate(scorers):
        if isinstance(scorer, EmbeddingScorer):
            _check_embedding_model(scorer, catalog, path=path, field=f"scorers[{i}].model")
            continue
        if not isinstance(scorer, Judge):
            continue
        try:
            catalog.require(scorer.judge_model)
        except UnknownModelError as exc:
            raise SpecError(
                f"judge {scorer.name!r}: {exc.message}", path=path, field=f"scorers[{i}].model"
            ) from None


def _check_embedding_model(
    scorer: EmbeddingScorer, catalog: Catalog, *, path: str | None, field: str
) -> None:
    """An embedding scorer's model must be an embedding model: `/models` lists text models
    only, so the bundled embedding models are asked too."""
    model = scorer.embedding_model
    info = catalog.get(model) or Catalog.bundled(all_modalities=True).get(model)
    if info is not None and "embeddings" in info.output_modalities:
        return
    embedders = Catalog.bundled(all_modalities=True).search(output_modality="embeddings")
    ids = [m.id for m in embedders]
    if info is not None:
        why = f"{model} is not an embedding model (it answers chat)"
    else:
        why = f"unknown embedding model id {model!r}"
    near = difflib.get_close_matches(model, ids, n=1)
    hint = f"; did you mean {near[0]}?" if near else " (orkit models --output-modality embeddings)"
    raise SpecError(f"scorer {scorer.name!r}: {why}{hint}", path=path, field=field)
