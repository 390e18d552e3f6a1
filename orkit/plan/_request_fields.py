"""The chat-completions body fields a spec may set, and what each accepts, in one table.

A spec's `[params]` and `[grid]` are sent as the request body. OpenRouter forwards or
silently drops a top-level field it does not know, so a typo (`temprature = 0`) costs a
whole run at the default temperature, and a wrong type (`temperature = "hot"`) comes back
as one 400 per task. Every field here is checked before anything is sent; a field that is
in no table is an error with a did-you-mean. A truly custom field goes through the
explicit `[params.extra]` table, which is sent as-is.

The known fields are OpenAI's and OpenRouter's, as OpenRouter's API reference lists them
for `POST /chat/completions`. Samplers that only local servers read (llama.cpp's
`repeat_penalty`, vLLM's `min_tokens`, ...) are accepted on a URL endpoint, where they are
that server's own fields.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from orkit.plan._reasoning_checks import EFFORTS, reasoning_problem
from orkit.plan._response_format import schema_problem
from orkit.plan._value_checks import (
    Check,
    anything,
    boolean,
    did_you_mean,
    got,
    integer,
    is_number,
    keys_problem,
    nested,
    number,
    one_of,
    string,
    strings,
    table,
)

__all__ = [
    "EXTRA_TABLE",
    "LOCAL_SERVER_FIELDS",
    "REQUEST_FIELDS",
    "field_problem",
    "unknown_field_message",
]

EXTRA_TABLE = "extra"
"""`[params.extra]`: fields sent as-is, unchecked (a server's own extensions)."""


def _stop(value: Any) -> str | None:
    if isinstance(value, str):
        return None
    if isinstance(value, list) and len(value) <= 4 and all(isinstance(v, str) for v in value):
        return None
    return f"must be a string or a list of up to 4 strings, {got(value)}"


def _logit_bias(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return f"must be a table of token id = bias (-100 to 100), {got(value)}"
    for token, bias in value.items():
        if not str(token).isdigit():
            return f"keys must be token ids (integers), got {token!r}"
        if not is_number(bias) or not -100 <= bias <= 100:
            return f"{token}: must be a number from -100 to 100, {got(bias)}"
    return None


_FORMATS = ("text", "json_object", "json_schema", "grammar", "python")


def _response_format(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return f"must be a table with a type ({', '.join(_FORMATS)}), {got(value)}"
    kind = value.get("type")
    if kind not in _FORMATS:
        return f"type: must be one of {', '.join(map(repr, _FORMATS))}, {got(kind)}" + did_you_mean(
            kind, _FORMATS
        )
    if kind == "json_schema":
        schema = value.get("json_schema")
        if not isinstance(schema, Mapping) or not isinstance(schema.get("name"), str):
            return "json_schema: must be a table with a name (and a schema)"
        if "schema" in schema and not isinstance(schema["schema"], Mapping):
            return f"json_schema.schema: must be a table, {got(schema['schema'])}"
        if isinstance(schema.get("schema"), Mapping):  # as [response_format] checks it
            problem = schema_problem(schema["schema"], strict=schema.get("strict") is True)
            return None if problem is None else f"json_schema.schema: {problem}"
    return None


def _tools(value: Any) -> str | None:
    if not isinstance(value, list):
        return f"must be a list of tool tables, {got(value)}"
    for i, tool in enumerate(value):
        if not isinstance(tool, Mapping) or not isinstance(tool.get("type"), str):
            return f"[{i}]: must be a table with a type, {got(tool)}"
        if tool["type"] == "function":
            function = tool.get("function")
            if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
                return f"[{i}].function: must be a table with a name"
    return None


def _tool_choice(value: Any) -> str | None:
    if value in ("none", "auto", "required"):
        return None
    function = value.get("function") if isinstance(value, Mapping) else None
    if isinstance(function, Mapping) and isinstance(function.get("name"), str):
        return None
    return (
        "must be 'none', 'auto', 'required' or {type = 'function', function = {name = ...}}, "
        + got(value)
    )


_EFFORTS = EFFORTS


def _models(value: Any) -> str | None:
    if isinstance(value, list) and value and all(isinstance(m, str) and m.strip() for m in value):
        return None
    return f"must be a non-empty list of model ids, {got(value)}"


def _price_number(value: Any) -> str | None:
    # USD per million tokens; OpenRouter's SDK types them as strings, its docs as numbers
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return f"must be a number (USD per million tokens), {got(value)}"
    return number(0)(value)


_QUANTIZATIONS = (
    "int4",
    "int8",
    "fp4",
    "mxfp4",
    "nvfp4",
    "fp6",
    "fp8",
    "mxfp8",
    "fp16",
    "bf16",
    "fp32",
    "unknown",
)


def _quantizations(value: Any) -> str | None:
    problem = strings(value)
    if problem is not None:
        return problem
    for q in value:
        if q not in _QUANTIZATIONS:
            return (
                f"unknown quantization {q!r} (known: {', '.join(_QUANTIZATIONS)})"
                + did_you_mean(q, _QUANTIZATIONS)
            )
    return None


_SORTS = ("price", "throughput", "latency", "exacto")


def _sort(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return keys_problem(value, {"by": one_of(*_SORTS), "partition": one_of("model", "none")})
    return one_of(*_SORTS)(value)


def _percentiles(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return keys_problem(value, dict.fromkeys(("p50", "p75", "p90", "p99"), number(0)))
    return number(0)(value)


PROVIDER_FIELDS: dict[str, Check] = {
    "order": strings,
    "allow_fallbacks": boolean,
    "require_parameters": boolean,
    "data_collection": one_of("allow", "deny"),
    "zdr": boolean,
    "enforce_distillable_text": boolean,
    "only": strings,
    "ignore": strings,
    "quantizations": _quantizations,
    "sort": _sort,
    "preferred_min_throughput": _percentiles,
    "preferred_max_latency": _percentiles,
    "max_price": nested(
        dict.fromkeys(("prompt", "completion", "request", "image", "audio"), _price_number)
    ),
    "options": table,
}
"""`provider` is validated strictly by OpenRouter itself (400 on an unknown key)."""

_TEMPERATURE = number(0, 2)

REQUEST_FIELDS: dict[str, Check] = {
    # OpenAI-standard fields, as OpenRouter defines them (§2.1)
    "max_tokens": integer(1),
    "max_completion_tokens": integer(1),
    "temperature": _TEMPERATURE,
    "top_p": number(0, 1, above=True),
    "top_k": integer(0),
    "frequency_penalty": number(-2, 2),
    "presence_penalty": number(-2, 2),
    "repetition_penalty": number(0, 2, above=True),
    "min_p": number(0, 1),
    "top_a": number(0, 1),
    "seed": integer(),
    "stop": _stop,
    "logit_bias": _logit_bias,
    "logprobs": boolean,
    "top_logprobs": integer(0, 20),
    "response_format": _response_format,
    "tools": _tools,
    "tool_choice": _tool_choice,
    "parallel_tool_calls": boolean,
    "prediction": nested({"type": one_of("content"), "content": string}),
    "user": string,
    "metadata": table,
    "modalities": strings,
    "service_tier": one_of("auto", "default", "fast", "flex", "priority", "scale", "ultrafast"),
    "verbosity": one_of("low", "medium", "high", "xhigh", "max"),
    "web_search_options": table,
    "n": integer(1),
    "store": boolean,
    "audio": table,
    # OpenRouter-specific fields (§2.2)
    "models": _models,
    "route": one_of("fallback", "sort"),
    "provider": nested(PROVIDER_FIELDS),
    "plugins": anything,
    "reasoning": reasoning_problem,
    "reasoning_effort": one_of(*_EFFORTS),
    "include_reasoning": boolean,
    "usage": table,
    "stream_options": table,
    "transforms": strings,
    "session_id": string,
    "prompt_cache_key": string,
    "prompt_cache_options": table,
    "cache_control": table,
    "debug": table,
    "trace": table,
    "image_config": table,
    "stop_server_tools_when": anything,
    "deferred_tools": anything,
}
"""Every body field a spec may set outside `[params.extra]`, with what it accepts."""

LOCAL_SERVER_FIELDS: dict[str, Check] = {
    # llama.cpp server
    "repeat_penalty": number(0),
    "repeat_last_n": integer(-1),
    "typical_p": number(0, 1),
    "tfs_z": number(0),
    "mirostat": integer(0, 2),
    "mirostat_tau": number(0),
    "mirostat_eta": number(0),
    "n_predict": integer(-1),
    "grammar": string,
    "json_schema": table,
    "cache_prompt": boolean,
    "samplers": strings,
    "dry_multiplier": number(0),
    "dry_base": number(0),
    "dry_allowed_length": integer(0),
    "xtc_probability": number(0, 1),
    "xtc_threshold": number(0, 1),
    # vLLM
    "min_tokens": integer(0),
    "ignore_eos": boolean,
    "skip_special_tokens": boolean,
    "length_penalty": number(),
    "best_of": integer(1),
    "use_beam_search": boolean,
    "guided_json": anything,
    "guided_regex": string,
    "guided_choice": strings,
    "guided_grammar": string,
    "chat_template_kwargs": table,
}
"""Samplers of llama.cpp and vLLM servers: known fields on a URL endpoint only."""


def field_problem(name: str, value: Any, *, local_server: bool = False) -> str | None:
    """What is wrong with `value` for the body field `name` (None: nothing). The caller has
    established that `name` is known (see `unknown_field_message`)."""
    check = REQUEST_FIELDS.get(name)
    if check is None and local_server:
        check = LOCAL_SERVER_FIELDS.get(name)
    return None if check is None else check(value)


def unknown_field_message(name: str, *, local_server: bool = False) -> str | None:
    """None for a known field; else the one line saying so, with a did-you-mean."""
    if name in REQUEST_FIELDS or (local_server and name in LOCAL_SERVER_FIELDS):
        return None
    if name in LOCAL_SERVER_FIELDS:
        return (
            f"{name!r} is a llama.cpp/vLLM field that OpenRouter does not know; send it "
            f"on a URL endpoint, or put it in [params.{EXTRA_TABLE}] to send it anyway"
        )
    known = list(REQUEST_FIELDS) + (list(LOCAL_SERVER_FIELDS) if local_server else [])
    near = difflib.get_close_matches(name, known, n=1, cutoff=0.7)
    hint = f"did you mean {near[0]!r}? " if near else ""
    return (
        f"unknown request field {name!r}; {hint}(a custom field goes in "
        f"[params.{EXTRA_TABLE}], or --param {EXTRA_TABLE}.{name}=VALUE)"
    )
