"""Frozen option objects (layer 0, stdlib only).

Options travel as explicit objects from the entry points down; nothing reads global state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from orkit.errors import ConfigError
from orkit.types import Secret

__all__ = ["OPENROUTER_BASE_URL", "ClientOptions", "Timeouts"]

OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1"


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeouts:
    """Client timeouts in seconds, one per way a request can hang, so a stalled request frees
    its slot in seconds while a slow but live one is never cut.

    A streamed request (how orkit sends completions) is bounded by `connect`, then
    `first_byte` (from the request being sent to the response headers), then `idle` (the
    longest gap between two bytes of the body; SSE comments such as `: OPENROUTER
    PROCESSING` are bytes, so a reasoning model is never cut while its server keeps the
    stream alive). A non-streamed request (and every GET) waits up to `read` of silence:
    such an answer comes whole when the model is done, so its silence covers a generation.
    """

    connect: float = 10.0
    """TCP (and TLS) connect. A handshake takes well under a second even far away; 10 s
    still covers two lost SYNs (retransmitted after 1 s and 3 s)."""
    first_byte: float = 30.0
    """Streamed requests: from the request sent to the response headers. OpenRouter sends a
    stream's headers at once and keep-alive comments while the upstream works; 30 s of
    silence before any header is a stall, not a slow model."""
    idle: float = 30.0
    """Streamed requests: the longest silence between body bytes. OpenRouter sends a
    keep-alive comment every few seconds while a model thinks, so 30 s (ten of those gaps)
    never cuts a live stream, and a stalled one holds its slot for 30 s, not minutes."""
    read: float = 120.0
    """Non-streamed requests and GETs: the longest silence, headers included (the server
    may say nothing until the whole answer is ready)."""
    write: float = 30.0
    pool: float = 60.0

    def __post_init__(self) -> None:
        for name in ("connect", "first_byte", "idle", "read", "write", "pool"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ConfigError(f"timeout {name} must be a number > 0, got {value!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientOptions:
    """How `AsyncOpenRouter` talks to its server."""

    base_url: str = OPENROUTER_BASE_URL
    """Any OpenAI-compatible base URL: OpenRouter, `orkit sim`, llama.cpp, vLLM, Ollama."""
    api_key: Secret | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    max_connections: int = 256
    """Upper bound on open connections; the engine's concurrency is what really limits."""
    app_title: str | None = "orkit"
    """Sent as `X-OpenRouter-Title` (app attribution on OpenRouter)."""
    referer: str | None = None
    """Sent as `HTTP-Referer`."""
    transport: Literal["auto", "httpx", "aiohttp"] = "auto"
    """HTTP implementation. `auto` picks the fastest one installed."""

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"base_url must start with http:// or https://, got {self.base_url!r}"
            )
        if self.max_connections < 1:
            raise ConfigError(f"max_connections must be >= 1, got {self.max_connections}")
        if self.api_key is not None and not isinstance(self.api_key, Secret):
            raise ConfigError("api_key must be an orkit.types.Secret (use Secret('sk-or-...'))")
