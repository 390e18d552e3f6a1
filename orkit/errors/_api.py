"""The errors of talking to the API: no answer, an unreadable one, an error status (one class
per status OpenRouter documents), a breaker holding a model down (`orkit.errors` draws the
tree; `client/_error_class.py` maps an answer to its class)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from orkit.errors._local import OrkitError

if TYPE_CHECKING:
    from orkit.types import Usage

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CircuitOpenError",
    "ContextLengthError",
    "GatewayTimeoutError",
    "InsufficientCreditsError",
    "InvalidResponseError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProviderOverloadedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServerError",
    "ServiceUnavailableError",
    "UpstreamError",
    "http_status_of",
]


# --------------------------------------------------------------------------- API


class APIError(OrkitError):
    """A request to the API did not produce a usable answer.

    `generation_id` is set when the server had begun the answer (a stream cut or failed
    after its first event): OpenRouter bills such a generation, and `GET /generation` can
    say for how much. `usage` is what a mid-stream error event reported (tokens, cost)."""

    def __init__(
        self, message: str, *, model: str | None = None, provider: str | None = None
    ) -> None:
        super().__init__(message)
        self.model = model
        self.provider = provider
        self.generation_id: str | None = None
        self.usage: Usage | None = None

    @property
    def error_type(self) -> str:
        """A short stable name for the `error_type` column."""
        return "error"


class APIConnectionError(APIError):
    """No HTTP answer: refused, reset, DNS, or the connection dropped mid-body."""

    @property
    def error_type(self) -> str:
        return "connection_error"


class APITimeoutError(APIConnectionError):
    """The connect or read timeout passed, or a stream stalled."""

    @property
    def error_type(self) -> str:
        return "timeout"


class CircuitOpenError(APIError):
    """The model failed repeatedly and its circuit breaker is open, with no fallback left."""

    @property
    def error_type(self) -> str:
        return "circuit_open"


class InvalidResponseError(APIError):
    """The server answered with something that is not the documented wire format."""

    def __init__(
        self,
        message: str,
        *,
        model: str | None = None,
        provider: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message, model=model, provider=provider)
        #: The HTTP status the unusable answer came with (None: broken after the headers,
        #: e.g. a bad event in a stream, or no status known).
        self.status_code = status_code

    @property
    def error_type(self) -> str:
        return "invalid_response"


class APIStatusError(APIError):
    """An error reported by the API: an HTTP error status, an `error` object in a 200 body,
    or an error event in the middle of a stream (`is_mid_stream`)."""

    default_error_type = "api_error"

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        model: str | None = None,
        provider: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        retry_after_s: float | None = None,
        rate_limit_reset_s: float | None = None,
        is_mid_stream: bool = False,
        generation_id: str | None = None,
        raw_code: object = None,
    ) -> None:
        super().__init__(message, model=model, provider=provider)
        self.status_code = status_code
        self.metadata: Mapping[str, Any] = metadata or {}
        self.retry_after_s = retry_after_s
        #: When the limit resets, in Unix seconds (from X-RateLimit-Reset, epoch ms on the wire).
        self.rate_limit_reset_s = rate_limit_reset_s
        self.is_mid_stream = is_mid_stream
        self.generation_id = generation_id
        #: The `error.code` as sent (a number, or a string such as "server_error").
        self.raw_code = raw_code

    @property
    def error_type(self) -> str:
        canonical = self.metadata.get("error_type")
        if isinstance(canonical, str) and canonical:
            return canonical
        return self.default_error_type

    def __reduce__(self) -> tuple[Any, ...]:  # keep errors picklable across processes
        return (_rebuild_status_error, (type(self), self.message, self.__dict__))


def _rebuild_status_error(
    cls: type[APIStatusError], message: str, state: dict[str, Any]
) -> APIStatusError:
    err = cls.__new__(cls)
    OrkitError.__init__(err, message)
    err.__dict__.update(state)
    return err


class BadRequestError(APIStatusError):
    default_error_type = "invalid_request"


class ContextLengthError(BadRequestError):
    default_error_type = "context_length_exceeded"


class AuthenticationError(APIStatusError):
    default_error_type = "authentication"


class InsufficientCreditsError(APIStatusError):
    default_error_type = "payment_required"


class PermissionDeniedError(APIStatusError):
    default_error_type = "permission_denied"


class NotFoundError(APIStatusError):
    default_error_type = "not_found"


class RequestTimeoutError(APIStatusError):
    default_error_type = "timeout"


class RateLimitError(APIStatusError):
    default_error_type = "rate_limit_exceeded"

    @property
    def scope(self) -> str:
        """`free-per-minute`, `free-per-day`, `upstream` or `unknown`, read from the message."""
        text = self.message.lower()
        if "free-models-per-day" in text or "openrouter_free_tier_daily" in str(
            self.metadata.get("limit_source", "")
        ):
            return "free-per-day"
        if "free-models-per-min" in text:
            return "free-per-minute"
        if self.metadata.get("provider_name") or "upstream" in str(self.metadata.get("raw", "")):
            return "upstream"
        return "unknown"


class ServerError(APIStatusError):
    default_error_type = "server"


class UpstreamError(ServerError):
    default_error_type = "provider_unavailable"


class ServiceUnavailableError(ServerError):
    default_error_type = "provider_overloaded"


class GatewayTimeoutError(ServerError):
    default_error_type = "timeout"


class ProviderOverloadedError(ServerError):
    default_error_type = "provider_overloaded"


def http_status_of(error: APIError) -> int | None:
    """The HTTP status `error` came with, where one is known: an error status, or the status
    of an answer orkit could not read (a 200 with an HTML body is still a 200)."""
    if isinstance(error, APIStatusError | InvalidResponseError):
        return error.status_code
    return None
