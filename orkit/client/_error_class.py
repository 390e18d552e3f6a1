"""Which exception class an OpenRouter error is (layer 1, pure): the HTTP status table, the
names a 200 body or SSE event gives a status by, and the messages by which a 4xx is about
the context window or a 5xx is about the request itself.

`class_for` is the only status → class table in orkit; `_wire.error_from_response` reads
an error's parts and asks it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from orkit.errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ContextLengthError,
    GatewayTimeoutError,
    InsufficientCreditsError,
    NotFoundError,
    PermissionDeniedError,
    ProviderOverloadedError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    ServiceUnavailableError,
    UpstreamError,
)

__all__ = ["class_for", "status_from_code"]

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


def class_for(
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


def status_from_code(code: object, metadata: Mapping[str, Any], err: Mapping[str, Any]) -> int:
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
