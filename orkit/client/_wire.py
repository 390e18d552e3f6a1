"""OpenRouter wire format: response and usage parsing, and error mapping (layer 1, pure).

`error_from_response` is the one place where an HTTP error status, an error body, a 200 body
carrying an `error`, and an SSE error event become an exception from `orkit.errors`; which
class is `_error_class.class_for`'s call; rate-limit hints are read by `_hints`. No I/O here.

Unknown values stay `None`, never 0: a missing `usage.cost` is not a free request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from orkit._redact import redact_secrets
from orkit.client._error_class import class_for, status_from_code
from orkit.client._hints import rate_limit_reset_s, retry_after_s
from orkit.client._values import (
    REDACTED,
    as_float,
    as_int,
    as_str,
    excerpt,
    one_line,
    scrub,
    secret_text,
    status_phrase,
    text_of,
)
from orkit.errors import APIError, InvalidResponseError
from orkit.types import ChatChunk, ChatResponse, Secret, Usage

__all__ = [
    "chat_response",
    "chunk_from_event",
    "error_from_response",
    "find_error",
    "invalid_response",
    "load_json",
    "not_an_event_stream",
    "parse_usage",
]

# --------------------------------------------------------------------------- success


def load_json(body: bytes) -> Any:
    """Decode a JSON body. Leading whitespace (OpenRouter's keep-alive padding) is fine."""
    return json.loads(body)


def parse_usage(raw: object) -> Usage | None:
    """`Usage` from a `usage` object, or None if there is none."""
    if not isinstance(raw, dict):
        return None
    ptd = _table(raw.get("prompt_tokens_details"))
    ctd = _table(raw.get("completion_tokens_details"))
    cd = _table(raw.get("cost_details"))
    byok = raw.get("is_byok")
    return Usage(
        prompt_tokens=as_int(raw.get("prompt_tokens")),
        completion_tokens=as_int(raw.get("completion_tokens")),
        total_tokens=as_int(raw.get("total_tokens")),
        reasoning_tokens=as_int(ctd.get("reasoning_tokens")),
        cached_tokens=as_int(ptd.get("cached_tokens")),
        cache_write_tokens=as_int(ptd.get("cache_write_tokens")),
        cost_usd=as_float(raw.get("cost")),
        is_byok=byok if isinstance(byok, bool) else None,
        upstream_inference_cost_usd=as_float(cd.get("upstream_inference_cost")),
    )


def chat_response(
    obj: Mapping[str, Any], headers: Mapping[str, str], *, latency_s: float | None
) -> ChatResponse:
    """`ChatResponse` from a non-streamed body that `find_error` found clean."""
    choice, message = _first_choice(obj, "message")
    tool_calls = message.get("tool_calls")
    return ChatResponse(
        generation_id=as_str(obj.get("id")) or headers.get("x-generation-id"),
        model=as_str(obj.get("model")),
        provider=as_str(obj.get("provider")),
        content=text_of(message.get("content")),
        reasoning=as_str(message.get("reasoning")),
        finish_reason=as_str(choice.get("finish_reason")),
        native_finish_reason=as_str(choice.get("native_finish_reason")),
        usage=parse_usage(obj.get("usage")),
        tool_calls=tool_calls if isinstance(tool_calls, list) and tool_calls else None,
        created=as_int(obj.get("created")),
        latency_s=latency_s,
        streamed=False,
    )


def chunk_from_event(obj: Mapping[str, Any]) -> ChatChunk:
    """`ChatChunk` from one parsed SSE event (usage-only events have no choice)."""
    choice, delta = _first_choice(obj, "delta")
    tool_calls = delta.get("tool_calls")
    return ChatChunk(
        generation_id=as_str(obj.get("id")),
        model=as_str(obj.get("model")),
        provider=as_str(obj.get("provider")),
        content=as_str(delta.get("content")),
        reasoning=as_str(delta.get("reasoning")),
        role=as_str(delta.get("role")),
        finish_reason=as_str(choice.get("finish_reason")),
        native_finish_reason=as_str(choice.get("native_finish_reason")),
        usage=parse_usage(obj.get("usage")),
        tool_calls=tool_calls if isinstance(tool_calls, list) and tool_calls else None,
        created=as_int(obj.get("created")),
    )


# --------------------------------------------------------------------------- errors


def _table(value: object) -> Mapping[str, Any]:
    """A JSON object, or {} for anything else (a server may send null, or a string)."""
    return value if isinstance(value, dict) else {}


def _first_choice(obj: Mapping[str, Any], part: str) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """The first choice of a body or event, and its `part` (`message` of a body, `delta` of
    an event); {} for what is missing or malformed."""
    choices = obj.get("choices")
    choice = _table(choices[0] if isinstance(choices, list) and choices else None)
    return choice, _table(choice.get(part))


def find_error(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The error object in a body or event, or None: a top-level `error`, a
    `choices[0].error`, or a choice that finished with `finish_reason: "error"`."""
    err = obj.get("error")
    if err:
        return err if isinstance(err, dict) else {"message": str(err)}
    choices = obj.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        choice = choices[0]
        err = choice.get("error")
        if err:
            return err if isinstance(err, dict) else {"message": str(err)}
        if choice.get("finish_reason") == "error":
            return {"message": "the provider stopped with finish_reason 'error'"}
    return None


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes | Mapping[str, Any],
    *,
    model: str | None = None,
    secret: Secret | None = None,
    is_mid_stream: bool = False,
    wall_now: float | None = None,
) -> APIError:
    """The exception for an error answer.

    `body` is the raw bytes of an HTTP error answer, or an already parsed 200 body or SSE
    event that carries an error. `model` is the model that was asked for. The key in
    `secret` is cut out of everything the error keeps, in case a server echoes it.
    """
    key = secret_text(secret)
    if isinstance(body, bytes | bytearray):
        if key and key.encode() in body:
            body = bytes(body).replace(key.encode(), REDACTED.encode())
        try:
            payload: Any = load_json(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            if status < 400:
                return invalid_response(status, bytes(body), secret, model=model)
            payload = {"error": {"message": excerpt(bytes(body)) or status_phrase(status)}}
    else:
        payload = body
    err = find_error(payload) or _bare_error(payload, status)
    if key:
        err = scrub(err, key)
    metadata = err.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    code = err.get("code")
    status_code = status if status >= 400 else status_from_code(code, metadata, err)
    message = as_str(err.get("message")) or status_phrase(status_code)
    raw = _raw_detail(metadata.get("raw"))
    provider = as_str(metadata.get("provider_name"))
    cls = class_for(
        status_code,
        f"{message} {raw or ''}",
        as_str(metadata.get("error_type")),
        as_str(err.get("type")),
    )
    error = cls(
        _compose(model, status_code, message, provider, raw, is_mid_stream),
        status_code=status_code,
        model=model,
        provider=provider,
        metadata=metadata,
        retry_after_s=retry_after_s(headers, metadata, err, wall_now),
        rate_limit_reset_s=rate_limit_reset_s(headers, metadata),
        is_mid_stream=is_mid_stream,
        generation_id=headers.get("x-generation-id") or as_str(payload.get("id")),
        raw_code=code,
    )
    # An error inside a 200 body or event may say what the failed generation was billed.
    error.usage = parse_usage(payload.get("usage")) if status < 400 else None
    return error


def invalid_response(
    status: int, body: bytes, secret: Secret | None, *, model: str | None, what: str = "body"
) -> InvalidResponseError:
    """A body orkit cannot parse: status and a short, key-redacted excerpt."""
    text, prefix = _shown_body(body, secret), f"{model}: " if model else ""
    return InvalidResponseError(
        f"{prefix}{status}: {what} is not valid JSON: {text!r}"
        if text
        else f"{prefix}{status}: empty {what}",
        model=model,
        status_code=status,
    )


def not_an_event_stream(
    status: int, content_type: str, body: bytes, secret: Secret | None, *, model: str | None
) -> InvalidResponseError:
    """A streamed request answered with a body that is neither SSE nor JSON (an HTML page
    from a proxy or a login portal, say): the server answered, so it is not a dropped
    connection, and retrying may or may not help, as for an unparsable JSON body."""
    text, prefix = _shown_body(body, secret), f"{model}: " if model else ""
    kind = one_line(content_type, 80) or "no content type"
    detail = f": {text!r}" if text else " (empty body)"
    return InvalidResponseError(
        f"{prefix}{status}: expected an event stream, got {kind}{detail}",
        model=model,
        status_code=status,
    )


def _shown_body(body: bytes, secret: Secret | None) -> str:
    """A short excerpt of a body for a message, with the key and anything key-shaped cut."""
    key = secret_text(secret)
    if key:
        body = body.replace(key.encode(), REDACTED.encode())
    return redact_secrets(excerpt(body))


def _bare_error(payload: Mapping[str, Any], status: int) -> Mapping[str, Any]:
    # Not OpenRouter's shape: vLLM puts `message`/`code` at the top, FastAPI uses `detail`.
    message = (
        as_str(payload.get("message")) or as_str(payload.get("detail")) or status_phrase(status)
    )
    return {"message": message, "code": payload.get("code"), "type": payload.get("type")}


def _compose(
    model: str | None,
    status: int,
    message: str,
    provider: str | None,
    raw: str | None,
    mid_stream: bool,
) -> str:
    text = f"{status} {one_line(message, 300)}"
    if provider:
        text += f" ({provider})"
    if raw and raw not in message:
        text += f": {raw}"
    if mid_stream:
        text += " [mid-stream]"
    # Provider errors sometimes quote keys (BYOK): no key-shaped text leaves in a message.
    return redact_secrets(f"{model}: {text}" if model else text)


def _raw_detail(raw: object) -> str | None:
    """`metadata.raw` made short: the inner message if it is a provider's JSON error."""
    if raw is None or raw == "":
        return None
    inner: object = raw
    if isinstance(raw, str) and raw.lstrip().startswith("{"):
        try:
            inner = json.loads(raw)
        except ValueError:
            inner = raw
    for _ in range(3):  # {"error": {"message": ...}} nests a level or two
        if not isinstance(inner, dict):
            break
        nested = inner.get("error", inner.get("message"))
        if nested is None or nested is inner:
            break
        inner = nested
    text = inner if isinstance(inner, str) else json.dumps(inner, separators=(",", ":"))
    return one_line(text, 300)
