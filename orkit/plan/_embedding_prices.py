"""What the embedding scorers' models can cost, for a budget: `/models` lists text models
only, so on OpenRouter (and the emulator) their prices are the bundled embedding models';
another server is asked for its embedding models (`/models?output_modalities=embeddings`,
as OpenRouter and OpenRouter-compatible servers answer)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from orkit.catalog import Catalog
from orkit.client import AsyncOpenRouter
from orkit.cost import Prices, model_prices
from orkit.errors import OrkitError
from orkit.plan._endpoint import Endpoint
from orkit.scorers import EmbeddingScorer

__all__ = ["embedding_prices"]


async def embedding_prices(
    scorers: Iterable[Any], endpoint: Endpoint, client: AsyncOpenRouter, catalog: Catalog
) -> dict[str, Prices]:
    """The dearest price of the model of each embedding scorer among `scorers` that
    `endpoint` prices; a model it does not price (a local server's) is left out: it bills
    nobody orkit knows of, so its requests reserve nothing and their cost stays unknown."""
    models = {s.embedding_model for s in scorers if isinstance(s, EmbeddingScorer)}
    if not models:
        return {}
    source = catalog
    if endpoint.uses_catalog:
        source = Catalog.bundled(all_modalities=True)
    elif not all(catalog.get(m) for m in models):
        source = await _server_embedding_models(client) or catalog
    return await model_prices(sorted(m for m in models if source.get(m)), client, source)


async def _server_embedding_models(client: AsyncOpenRouter) -> Catalog | None:
    """The server's own list of its embedding models, if it gives one."""
    try:
        raw = await client.list_models(output_modalities="embeddings")
    except (OrkitError, OSError):
        return None
    return Catalog.from_raw(raw, source="live", snapshot_date="") if raw else None
