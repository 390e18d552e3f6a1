"""`GET /models`, `/models/count`, `/model/{author}/{slug}`, `/models/{author}/{slug}/endpoints`.

Public endpoints (no key needed). `/models` serves the snapshot's model objects unchanged,
filtered by `output_modalities` (csv, any listed; `all` = no filter; default `text`; the
embedding models are listed for `embeddings` and `all` only),
`input_modalities` (csv, all listed), `supported_parameters` (csv, all listed) and `q`
(substring of id or name), paged by `offset`/`limit` (default limit 500, max 1000) with
`total_count` and `links.next`; without paging parameters the full list comes back with
`links.next: null`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from orkit.sim.embeddings import embedding_models
from orkit.sim.errors import SimError, bad_request, not_found
from orkit.sim.pricing import format_price
from orkit.sim.runtime import Endpoint
from orkit.sim.wire import dumps

if TYPE_CHECKING:
    from orkit.sim.simulator import Simulator

__all__ = ["count_models", "list_models", "list_user_models", "model_endpoints", "one_model"]

_DEFAULT_LIMIT = 500
_MAX_LIMIT = 1000
_FILTERS = ("output_modalities", "input_modalities", "supported_parameters", "q")
_DYNAMIC = (":nitro", ":floor", ":exacto", ":online")


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A compact JSON response."""
    return Response(dumps(body).encode(), status, headers=headers, media_type="application/json")


def error_response(exc: SimError) -> Response:
    """Render a `SimError`."""
    return Response(exc.encode(), exc.status, headers=exc.headers, media_type="application/json")


def _csv(value: str | None) -> list[str]:
    return [part.strip().lower() for part in (value or "").split(",") if part.strip()]


def _select(sim: Simulator, params: Mapping[str, str]) -> list[dict[str, Any]]:
    outputs = _csv(params.get("output_modalities")) or ["text"]
    inputs = set(_csv(params.get("input_modalities")))
    wanted_params = set(_csv(params.get("supported_parameters")))
    query = (params.get("q") or "").strip().lower()
    chosen = []
    models = list(sim.catalog.models)
    if "all" in outputs or "embeddings" in outputs:
        # kept apart from the text catalog (OpenRouter lists them only when asked)
        models.extend(embedding_models().values())
    for model in models:
        arch = model.get("architecture") or {}
        if "all" not in outputs and not set(outputs) & set(arch.get("output_modalities") or ()):
            continue
        if inputs and not inputs <= set(arch.get("input_modalities") or ()):
            continue
        if wanted_params and not wanted_params <= set(model.get("supported_parameters") or ()):
            continue
        if query and query not in model["id"].lower() and query not in model["name"].lower():
            continue
        chosen.append(model)
    return chosen


