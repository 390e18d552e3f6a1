"""`create_app`: the emulator as a Starlette ASGI app.

Routes (all OpenRouter paths under `/api/v1`):

| method | path | what |
|---|---|---|
| POST | `/api/v1/chat/completions` | chat completions, JSON or SSE |
| POST | `/api/v1/embeddings` | embeddings (`orkit.sim.embeddings`) |
| GET | `/api/v1/models`, `/api/v1/models/count` (public), `/api/v1/models/user` | catalog |
| GET | `/api/v1/model/{author}/{slug}` | one model |
| GET | `/api/v1/models/{author}/{slug}/endpoints` | provider endpoints |
| GET | `/api/v1/key`, `/api/v1/auth/key` | key usage and free-model counters |
| GET | `/api/v1/credits` | credits and usage (management keys only, once any is set) |
| GET, POST | `/api/v1/keys` | list and create inference keys (management keys: `keys_api`) |
| GET, PATCH, DELETE | `/api/v1/keys/{hash}` | one created key |
| GET | `/api/v1/activity` | billed usage per day, model and provider (management keys) |
| GET | `/api/v1/generation?id=` | generation stats |
| GET | `/_sim/stats`, `/_sim/config`; POST `/_sim/reset` | emulator introspection |

With `SimConfig.local_server`, only chat, embeddings (with token counts, no cost), a
`/models` listing the configured models and the introspection routes exist, under `/v1`
as llama.cpp, vLLM and Ollama serve them (and under `/api/v1` too, so an OpenRouter-style
base URL still works); OpenRouter's account paths answer 404 (see `local_api`).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orkit.sim import account_api, embeddings, keys_api, local_api, models_api
from orkit.sim.catalog import Catalog
from orkit.sim.chat import ChatEndpoint
from orkit.sim.config import SimConfig
from orkit.sim.errors import error
from orkit.sim.simulator import Simulator

__all__ = ["LOCAL_API_PATH", "OPENROUTER_API_PATH", "api_path", "create_app"]

OPENROUTER_API_PATH = "/api/v1"
"""Where OpenRouter serves its API (`https://openrouter.ai/api/v1`)."""
LOCAL_API_PATH = "/v1"
"""Where OpenAI-compatible local servers serve theirs (`http://127.0.0.1:8080/v1`)."""


def api_path(config: SimConfig) -> str:
    """The base path a client of this emulator should use: the one of the server it plays."""
    return LOCAL_API_PATH if config.local_server else OPENROUTER_API_PATH


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    message = "Not Found" if status == 404 else str(getattr(exc, "detail", "Error"))
    return models_api.error_response(error(status, message))


def create_app(
    config: SimConfig | None = None,
    *,
    catalog: Catalog | None = None,
    time_fn: Callable[[], float] | None = None,
) -> Starlette:
    """Build an emulator app; its state is `app.state.sim` (a `Simulator`).

    `catalog` lets many apps share one loaded snapshot (tests); `time_fn` replaces
    `time.time` for windows and timestamps (tests with a fake clock).

    Examples:
        >>> app = create_app(SimConfig(seed=0, time_scale=0))
        >>> app.state.sim.config.seed
        0
    """
    sim = Simulator(config, catalog=catalog, time_fn=time_fn)
    if sim.config.local_server:
        # Both prefixes: `/v1` is the local server's own, and `/api/v1` kept working for
        # every client and test written before local servers had theirs.
        routes = _local_routes(sim, LOCAL_API_PATH) + _local_routes(sim, OPENROUTER_API_PATH)
    else:
        routes = _openrouter_routes(sim, OPENROUTER_API_PATH)
    routes += [
        Route("/_sim/stats", account_api.sim_stats, methods=["GET"]),
        Route("/_sim/config", account_api.sim_config, methods=["GET"]),
        Route("/_sim/reset", account_api.sim_reset, methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    app.state.sim = sim
    return app


def _local_routes(sim: Simulator, v1: str) -> list[Route]:
    """A local server's API (`SimConfig.local_server`): chat, embeddings and its own model
    list; the OpenRouter-only paths answer 404 (counted), the rest 404 as any unknown
    path."""
    return [
        Route(f"{v1}/chat/completions", ChatEndpoint(sim), methods=["POST"]),
        Route(f"{v1}/models", local_api.list_local_models, methods=["GET"]),
        # llama.cpp (`--embeddings`) and vLLM serve OpenAI's embeddings too, without a cost
        Route(f"{v1}/embeddings", embeddings.embeddings, methods=["POST"]),
        *(
            Route(f"{v1}{path}", local_api.not_here, methods=["GET"])
            for path in local_api.OPENROUTER_ONLY_PATHS
        ),
    ]


def _openrouter_routes(sim: Simulator, v1: str) -> list[Route]:
    return [
        Route(f"{v1}/chat/completions", ChatEndpoint(sim), methods=["POST"]),
        Route(f"{v1}/embeddings", embeddings.embeddings, methods=["POST"]),
        Route(f"{v1}/models", models_api.list_models, methods=["GET"]),
        Route(f"{v1}/models/user", models_api.list_user_models, methods=["GET"]),
        Route(f"{v1}/models/count", models_api.count_models, methods=["GET"]),
        Route(f"{v1}/model/{{author}}/{{slug}}", models_api.one_model, methods=["GET"]),
        Route(
            f"{v1}/models/{{author}}/{{slug}}/endpoints",
            models_api.model_endpoints,
            methods=["GET"],
        ),
        Route(f"{v1}/key", account_api.key_info, methods=["GET"]),
        Route(f"{v1}/auth/key", account_api.key_info, methods=["GET"]),
        Route(f"{v1}/credits", account_api.credits, methods=["GET"]),
        Route(f"{v1}/generation", account_api.generation, methods=["GET"]),
        Route(f"{v1}/keys", keys_api.list_keys, methods=["GET"]),
        Route(f"{v1}/keys", keys_api.create_key, methods=["POST"]),
        Route(f"{v1}/keys/{{hash}}", keys_api.get_key, methods=["GET"]),
        Route(f"{v1}/keys/{{hash}}", keys_api.update_key, methods=["PATCH"]),
        Route(f"{v1}/keys/{{hash}}", keys_api.delete_key, methods=["DELETE"]),
        Route(f"{v1}/activity", keys_api.activity, methods=["GET"]),
    ]
