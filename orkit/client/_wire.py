"""OpenRouter wire format: response and usage parsing, and error mapping (layer 1, pure).

`error_from_response` is the one place where an HTTP error status, an error body, a 200 body
carrying an `error`, and an SSE error event become an exception from `orkit.errors`; the
status → class table is `_class_for`; rate-limit hints are read by `_hints`. No I/O here.

Unknown values stay `None`, never 0: a missing `usage.cost` is not a free request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from orkit._redact import redact_secrets
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
from orkit.errors import (
    APIError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ContextLengthError,
    GatewayTimeoutError,
    InsufficientCreditsError,
    InvalidResponseError,
    NotFoundError,
    PermissionDeniedError,
    ProviderOverloadedError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    ServiceUnavailableError,
    UpstreamError,
)
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

_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    429: RateLimitError,
    502: UpstreamError,
    503: ServiceUnavailableError,
    504: GatewayTimeoutError,
    524: GatewayTimeoutError,
    529: ProviderOverloadedError,
}

# String error codes seen in the wild (`"server_error"` in a mid-stream event) and the
# canonical `metadata.error_type` values, as HTTP statuses.
_CODE_NAMES: dict[str, int] = {
    "server_error": 500,
    "internal_server_error": 500,
    "api_error": 500,
    "server": 500,
    "unmapped": 500,
    "bad_request": 400,
    "invalid_request": 400,
    "invalid_request_error": 400,
    "invalid_prompt": 400,
    "context_length_exceeded": 400,
    "max_tokens_exceeded": 400,
    "token_limit_exceeded": 400,
    "string_too_long": 400,
    "content_policy_violation": 400,
    "refusal": 400,
    "authentication": 401,
    "authentication_error": 401,
    "payment_required": 402,
    "permission_denied": 403,
    "permission_error": 403,
    "not_found": 404,
    "not_found_error": 404,
    "precondition_failed": 412,
    "payload_too_large": 413,
    "unprocessable": 422,
    "rate_limit_exceeded": 429,
    "rate_limit_error": 429,
    "provider_unavailable": 502,
    "provider_overloaded": 503,
    "timeout": 504,
    "overloaded_error": 529,
}

_CONTEXT_TYPES = frozenset({"context_length_exceeded", "token_limit_exceeded"})
_CONTEXT_RE = re.compile(
    r"context (?:length|window)|maximum context|too many tokens|prompt is too long"
    r"|input is too long|exceeds? the (?:model'?s? )?(?:maximum )?context",
    re.IGNORECASE,
)

# What local servers (llama.cpp, vLLM, Ollama) send with a 5xx when the request itself is
# invalid: sending it again gets the same answer, so it is a request error, not a server
# fault. Only messages that can only be about the request's fields are listed (a generic
# 5xx stays retryable):
_INVALID_REQUEST_5XX_RE = re.compile(
    # llama.cpp (nlohmann::json) reading a request field: "type must be number, but is
    # string", "key 'messages' not found". Not type_error.316 (invalid UTF-8 in the
    # model's output) nor parse errors (orkit always sends valid JSON).
    r"\[json\.exception\.(?:type_error\.30[2-5]|out_of_range\.40[13])\]"
    # pydantic (vLLM, FastAPI servers) validating the request model, not a response model.
    r"|\b\d+ validation errors? for \w*Request\b"
    # FastAPI's request-body validation detail: loc ('body', 'max_tokens').
    r"|['\"]loc['\"]:\s*[(\[]\s*['\"]body['\"]"
    # Go's encoding/json decoding the request (Ollama), naming the field.
    r"|json: cannot unmarshal \w+ into Go struct field"
    # jsonschema validating the request against the server's schema.
    r"|Failed validating '\w+' in schema",
)
_INVALID_REQUEST_TYPES = frozenset(
    {"badrequesterror", "invalid_request_error", "invalid_request", "bad_request"}
)
"""An error `type` by which the server itself says the request is invalid (vLLM's
`BadRequestError`, sent with a 500 by some versions)."""


# --------------------------------------------------------------------------- success


def load_json(body: bytes) -> Any:
    """Decode a JSON body. Leading whitespace (OpenRouter's keep-alive padding) is fine."""
    return json.loads(body)


def parse_usage(raw: object) -> Usage | None:
    """`Usage` from a `usage` object, or None if there is none."""
    if not isinstance(raw, dict):
        return None
    ptd = raw.get("prompt_tokens_details")
    ctd = raw.get("completion_tokens_details")
    cd = raw.get("cost_details")
    ptd = ptd if isinstance(ptd, dict) else {}
    ctd = ctd if isinstance(ctd, dict) else {}
    cd = cd if isinstance(cd, dict) else {}
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
    choices = obj.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices else None
    choice = choice if isinstance(choice, dict) else {}
    message = choice.get("message")
    message = message if isinstance(message, dict) else {}
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
    choices = obj.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices else None
    choice = choice if isinstance(choice, dict) else {}
    delta = choice.get("delta")
    delta = delta if isinstance(delta, dict) else {}
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
    status_code = status if status >= 400 else _status_from_code(code, metadata, err)
    message = as_str(err.get("message")) or status_phrase(status_code)
    raw = _raw_detail(metadata.get("raw"))
    provider = as_str(metadata.get("provider_name"))
    cls = _class_for(
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
    key = secret_text(secret)
    if key:
        body = body.replace(key.encode(), REDACTED.encode())
    text = redact_secrets(excerpt(body))
    prefix = f"{model}: " if model else ""
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
    key = secret_text(secret)
    if key:
        body = body.replace(key.encode(), REDACTED.encode())
    text = redact_secrets(excerpt(body))
    prefix = f"{model}: " if model else ""
    kind = one_line(content_type, 80) or "no content type"
    detail = f": {text!r}" if text else " (empty body)"
    return InvalidResponseError(
        f"{prefix}{status}: expected an event stream, got {kind}{detail}",
        model=model,
        status_code=status,
    )


def _class_for(
    status: int, text: str, error_type: str | None, body_type: str | None = None
) -> type[APIStatusError]:
    """HTTP status → exception class: the only such table in orkit. `error_type` is
    OpenRouter's `metadata.error_type`, `body_type` the error's own `type` field."""
    if status == 400 and (error_type in _CONTEXT_TYPES or _CONTEXT_RE.search(text)):
        return ContextLengthError
    if 500 <= status <= 599 and _says_request_is_invalid(text, body_type):
        return BadRequestError  # keeps its 5xx status_code; the policy fails it, no retry
    cls = _STATUS_CLASSES.get(status)
    if cls is not None:
        return cls
    return ServerError if 500 <= status <= 599 else APIStatusError


def _says_request_is_invalid(text: str, body_type: str | None) -> bool:
    """A 5xx whose body says the request itself is invalid (see `_INVALID_REQUEST_5XX_RE`)."""
    if body_type is not None and body_type.lower() in _INVALID_REQUEST_TYPES:
        return True
    return _INVALID_REQUEST_5XX_RE.search(text) is not None


def _status_from_code(code: object, metadata: Mapping[str, Any], err: Mapping[str, Any]) -> int:
    """The status an error in a 200 body or SSE event stands for (its `code` may be a
    number, a numeric string, or a name such as "server_error")."""
    if isinstance(code, str) and code.strip().isdigit():
        code = int(code)
    if isinstance(code, int) and not isinstance(code, bool) and 400 <= code <= 599:
        return code
    for name in (code, metadata.get("error_type")):
        if isinstance(name, str) and name.lower() in _CODE_NAMES:
            return _CODE_NAMES[name.lower()]
    http_status = err.get("http_status")
    if isinstance(http_status, int) and 400 <= http_status <= 599:
        return http_status
    return 500  # the server said something failed without saying what


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
