"""Frozen value types shared by every layer, and the Protocols that are orkit's seams
(layer 0, stdlib only).

Messages stay in their wire shape (`{"role": ..., "content": ...}` dicts): they are built once
from a template and sent as JSON, so a parallel class hierarchy would only cost CPU.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias, runtime_checkable

__all__ = [
    "ChatChunk",
    "ChatRequest",
    "ChatResponse",
    "Clock",
    "Completer",
    "Message",
    "Secret",
    "Usage",
    "output_cap",
]

Message: TypeAlias = Mapping[str, Any]
"""One chat message in wire shape: `{"role": "user", "content": "..."}`."""


class Secret:
    """A string that never shows itself: not in `repr`, `str`, f-strings or pickles.

    The API key travels as a `Secret` from `_settings` to the one place that puts it in a
    request header, so it cannot reach a log, a manifest, a report or an exception message.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The real value. Call only where it goes on the wire."""
        return self._value

    def masked(self) -> str:
        """A hint safe to print: `sk-or-v1-…d8b3` style (prefix and last four)."""
        v = self._value
        if len(v) <= 12:
            return "…"
        prefix = v[:9] if v.startswith("sk-or-v1-") else v[:3]
        return f"{prefix}…{v[-4:]}"

    def __repr__(self) -> str:
        return f"Secret({self.masked()!r})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatRequest:
    """One chat completion request.

    `params` holds every other body field as sent on the wire (temperature, max_tokens, seed,
    response_format, provider, models, reasoning, ...); orkit does not second-guess them.
    """

    model: str
    messages: Sequence[Message]
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_body(self, *, stream: bool) -> dict[str, Any]:
        """The JSON body for POST /chat/completions."""
        body: dict[str, Any] = {"model": self.model, "messages": list(self.messages)}
        body.update(self.params)
        body["stream"] = stream
        return body

    @property
    def output_cap(self) -> int | None:
        """The most completion tokens this request asks for (see `output_cap`)."""
        return output_cap(self.params)


_OUTPUT_CAP_FIELDS = ("max_completion_tokens", "max_tokens")
"""Newest first: OpenRouter's API reference marks `max_tokens` deprecated in favour of
`max_completion_tokens`, so when a request sets both, `max_completion_tokens` is the cap."""


def output_cap(params: Mapping[str, Any]) -> int | None:
    """The cap on completion tokens that request params (or a params set) ask for: the first
    of `max_completion_tokens`, `max_tokens` that is set; None when neither is, or when the
    one that is set is not a positive number (the server refuses it, so it caps nothing).

    The one statement of this rule: the router's token estimate, the budget's worst case, the
    estimate and the calibration all read the cap here.

    Examples:
        >>> output_cap({"max_tokens": 64})
        64
        >>> output_cap({"max_tokens": 64, "max_completion_tokens": 16})
        16
        >>> output_cap({"temperature": 0}) is None
        True
    """
    for name in _OUTPUT_CAP_FIELDS:
        value = params.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            return None
        return int(value)
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Usage:
    """Token counts and cost of one response. `None` means the server did not say."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None
    cost_usd: float | None = None
    """`usage.cost`: what the account was charged, in USD."""
    is_byok: bool | None = None
    upstream_inference_cost_usd: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatResponse:
    """A finished chat completion (streamed or not)."""

    generation_id: str | None
    model: str | None
    """The model that served the request (may differ from the one asked for)."""
    provider: str | None
    content: str | None
    reasoning: str | None = None
    finish_reason: str | None = None
    native_finish_reason: str | None = None
    usage: Usage | None = None
    tool_calls: Sequence[Mapping[str, Any]] | None = None
    created: int | None = None
    ttft_s: float | None = None
    """Time to first token (first content or reasoning delta) when streamed."""
    latency_s: float | None = None
    """From sending the request to the end of the body."""
    streamed: bool = False
    token_chunks: int = 0
    """Streamed events that carried a token (content, reasoning, a tool call); 0 unstreamed."""
    last_token_s: float | None = None
    """From sending the request to the last token-carrying event (streamed answers)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatChunk:
    """One parsed SSE event of a streamed completion."""

    generation_id: str | None
    model: str | None
    provider: str | None
    content: str | None = None
    reasoning: str | None = None
    role: str | None = None
    finish_reason: str | None = None
    native_finish_reason: str | None = None
    usage: Usage | None = None
    tool_calls: Sequence[Mapping[str, Any]] | None = None
    created: int | None = None


@runtime_checkable
class Completer(Protocol):
    """Anything that turns a ChatRequest into a ChatResponse (the client, a router, a fake)."""

    async def complete(self, request: ChatRequest) -> ChatResponse: ...


class Clock(Protocol):
    """Time as the router and engine see it; injected so tests never really sleep."""

    def now(self) -> float:
        """Monotonic seconds."""
        ...

    def wall(self) -> float:
        """Unix seconds (for timestamps and resets given as dates)."""
        ...

    async def sleep(self, seconds: float) -> None: ...
