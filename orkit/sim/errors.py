"""OpenRouter error bodies, exactly as the real API writes them (reference §5, §6).

Every error is `{"error": {"message", "code", "metadata"?}, "user_id"?}` with `code` equal to
the HTTP status. Builders here return a `SimError` carrying the status, the body and any
headers (`Retry-After`, `X-RateLimit-*`); the HTTP layer renders it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = [
    "SimError",
    "bad_request",
    "fault_error",
    "free_limit_error",
    "invalid_model",
    "no_endpoints",
    "not_found",
    "unauthorized",
    "upstream_rate_limited",
    "without_retry_hints",
]

_SETTINGS_INTEGRATIONS = "https://openrouter.ai/settings/integrations"


class SimError(Exception):
    """An HTTP error response of the emulator: status, JSON body and extra headers."""

    def __init__(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(body["error"]["message"])
        self.status = status
        self.body = body
        self.headers = headers or {}

    @property
    def retryable(self) -> bool:
        """Whether a client would retry it (used to pick the error of a failed fallback chain)."""
        return self.status in (408, 429) or self.status >= 500

    def encode(self) -> bytes:
        """The body as compact JSON bytes."""
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode()


def _body(
    status: int, message: str, metadata: dict[str, Any] | None, user_id: str | None
) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "code": status}
    if metadata is not None:
        error["metadata"] = metadata
    body: dict[str, Any] = {"error": error}
    if user_id is not None:
        body["user_id"] = user_id
    return body


def error(
    status: int,
    message: str,
    *,
    metadata: dict[str, Any] | None = None,
    user_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> SimError:
    """Any error body: `{"error":{"message","code","metadata"?},"user_id"?}`."""
    return SimError(status, _body(status, message, metadata, user_id), headers)


def bad_request(message: str, user_id: str | None = None, **metadata: Any) -> SimError:
    """400 raised by OpenRouter's own validation (metadata only when given)."""
    return error(400, message, metadata=metadata or None, user_id=user_id)


def unauthorized(message: str) -> SimError:
    """401: `Missing Authentication header` or `User not found.` (no metadata, no user_id)."""
    return error(401, message)


def not_found(message: str) -> SimError:
    """404 for unknown resources (`Generation not found`, unknown model pages)."""
    return error(404, message)


def invalid_model(model_id: str, user_id: str) -> SimError:
    """400 for an id the catalog does not know."""
    return error(400, f"{model_id} is not a valid model ID", user_id=user_id)


def no_endpoints(message: str, user_id: str) -> SimError:
    """404 when routing leaves no provider endpoint."""
    return error(404, message, user_id=user_id)


def free_limit_error(
    *, per_day: bool, limit: int, reset_ms: int, retry_after_s: float | None, user_id: str
) -> SimError:
    """429 of the free-model limits, with `metadata.headers` and the same HTTP headers."""
    if per_day and limit < 1000:
        message = (
            "Rate limit exceeded: free-models-per-day. "
            "Add 10 credits to unlock 1000 free model requests per day"
        )
    elif per_day:
        message = "Rate limit exceeded: free-models-per-day-high-balance. "
    else:
        message = "Rate limit exceeded: free-models-per-min. "
    rate_headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(reset_ms),
    }
    headers = dict(rate_headers)
    if retry_after_s is not None:
        headers["Retry-After"] = str(max(1, math.ceil(retry_after_s)))
    metadata = {"headers": rate_headers, "provider_name": None}
    return error(429, message, metadata=metadata, user_id=user_id, headers=headers)


def upstream_rate_limited(
    model_id: str, provider: str, retry_after_s: float | None, user_id: str
) -> SimError:
    """429 `Provider returned error`: the model is rate-limited at its provider."""
    metadata: dict[str, Any] = {
        "raw": (
            f"{model_id} is temporarily rate-limited upstream. Please retry shortly, or add "
            f"your own key to accumulate your rate limits: {_SETTINGS_INTEGRATIONS}"
        ),
        "provider_name": provider,
        "is_byok": False,
    }
    headers: dict[str, str] = {}
    if retry_after_s is not None:
        seconds = _whole_seconds(retry_after_s)
        metadata["retry_after_seconds"] = seconds
        metadata["retry_after_seconds_raw"] = round(retry_after_s, 3)
        headers["Retry-After"] = str(seconds)
    return error(
        429, "Provider returned error", metadata=metadata, user_id=user_id, headers=headers
    )


