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
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "EXTRA_TABLE",
    "LOCAL_SERVER_FIELDS",
    "REQUEST_FIELDS",
    "field_problem",
    "unknown_field_message",
]

EXTRA_TABLE = "extra"
"""`[params.extra]`: fields sent as-is, unchecked (a server's own extensions)."""

Check = Callable[[Any], str | None]
"""None when the value is acceptable, else what it must be (`must be ..., got ...`)."""


def _got(value: Any) -> str:
    return f"got {value!r:.60}"


def _is_number(value: Any) -> bool:
    # bool is an int to Python, never a temperature to a user; NaN passes no bound.
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(low: float | None = None, high: float | None = None, *, above: bool = False) -> Check:
    """A number in [low, high] (`above`: low itself excluded)."""
    if low is not None and high is not None:
        words = f"a number from {low:g} to {high:g}" + (f", above {low:g}" if above else "")
    elif low is not None:
        words = f"a number {'>' if above else '>='} {low:g}"
    else:
        words = "a number"

    def check(value: Any) -> str | None:
        ok = _is_number(value)
        ok = ok and (low is None or (value > low if above else value >= low))
        ok = ok and (high is None or value <= high)
        return None if ok else f"must be {words}, {_got(value)}"

    return check


def _integer(low: int | None = None, high: int | None = None) -> Check:
    words = "an integer" + (f" >= {low}" if low is not None and high is None else "")
    if low is not None and high is not None:
        words = f"an integer from {low} to {high}"

    def check(value: Any) -> str | None:
        ok = _is_int(value) and (low is None or value >= low) and (high is None or value <= high)
        return None if ok else f"must be {words}, {_got(value)}"

    return check


def _bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, {_got(value)}"


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) else f"must be a string, {_got(value)}"


def _table(value: Any) -> str | None:
    return None if isinstance(value, Mapping) else f"must be a table, {_got(value)}"


def _any(value: Any) -> str | None:
    return None


def _one_of(*choices: str) -> Check:
    listed = ", ".join(repr(c) for c in choices)

    def check(value: Any) -> str | None:
        if value in choices:
            return None
        return f"must be one of {listed}, {_got(value)}" + _close(value, choices)

    return check


def _strings(value: Any) -> str | None:
    if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        return None
    return f"must be a list of strings, {_got(value)}"


def _close(value: Any, choices: Any) -> str:
    if not isinstance(value, str):
        return ""
    near = difflib.get_close_matches(value, list(choices), n=1)
    return f"; did you mean {near[0]!r}?" if near else ""


def _keys(value: Mapping[str, Any], known: Mapping[str, Check]) -> str | None:
    """The first problem among a table's keys and values (unknown keys included)."""
    for key, item in value.items():
        check = known.get(key)
        if check is None:
            return f"has unknown key {key!r}" + _close(key, known)
        problem = check(item)
        if problem is not None:
            return f"{key}: {problem}"
    return None


def _nested(known: Mapping[str, Check]) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, Mapping):
            return f"must be a table, {_got(value)}"
        return _keys(value, known)

    return check


def _stop(value: Any) -> str | None:
    if isinstance(value, str):
        return None
    if isinstance(value, list) and len(value) <= 4 and all(isinstance(v, str) for v in value):
        return None
    return f"must be a string or a list of up to 4 strings, {_got(value)}"


