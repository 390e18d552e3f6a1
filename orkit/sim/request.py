"""Parse and validate a `POST /chat/completions` body into a `ChatRequest`.

Validation mirrors what OpenRouter itself rejects with a 400 before routing: bad JSON, no
messages, malformed messages, bad sampling values, unknown keys in `provider`. Unknown
top-level keys are accepted (OpenRouter forwards or drops them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orkit.sim._hashing import body_hash
from orkit.sim.errors import bad_request
from orkit.sim.extras import Extras, parse_extras
from orkit.sim.prefs import ProviderPrefs, parse_prefs
from orkit.sim.seeding import seed_hash, seed_messages
from orkit.sim.tokenizer import text_of

__all__ = ["ChatRequest", "parse_chat"]

_ROLES = ("system", "developer", "user", "assistant", "tool")
_DEFAULT_MODEL = "openrouter/auto"
# Body keys that count as "requested parameters" for `provider.require_parameters`.
_PARAM_KEYS = frozenset(
    {
        "temperature",
        "top_p",
        "top_k",
        "frequency_penalty",
        "presence_penalty",
        "repetition_penalty",
        "min_p",
        "top_a",
        "seed",
        "stop",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "response_format",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "reasoning",
        "include_reasoning",
        "reasoning_effort",
        "prediction",
        "verbosity",
        "web_search_options",
    }
)


@dataclass(frozen=True)
class ChatRequest:
    """A validated chat request, with the facts the emulator decides on."""

    body: Mapping[str, Any]
    body_hash: str
    """The body as sent (billing stats, how often this exact body was seen)."""
    seed_hash: str
    """The body as the model reads it, without prompt-cache markers (`orkit.sim.seeding`):
    what answers, faults and the provider pick are drawn from."""
    messages: tuple[Mapping[str, Any], ...]
    seed_messages: tuple[Mapping[str, Any], ...]
    """`messages` as the model reads them (no cache markers; a lone text part as a string)."""
    model_ids: tuple[str, ...]
    stream: bool
    max_tokens: int | None
    stop: tuple[str, ...]
    temperature: float | None
    seed: int | None
    json_mode: str | None
    json_key: str
    prefs: ProviderPrefs
    web_search: bool
    params: frozenset[str]
    user_text: str
    extras: Extras | None = None
    """Tools, a JSON schema, reasoning, images and files; None for a plain text request."""


def parse_chat(raw: bytes, user_id: str) -> ChatRequest:
    """Parse a request body; raise a 400 `SimError` the way OpenRouter would."""
    try:
        body = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Invalid JSON in request body", user_id) from None
    if not isinstance(body, dict):
        raise bad_request("Invalid input: request body must be a JSON object", user_id)
    messages, has_parts = _messages(body.get("messages"), user_id)
    json_mode, json_key = _response_format(body.get("response_format"), user_id)
    extras = parse_extras(body, messages, json_mode, user_id, has_parts=has_parts)
    seeded = seed_messages(messages)
    return ChatRequest(
        body=body,
        body_hash=body_hash(body),
        seed_hash=seed_hash(body, messages, seeded),
        messages=messages,
        seed_messages=seeded,
        model_ids=_model_ids(body, user_id),
        stream=_typed(body, "stream", bool, user_id) or False,
        max_tokens=_max_tokens(body, user_id),
        stop=_stop(body.get("stop"), user_id),
        temperature=_temperature(body.get("temperature"), user_id),
        seed=_typed(body, "seed", int, user_id),
        json_mode=json_mode,
        json_key=json_key,
        prefs=parse_prefs(body.get("provider"), user_id),
        web_search=_web_plugin(body.get("plugins")),
        params=_params(body, json_mode),
        user_text=_last_user_text(messages),
        extras=extras,
    )


def _messages(value: Any, user_id: str) -> tuple[tuple[Mapping[str, Any], ...], bool]:
    """The messages, and whether any has a list of content parts."""
    if value is None or value == []:
        raise bad_request('Input required: specify "prompt" or "messages"', user_id)
    if not isinstance(value, list):
        raise bad_request("Invalid input: messages must be an array", user_id)
    has_parts = False
    for index, message in enumerate(value):
        if not isinstance(message, Mapping) or message.get("role") not in _ROLES:
            roles = ", ".join(_ROLES)
            raise bad_request(
                f"Invalid input: messages[{index}].role must be one of {roles}", user_id
            )
        content = message.get("content")
        if isinstance(content, list):
            has_parts = True
        elif content is not None and not isinstance(content, str):
            raise bad_request(
                f"Invalid input: messages[{index}].content must be a string or an array", user_id
            )
    if not any(text_of(m.get("content")).strip() for m in value):
        # The capture of this error has no user_id (reference fixture error-400-input-min-token).
        raise bad_request("Input must have at least 1 token.", None, provider_name=None)
    return tuple(value), has_parts


def _model_ids(body: Mapping[str, Any], user_id: str) -> tuple[str, ...]:
    model = body.get("model")
    models = body.get("models") or []
    if model is not None and (not isinstance(model, str) or not model):
        raise bad_request("Invalid input: model must be a non-empty string", user_id)
    if not isinstance(models, list) or not all(isinstance(m, str) and m for m in models):
        raise bad_request("Invalid input: models must be an array of model IDs", user_id)
    ordered = ([model] if model else []) + list(models)
    return tuple(dict.fromkeys(ordered)) or (_DEFAULT_MODEL,)


def _typed(body: Mapping[str, Any], key: str, kind: type, user_id: str) -> Any:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise bad_request(f"Invalid input: {key} must be a {kind.__name__}", user_id)
    return value


def _max_tokens(body: Mapping[str, Any], user_id: str) -> int | None:
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise bad_request(f"Invalid input: {key} must be a positive integer", user_id)
        return value
    return None


def _stop(value: Any, user_id: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list) and len(value) <= 4 and all(isinstance(s, str) for s in value):
        return tuple(s for s in value if s)
    raise bad_request(
        "Invalid input: stop must be a string or an array of up to 4 strings", user_id
    )


def _temperature(value: Any, user_id: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 2:
        raise bad_request("Invalid input: temperature must be a number between 0 and 2", user_id)
    return float(value)


def _response_format(value: Any, user_id: str) -> tuple[str | None, str]:
    if value is None:
        return None, "answer"
    kind = value.get("type") if isinstance(value, Mapping) else None
    if kind not in ("text", "json_object", "json_schema"):
        raise bad_request(
            "Invalid input: response_format.type must be one of text, json_object, json_schema",
            user_id,
        )
    if kind == "text":
        return None, "answer"
    schema = (value.get("json_schema") or {}).get("schema") or {}
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    key = next(iter(properties), "answer") if isinstance(properties, Mapping) else "answer"
    return str(kind), str(key)


def _web_plugin(plugins: Any) -> bool:
    if not isinstance(plugins, list):
        return False
    return any(
        isinstance(p, Mapping) and p.get("id") == "web" and p.get("enabled", True) for p in plugins
    )


def _params(body: Mapping[str, Any], json_mode: str | None) -> frozenset[str]:
    params = {key for key in body if key in _PARAM_KEYS and body[key] is not None}
    if body.get("max_tokens") is not None or body.get("max_completion_tokens") is not None:
        params.add("max_tokens")
    if json_mode == "json_schema":
        params.add("structured_outputs")
    return frozenset(params)


def _last_user_text(messages: tuple[Mapping[str, Any], ...]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return text_of(message.get("content"))
    return text_of(messages[-1].get("content"))
