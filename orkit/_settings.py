"""The only reader of environment variables (layer 0, stdlib only)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from orkit.types import Secret

__all__ = ["Settings", "load_settings"]

API_KEY_ENV = "OPENROUTER_API_KEY"


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    api_key: Secret | None
    cache_dir: Path
    """Where orkit keeps the catalog cache, daily quota counters and calibration."""


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read `OPENROUTER_API_KEY`, `ORKIT_CACHE_DIR` and `XDG_CACHE_HOME`."""
    env = os.environ if env is None else env
    key = env.get(API_KEY_ENV, "").strip()
    if env.get("ORKIT_CACHE_DIR"):
        cache = Path(env["ORKIT_CACHE_DIR"]).expanduser()
    else:
        base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        cache = Path(base).expanduser() / "orkit"
    return Settings(api_key=Secret(key) if key else None, cache_dir=cache)
