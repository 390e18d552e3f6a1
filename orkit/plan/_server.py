"""What the server says of itself, asked once per client: its `/models` list and `/key`.

Before the first request a run needs them in several places — the preflight check, the
manifest's estimate, the budget's prices, the free-model quota — and each used to send its
own GET (on a URL endpoint, up to three fetches of a `/models` list of hundreds of models,
15-30 ms each; on OpenRouter, three `/key` calls). Answers are kept for the client's life,
which is one run, resume or estimate; failures are not kept, so each caller sees its own.
"""

from __future__ import annotations

import time
from typing import Any
from weakref import WeakKeyDictionary, WeakSet

from orkit.catalog import Catalog
from orkit.client import AsyncOpenRouter
from orkit.errors import NotFoundError, OrkitError

__all__ = ["key_info", "models_not_found", "served_models", "server_catalog"]

_models: WeakKeyDictionary[AsyncOpenRouter, list[dict[str, Any]]] = WeakKeyDictionary()
_keys: WeakKeyDictionary[AsyncOpenRouter, dict[str, Any]] = WeakKeyDictionary()
_models_404: WeakSet[AsyncOpenRouter] = WeakSet()


async def served_models(client: AsyncOpenRouter) -> list[dict[str, Any]]:
    """`client.list_models()`, fetched once (errors propagate and are not kept; a 404 is
    remembered, see `models_not_found`)."""
    if client not in _models:
        try:
            _models[client] = await client.list_models()
        except NotFoundError:
            _models_404.add(client)
            raise
    return _models[client]


def models_not_found(client: AsyncOpenRouter) -> bool:
    """Whether this client's `GET /models` answered 404: every OpenAI-compatible server has
    one, so the base URL is probably wrong (a path the server does not serve at all)."""
    return client in _models_404


async def key_info(client: AsyncOpenRouter) -> dict[str, Any]:
    """`client.get_key()`, fetched once (errors propagate and are not kept)."""
    if client not in _keys:
        _keys[client] = await client.get_key()
    return _keys[client]


async def server_catalog(client: AsyncOpenRouter) -> Catalog | None:
    """What an OpenAI-compatible server says its models cost, from its `/models` (an
    OpenRouter-compatible proxy or `orkit sim` says; most servers say nothing: None)."""
    try:
        models = await served_models(client)
    except (OrkitError, OSError):
        return None
    if not any(isinstance(m.get("pricing"), dict) for m in models):
        return None
    today = time.strftime("%Y-%m-%d", time.gmtime())
    return Catalog.from_raw(models, source="live", snapshot_date=today)