def _int_param(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise bad_request(f"Invalid input: {name} must be a non-negative integer")
    return int(raw)


async def list_models(request: Request) -> Response:
    """`GET /models`."""
    sim: Simulator = request.app.state.sim
    params = request.query_params
    paged = "offset" in params or "limit" in params
    if not paged and not any(params.get(f) for f in _FILTERS):
        if sim.models_body is None:
            body = {
                "data": list(sim.catalog.models),
                "total_count": len(sim.catalog.models),
                "links": {"next": None},
            }
            sim.models_body = dumps(body).encode()
        return Response(sim.models_body, media_type="application/json")
    try:
        offset = _int_param(params, "offset", 0)
        limit = min(_int_param(params, "limit", _DEFAULT_LIMIT), _MAX_LIMIT)
    except SimError as exc:
        return error_response(exc)
    models = _select(sim, params)
    page = models[offset : offset + limit] if paged else models
    next_link = None
    if paged and offset + limit < len(models):
        kept = [(k, v) for k, v in params.multi_items() if k not in ("offset", "limit")]
        query = urlencode([*kept, ("offset", str(offset + limit)), ("limit", str(limit))])
        next_link = f"/api/v1/models?{query}"
    return json_response({"data": page, "total_count": len(models), "links": {"next": next_link}})


async def list_user_models(request: Request) -> Response:
    """`GET /models/user`: like `/models`, but for a signed-in caller."""
    sim: Simulator = request.app.state.sim
    try:
        sim.authenticate(request.headers.get("authorization"))
    except SimError as exc:
        return error_response(exc)
    return await list_models(request)


async def count_models(request: Request) -> Response:
    """`GET /models/count`."""
    sim: Simulator = request.app.state.sim
    count = len(
        _select(sim, {"output_modalities": request.query_params.get("output_modalities", "")})
    )
    return json_response({"data": {"count": count}})


def _find(sim: Simulator, model_id: str) -> dict[str, Any] | None:
    model = sim.catalog.lookup(model_id)
    while model is None and model_id.endswith(_DYNAMIC):
        model_id = model_id.rsplit(":", 1)[0]
        model = sim.catalog.lookup(model_id)
    return model


def _asked_model(request: Request) -> tuple[Simulator, str, dict[str, Any] | None]:
    """The emulator, the model id in the path (`{author}/{slug}`), and its catalog entry."""
    sim: Simulator = request.app.state.sim
    model_id = f"{request.path_params['author']}/{request.path_params['slug']}"
    return sim, model_id, _find(sim, model_id)


async def one_model(request: Request) -> Response:
    """`GET /model/{author}/{slug}`."""
    _, model_id, model = _asked_model(request)
    if model is None:
        return error_response(not_found(f"Model {model_id} not found"))
    return json_response({"data": model})


async def model_endpoints(request: Request) -> Response:
    """`GET /models/{author}/{slug}/endpoints`."""
    sim, model_id, model = _asked_model(request)
    if model is None:
        return error_response(not_found(f"Model {model_id} not found"))
    authorised = True
    try:
        sim.authenticate(request.headers.get("authorization"))
    except SimError:
        authorised = False  # public endpoint; live latency stats are for signed-in callers
    runtime = sim.book.get(model["id"])
    down = sim.in_outage(runtime.id)
    endpoints = [_endpoint_json(model, e, authorised, down) for e in runtime.endpoints]
    data = {key: model.get(key) for key in ("id", "name", "created", "description", "architecture")}
    data["endpoints"] = endpoints
    return json_response({"data": data})


def _endpoint_json(
    model: Mapping[str, Any], endpoint: Endpoint, authorised: bool, down: bool
) -> dict[str, Any]:
    provider = endpoint.provider
    pricing = {"request": "0", "image": "0"}
    for key, value in (model.get("pricing") or {}).items():
        if isinstance(value, str) and key != "discount":
            pricing[key] = format_price(max(Decimal(value), Decimal(0)) * endpoint.multiplier)
    context = model.get("context_length")
    latency = throughput = None
    if authorised:
        ms = endpoint.ttft_s * 1000
        latency = {
            q: round(ms * f) for q, f in (("p50", 1), ("p75", 1.3), ("p90", 1.7), ("p99", 2.8))
        }
        tps = endpoint.tokens_per_s
        throughput = {
            q: round(tps * f, 1)
            for q, f in (("p50", 1), ("p75", 0.85), ("p90", 0.65), ("p99", 0.35))
        }
    uptime = 0.0 if down else provider.uptime_pct
    return {
        "name": f"{provider.name} | {model['id']}",
        "model_id": model["id"],
        "model_name": model.get("name"),
        "provider_name": provider.name,
        "tag": provider.slug,
        "context_length": context,
        "max_completion_tokens": endpoint.max_completion_tokens,
        "max_prompt_tokens": context,
        "quantization": provider.quantization,
        "service_tier": None,
        "pricing": pricing,
        "supported_parameters": sorted(endpoint.supported),
        # Not in OpenRouter's documented /endpoints: the emulator says what its routing
        # filters on, so a client can catch `data_collection`/`zdr` filters that leave no
        # endpoint before it sends (a client must treat these keys as optional).
        "data_collection": provider.data_collection,
        "zdr": provider.zdr,
        "supports_implicit_caching": "input_cache_read" in (model.get("pricing") or {}),
        "supports_tool_choice": {"none": True, "auto": True, "required": True, "function": True},
        "native_tools": {},
        "status": -1 if down else 0,
        "uptime_last_5m": uptime,
        "uptime_last_30m": uptime,
        "uptime_last_1d": provider.uptime_pct,
        "latency_last_30m": latency,
        "throughput_last_30m": throughput,
    }