_RETRY_HINT_HEADERS = frozenset({"retry-after", "x-ratelimit-reset"})
_RETRY_HINT_METADATA = frozenset({"retry_after_seconds", "retry_after_seconds_raw"})


def without_retry_hints(exc: SimError) -> SimError:
    """The same error with nothing saying when to come back: no `Retry-After` or
    `X-RateLimit-Reset` (as HTTP headers or in `metadata.headers`), no
    `retry_after_seconds(_raw)` (`SimConfig.rate_limit_hints = false`)."""
    body = json.loads(exc.encode())
    metadata = body["error"].get("metadata")
    if isinstance(metadata, dict):
        for name in _RETRY_HINT_METADATA:
            metadata.pop(name, None)
        inner = metadata.get("headers")
        if isinstance(inner, dict):
            metadata["headers"] = _without_hint_headers(inner)
    return SimError(exc.status, body, _without_hint_headers(exc.headers))


def _without_hint_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in _RETRY_HINT_HEADERS}


def fault_error(
    status: int, model_id: str, provider: str, retry_after_s: float, user_id: str
) -> SimError:
    """An injected error with the body the real API sends for that status."""
    if status == 429:
        return upstream_rate_limited(model_id, provider, retry_after_s, user_id)
    if status == 401:
        return unauthorized("User not found.")
    if status == 402:
        return error(
            402,
            "Insufficient credits. Add more using https://openrouter.ai/credits",
            metadata={"provider_name": None},
            user_id=user_id,
        )
    if status == 404:
        return no_endpoints(f"No endpoints found for {model_id}.", user_id)
    if status == 403:
        return _moderation(model_id, provider, user_id)
    if status == 503:
        return error(
            503,
            "Service temporarily unavailable",
            metadata={"provider_name": provider, "error_type": "provider_overloaded"},
            user_id=user_id,
            headers={"Retry-After": str(_whole_seconds(retry_after_s))},
        )
    message, extra = _FAULT_BODIES[status]
    metadata = None if extra is None else {**extra, "provider_name": provider}
    return error(status, message, metadata=metadata, user_id=user_id)


def _whole_seconds(seconds: float) -> int:
    """Round half up, as the real `retry_after_seconds_raw: 15.751 -> retry_after_seconds: 16`."""
    return int(seconds + 0.5)


def _moderation(model_id: str, provider: str, user_id: str) -> SimError:
    message = (
        f"{model_id} requires moderation on {provider}. Your input was flagged for "
        '"harassment". No credits were charged.'
    )
    metadata = {
        "reasons": ["harassment"],
        "flagged_input": "...",
        "provider_name": provider,
        "model_slug": model_id,
    }
    return error(403, message, metadata=metadata, user_id=user_id)


_ANTHROPIC_OVERLOADED = (
    '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
)
_FAULT_BODIES: Mapping[int, tuple[str, dict[str, Any] | None]] = MappingProxyType(
    {
        400: (
            "Provider returned error",
            {"raw": '{"error":{"message":"Invalid request","type":"invalid_request_error"}}'},
        ),
        408: ("Operation timed out. Please try again later.", None),
        500: ("Internal Server Error", None),
        502: (
            "Provider returned error",
            {
                "raw": "upstream connect error or disconnect/reset before headers",
                "error_type": "provider_unavailable",
            },
        ),
        504: ("Gateway Timeout", {"error_type": "timeout"}),
        524: ("Request timed out. Please try again later.", None),
        529: ("Provider returned error", {"raw": _ANTHROPIC_OVERLOADED}),
    }
)
