"""The emulator as a local OpenAI-compatible server (`SimConfig.local_server`): what
llama.cpp, vLLM and Ollama answer where OpenRouter's API has more.

Such servers answer under `/v1` (the app serves `/api/v1` too), list only the models they
serve, in OpenAI's shape with no prices, and have none of OpenRouter's account endpoints:
`/key`, `/credits` and `/generation` answer 404. Those probes are counted
(`Stats.not_found_by_path`) so tests can tell how often a client asks a server for
something it said it does not have.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from orkit.sim.errors import not_found
from orkit.sim.models_api import error_response, json_response

if TYPE_CHECKING:
    from orkit.sim.simulator import Simulator

__all__ = ["OPENROUTER_ONLY_PATHS", "list_local_models", "not_here"]

OPENROUTER_ONLY_PATHS = ("/key", "/auth/key", "/credits", "/generation", "/keys", "/activity")
"""Paths under the API base path that a local server does not have."""


async def list_local_models(request: Request) -> Response:
    """`GET /models`: the configured models only, as `{"object": "list", "data": [...]}`."""
    sim: Simulator = request.app.state.sim
    data = [
        {"id": model_id, "object": "model", "created": 0, "owned_by": "local"}
        for model_id in sim.config.models
    ]
    return json_response({"object": "list", "data": data})


async def not_here(request: Request) -> Response:
    """404 for OpenRouter's own endpoints, counted by path."""
    sim: Simulator = request.app.state.sim
    sim.stats.not_found_by_path[request.url.path] += 1
    return error_response(not_found("Not Found"))
