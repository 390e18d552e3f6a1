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
    """Client timeouts in seconds. `read` is the longest silence allowed between bytes, so a
    stream that stalls fails even while the connection stays open."""

    connect: float = 10.0
    read: float = 120.0
    write: float = 30.0
    pool: float = 60.0

    def __post_init__(self) -> None:
        for name in ("connect", "read", "write", "pool"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"timeout {name} must be > 0, got {getattr(self, name)}")


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