def _logit_bias(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return f"must be a table of token id = bias (-100 to 100), {_got(value)}"
    for token, bias in value.items():
        if not str(token).isdigit():
            return f"keys must be token ids (integers), got {token!r}"
        if not _is_number(bias) or not -100 <= bias <= 100:
            return f"{token}: must be a number from -100 to 100, {_got(bias)}"
    return None


_FORMATS = ("text", "json_object", "json_schema", "grammar", "python")


def _response_format(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return f"must be a table with a type ({', '.join(_FORMATS)}), {_got(value)}"
    kind = value.get("type")
    if kind not in _FORMATS:
        return f"type: must be one of {', '.join(map(repr, _FORMATS))}, {_got(kind)}" + _close(
            kind, _FORMATS
        )
    if kind == "json_schema":
        schema = value.get("json_schema")
        if not isinstance(schema, Mapping) or not isinstance(schema.get("name"), str):
            return "json_schema: must be a table with a name (and a schema)"
        if "schema" in schema and not isinstance(schema["schema"], Mapping):
            return f"json_schema.schema: must be a table, {_got(schema['schema'])}"
    return None


def _tools(value: Any) -> str | None:
    if not isinstance(value, list):
        return f"must be a list of tool tables, {_got(value)}"
    for i, tool in enumerate(value):
        if not isinstance(tool, Mapping) or not isinstance(tool.get("type"), str):
            return f"[{i}]: must be a table with a type, {_got(tool)}"
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
        + _got(value)
    )


_EFFORTS = ("max", "xhigh", "high", "medium", "low", "minimal", "none")

_REASONING: dict[str, Check] = {
    "effort": _one_of(*_EFFORTS),
    "max_tokens": _integer(0),
    "exclude": _bool,
    "enabled": _bool,
    "summary": _one_of("auto", "concise", "detailed"),
    "context": _any,
    "mode": _any,
}


def _models(value: Any) -> str | None:
    if isinstance(value, list) and value and all(isinstance(m, str) and m.strip() for m in value):
        return None
    return f"must be a non-empty list of model ids, {_got(value)}"


def _price_number(value: Any) -> str | None:
    # USD per million tokens; OpenRouter's SDK types them as strings, its docs as numbers
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return f"must be a number (USD per million tokens), {_got(value)}"
    return _number(0)(value)


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
    problem = _strings(value)
    if problem is not None:
        return problem
    for q in value:
        if q not in _QUANTIZATIONS:
            return f"unknown quantization {q!r} (known: {', '.join(_QUANTIZATIONS)})" + _close(
                q, _QUANTIZATIONS
            )
    return None


_SORTS = ("price", "throughput", "latency", "exacto")


def _sort(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return _keys(value, {"by": _one_of(*_SORTS), "partition": _one_of("model", "none")})
    return _one_of(*_SORTS)(value)


def _percentiles(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return _keys(value, dict.fromkeys(("p50", "p75", "p90", "p99"), _number(0)))
    return _number(0)(value)


PROVIDER_FIELDS: dict[str, Check] = {
    "order": _strings,
    "allow_fallbacks": _bool,
    "require_parameters": _bool,
    "data_collection": _one_of("allow", "deny"),
    "zdr": _bool,
    "enforce_distillable_text": _bool,
    "only": _strings,
    "ignore": _strings,
    "quantizations": _quantizations,
    "sort": _sort,
    "preferred_min_throughput": _percentiles,
    "preferred_max_latency": _percentiles,
    "max_price": _nested(
        dict.fromkeys(("prompt", "completion", "request", "image", "audio"), _price_number)
    ),
    "options": _table,
}
"""`provider` is validated strictly by OpenRouter itself (400 on an unknown key)."""

_TEMPERATURE = _number(0, 2)

REQUEST_FIELDS: dict[str, Check] = {
    # OpenAI-standard fields, as OpenRouter defines them (§2.1)
    "max_tokens": _integer(1),
    "max_completion_tokens": _integer(1),
    "temperature": _TEMPERATURE,
    "top_p": _number(0, 1, above=True),
    "top_k": _integer(0),
    "frequency_penalty": _number(-2, 2),
    "presence_penalty": _number(-2, 2),
    "repetition_penalty": _number(0, 2, above=True),
    "min_p": _number(0, 1),
    "top_a": _number(0, 1),
    "seed": _integer(),
    "stop": _stop,
    "logit_bias": _logit_bias,
    "logprobs": _bool,
    "top_logprobs": _integer(0, 20),
    "response_format": _response_format,
    "tools": _tools,
    "tool_choice": _tool_choice,
    "parallel_tool_calls": _bool,
    "prediction": _nested({"type": _one_of("content"), "content": _string}),
    "user": _string,
    "metadata": _table,
    "modalities": _strings,
    "service_tier": _one_of("auto", "default", "fast", "flex", "priority", "scale", "ultrafast"),
    "verbosity": _one_of("low", "medium", "high", "xhigh", "max"),
    "web_search_options": _table,
    "n": _integer(1),
    "store": _bool,
    "audio": _table,
    # OpenRouter-specific fields (§2.2)
    "models": _models,
    "route": _one_of("fallback", "sort"),
    "provider": _nested(PROVIDER_FIELDS),
    "plugins": _any,
    "reasoning": _nested(_REASONING),
    "reasoning_effort": _one_of(*_EFFORTS),
    "include_reasoning": _bool,
    "usage": _table,
    "stream_options": _table,
    "transforms": _strings,
    "session_id": _string,
    "prompt_cache_key": _string,
    "prompt_cache_options": _table,
    "cache_control": _table,
    "debug": _table,
    "trace": _table,
    "image_config": _table,
    "stop_server_tools_when": _any,
    "deferred_tools": _any,
}
"""Every body field a spec may set outside `[params.extra]`, with what it accepts."""

LOCAL_SERVER_FIELDS: dict[str, Check] = {
    # llama.cpp server
    "repeat_penalty": _number(0),
    "repeat_last_n": _integer(-1),
    "typical_p": _number(0, 1),
    "tfs_z": _number(0),
    "mirostat": _integer(0, 2),
    "mirostat_tau": _number(0),
    "mirostat_eta": _number(0),
    "n_predict": _integer(-1),
    "grammar": _string,
    "json_schema": _table,
    "cache_prompt": _bool,
    "samplers": _strings,
    "dry_multiplier": _number(0),
    "dry_base": _number(0),
    "dry_allowed_length": _integer(0),
    "xtc_probability": _number(0, 1),
    "xtc_threshold": _number(0, 1),
    # vLLM
    "min_tokens": _integer(0),
    "ignore_eos": _bool,
    "skip_special_tokens": _bool,
    "length_penalty": _number(),
    "best_of": _integer(1),
    "use_beam_search": _bool,
    "guided_json": _any,
    "guided_regex": _string,
    "guided_choice": _strings,
    "guided_grammar": _string,
    "chat_template_kwargs": _table,
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
