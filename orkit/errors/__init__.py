"""Public: every error orkit raises, in one tree (layer 0, stdlib only).

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

from orkit import _exports
from orkit.errors._api import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CircuitOpenError,
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
    http_status_of,
)
from orkit.errors._local import (
    ConfigError,
    DatasetError,
    MissingAPIKeyError,
    OrkitError,
    OverBudget,
    PilotDeclined,
    RunError,
    RunInterrupted,
    RunNotFoundError,
    RunStoppedError,
    ScorerError,
    SpecError,
    TemplateError,
    UnknownModelError,
)

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

_exports.publish(globals())
