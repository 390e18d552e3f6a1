"""The only reader of environment variables (layer 0, stdlib only)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from orkit.errors import ConfigError
from orkit.types import Secret

__all__ = ["Settings", "load_settings"]

API_KEY_ENV = "OPENROUTER_API_KEY"
PROVISIONING_KEY_ENV = "OPENROUTER_PROVISIONING_KEY"
PROMPT_TOKENS_ENV = "ORKIT_ESTIMATE_PROMPT_TOKENS"
_PROMPT_TOKENS = ("counted", "family")
_OLD_NAMES = {"exact": "counted"}  # what orkit called `counted` when it was the emulator's count


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    api_key: Secret | None
    cache_dir: Path
    """Where orkit keeps the catalog cache, daily quota counters and calibration."""
    provisioning_key: Secret | None = None
    """A management (provisioning) key, for `/keys`, `/credits` and `/activity`
    (`orkit key`, `orkit run --provision-key`)."""
    estimate_prompt_tokens: str = "counted"
    """`counted`: on the emulator, estimates count prompt tokens request by request with
    orkit's own counter (`orkit.cost.count_prompt_tokens`, independent of the emulator's
    tokenizer); `family`: with the tokenizer-family approximation, as against real
    OpenRouter (to measure that path offline; `ORKIT_ESTIMATE_PROMPT_TOKENS=family`)."""


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read `OPENROUTER_API_KEY`, `OPENROUTER_PROVISIONING_KEY`, `ORKIT_CACHE_DIR`,
    `XDG_CACHE_HOME` and `ORKIT_ESTIMATE_PROMPT_TOKENS` (a value other than `counted` or
    `family` is a `ConfigError`)."""
    env = os.environ if env is None else env
    key = env.get(API_KEY_ENV, "").strip()
    provisioning = env.get(PROVISIONING_KEY_ENV, "").strip()
    if env.get("ORKIT_CACHE_DIR"):
        cache = Path(env["ORKIT_CACHE_DIR"]).expanduser()
    else:
        base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        cache = Path(base).expanduser() / "orkit"
    tokens = env.get(PROMPT_TOKENS_ENV, "").strip().lower() or "counted"
    tokens = _OLD_NAMES.get(tokens, tokens)
    if tokens not in _PROMPT_TOKENS:
        raise ConfigError(
            f"{PROMPT_TOKENS_ENV}={env[PROMPT_TOKENS_ENV]!r}: must be 'counted' or 'family'"
        )
    return Settings(
        api_key=Secret(key) if key else None,
        provisioning_key=Secret(provisioning) if provisioning else None,
        cache_dir=cache,
        estimate_prompt_tokens=tokens,
    )
