"""Every error orkit raises, in one tree (layer 0, stdlib only).

```
OrkitError                                 base; .message is one line fit for a terminal
├── ConfigError (also ValueError)          bad options or input, caught before anything is sent
│   ├── MissingAPIKeyError                 says how to set the key
│   ├── SpecError                          a run spec: .path, .field
│   ├── DatasetError                       a dataset: .path, .line (1-based), .field
│   ├── TemplateError                      a prompt template: .variable, .row
│   ├── UnknownModelError                  .model, .suggestions (close matches)
│   └── PilotDeclined                      a pilot's cost was shown and not accepted
├── APIError                               talking to OpenRouter: .model, .provider, and
│   │                                      .generation_id / .usage once the answer began
│   ├── APIConnectionError                 the request did not get an HTTP answer
│   │   └── APITimeoutError                connect/read timeout, or a stalled stream
│   ├── InvalidResponseError               an answer orkit cannot parse (bad JSON, broken SSE,
│   │                                      not SSE on a stream): .status_code if known
│   ├── CircuitOpenError                   the router's breaker holds the model down (it kept
│   │                                      failing) and no fallback is left
│   └── APIStatusError                     an error status, an error in a 200 body, or a
│       │                                  mid-stream SSE error: .status_code, .error_type,
│       │                                  .metadata, .retry_after_s, .is_mid_stream
│       ├── BadRequestError          400
│       │   └── ContextLengthError   400 context/token limit
│       ├── AuthenticationError      401
│       ├── InsufficientCreditsError 402
│       ├── PermissionDeniedError    403 (moderation, guardrails, budgets)
│       ├── NotFoundError            404 (no endpoints, unknown resource)
│       ├── RequestTimeoutError      408
│       ├── RateLimitError           429: .scope (free-per-minute, free-per-day, upstream)
│       └── ServerError              5xx
│           ├── UpstreamError        502 provider returned an invalid answer / is down
│           ├── ServiceUnavailableError 503 no provider available / overloaded
│           ├── GatewayTimeoutError  504, 524
│           └── ProviderOverloadedError 529
├── RunError                               a run as a whole cannot go on: .run_dir
│   ├── RunNotFoundError (also ConfigError) the path is not a run directory (bad input)
│   └── RunStoppedError                    a run-level failure stopped dispatch (401, credits)
├── OverBudget                             a retry could pass the run's budget, so it was not
│                                          sent: .worst_usd (the task is left skipped_budget)
└── ScorerError                            a scorer raised: .scorer; __cause__ is the original

KeyboardInterrupt
└── RunInterrupted                         Ctrl-C stopped a run: .run_dir (None: nothing was
                                           sent), .hint (what was printed about resuming)
```

`RunInterrupted` is a KeyboardInterrupt, not an OrkitError, so that Python's convention holds:
`except Exception` does not swallow Ctrl-C, and a script or notebook cell stops.

Errors carry facts; what to do about them (retry, wait, fall back, fail) is decided by the
router's policy and nowhere else. Messages never contain the API key: nothing here is given
the key, and the client builds messages from response bodies only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

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
    "ConfigError",
    "ContextLengthError",
    "DatasetError",
    "GatewayTimeoutError",
    "InsufficientCreditsError",
    "InvalidResponseError",
    "MissingAPIKeyError",
    "NotFoundError",
    "OrkitError",
    "OverBudget",
    "PermissionDeniedError",
    "PilotDeclined",
    "ProviderOverloadedError",
    "RateLimitError",
    "RequestTimeoutError",
    "RunError",
    "RunInterrupted",
    "RunNotFoundError",
    "RunStoppedError",
    "ScorerError",
    "ServerError",
    "ServiceUnavailableError",
    "SpecError",
    "TemplateError",
    "UnknownModelError",
    "UpstreamError",
    "http_status_of",
]


class OrkitError(Exception):
    """Base of every orkit error. `message` is one line, ready for a terminal."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- config / input


class ConfigError(OrkitError, ValueError):
    """Bad options or bad input, found before any request is sent."""


class MissingAPIKeyError(ConfigError):
    """No API key for an endpoint that needs one."""


class SpecError(ConfigError):
    """An invalid run spec (TOML file or Python `Sweep`)."""

    def __init__(self, message: str, *, path: str | None = None, field: str | None = None) -> None:
        where = ", ".join(p for p in (path, f"field {field!r}" if field else None) if p)
        super().__init__(f"{where}: {message}" if where else message)
        self.path = path
        self.field = field
        # what is wrong, without where: the CLI names a flag instead when a flag gave it
        self.reason = message


class DatasetError(ConfigError):
    """An unreadable or invalid dataset row. `line` is 1-based (a file line or row number)."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        parts = [p for p in (path, f"line {line}" if line is not None else None) if p]
        if field:
            parts.append(f"field {field!r}")
        super().__init__(f"{', '.join(parts)}: {message}" if parts else message)
        self.path = path
        self.line = line
        self.field = field


class TemplateError(ConfigError):
    """A prompt template that cannot be rendered for a row (e.g. a missing variable)."""

    def __init__(
        self,
        message: str,
        *,
        variable: str | None = None,
        row: int | None = None,
        item_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.variable = variable
        self.row = row
        self.item_id = item_id


class UnknownModelError(ConfigError):
    """A model id that is not in the catalog."""

    def __init__(self, model: str, suggestions: Sequence[str] = ()) -> None:
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown model id {model!r}{hint}")
        self.model = model
        self.suggestions = tuple(suggestions)


class PilotDeclined(ConfigError):
    """The pilot's cost was shown and not accepted (nothing was sent)."""


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


# --------------------------------------------------------------------------- runs


class RunError(OrkitError):
    """A run as a whole cannot go on."""

    def __init__(self, message: str, *, run_dir: str | None = None) -> None:
        super().__init__(message)
        self.run_dir = run_dir


class RunNotFoundError(RunError, ConfigError):
    """The path given as a run directory is not one: bad input like any other, found
    before anything is read or sent (still a RunError for code that catches those)."""


class RunStoppedError(RunError):
    """A run-level failure (bad key, no credits) stopped dispatch."""


class OverBudget(OrkitError):
    """A retry of a task could pass the budget, so it was not sent. Raised by the engine's
    attempt hooks inside the router and caught by the engine, which records the task as
    `skipped_budget`: a run never ends with it."""

    def __init__(self, message: str, *, worst_usd: float) -> None:
        super().__init__(message)
        self.worst_usd = worst_usd


class ScorerError(OrkitError):
    """A scorer raised; the original exception is `__cause__`."""

    def __init__(self, message: str, *, scorer: str) -> None:
        super().__init__(message)
        self.scorer = scorer


# --------------------------------------------------------------------------- interrupts


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C (or a notebook's stop button). `run_dir`: where its rows so
    far are (None when it was stopped before it began: nothing was sent); `hint`: what was
    printed about it ("" when nothing was)."""

    def __init__(self, hint: str, run_dir: str | None) -> None:
        super().__init__(*([run_dir] if run_dir else []))
        self.run_dir = run_dir
        self.hint = hint


def http_status_of(error: APIError) -> int | None:
    """The HTTP status `error` came with, where one is known: an error status, or the status
    of an answer orkit could not read (a 200 with an HTML body is still a 200)."""
    if isinstance(error, APIStatusError | InvalidResponseError):
        return error.status_code
    return None
