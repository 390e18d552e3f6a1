"""The async HTTP client for OpenRouter and OpenAI-compatible servers (layer 1).

`AsyncOpenRouter` sends chat completions (plain or streamed, measuring time to first token)
and reads the models catalog, endpoints, generation stats, key info and credits;
`KeyManager` speaks OpenRouter's management API (credits, activity, and creating, listing
and deleting inference keys) with a management key. It makes
one HTTP request per call and raises the classes of `orkit.errors`; retries, fallbacks and
rate limits live in the router.

Public: the names in `__all__`, imported from `orkit.client`; its `_` modules are internal.
"""

from __future__ import annotations

from orkit import _exports
from orkit.client._client import AsyncOpenRouter
from orkit.client._embed import Embeddings
from orkit.client._http import HTTPBackend, HTTPResponse, StreamResponse
from orkit.client._keys import CreatedKey, KeyManager
from orkit.client._stream import ChatStream

__all__ = [
    "AsyncOpenRouter",
    "ChatStream",
    "CreatedKey",
    "Embeddings",
    "HTTPBackend",
    "HTTPResponse",
    "KeyManager",
    "StreamResponse",
]

_exports.publish(globals())
