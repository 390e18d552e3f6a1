"""The live model list: `GET /models` through the client, a JSON cache on disk, and the
fallbacks (stale cache, then the bundled snapshot) that keep orkit working offline (layer 2).

It hands raw model dicts and where they came from to `Catalog.load`, which parses them:
this module sits below `_catalog` and never builds a `Catalog` itself."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from orkit._clock import SystemClock
from orkit._settings import load_settings
from orkit.client import AsyncOpenRouter
from orkit.config import OPENROUTER_BASE_URL
from orkit.errors import APIError, ConfigError, MissingAPIKeyError
from orkit.types import Clock

__all__ = ["CACHE_FILE", "Loaded", "ModelLister", "load_models"]

CACHE_FILE = "models.json"
_CACHE_FORMAT = 1


class ModelLister(Protocol):
    """What the catalog needs from a client: `AsyncOpenRouter.list_models`."""

    async def list_models(self, **query: Any) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class _Cached:
    fetched_at: float
    base_url: str | None
    data: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Loaded:
    """The model list `Catalog.load` is to parse, and where it came from."""

    data: list[dict[str, Any]] | None
    """The raw `/models` entries; None: fall back to the bundled snapshot."""
    source: Literal["live", "cache"] | None
    """None with `data`: the bundled snapshot."""
    fetched_at: float | None
    """Unix seconds of the fetch (live and cache)."""
    note: str | None
    """Why a fallback happened (for the snapshot: why, before naming the snapshot)."""

    @property
    def snapshot_date(self) -> str:
        """The UTC day of the fetch (empty for the bundled snapshot, which has its own)."""
        return _day(self.fetched_at) if self.fetched_at is not None else ""


async def load_models(
    *,
    client: ModelLister | None,
    cache_dir: str | Path | None,
    ttl_s: float,
    offline: bool,
    clock: Clock | None,
) -> Loaded:
    """See `Catalog.load`."""
    if ttl_s < 0:
        raise ConfigError(f"ttl_s must be >= 0, got {ttl_s}")
    now = (clock or SystemClock()).wall()
    base_url = _base_url(client)
    path = _cache_path(cache_dir, base_url)
    cached, cache_problem = _read_cache(path)
    if cached is not None and 0 <= now - cached.fetched_at < ttl_s:
        return _from_cache(cached, note=None)
    if offline:
        reason = "offline"
    else:
        data, reason = await _fetch(client)
        if data is not None:
            note = _write_cache(path, _Cached(now, base_url, data))
            return Loaded(data, "live", now, note)
    if cached is not None:
        age = _age(now - cached.fetched_at)
        return _from_cache(cached, note=f"{reason}; using the model list cached {age} ago")
    return Loaded(None, None, None, f"{reason}; {cache_problem}" if cache_problem else reason)


async def _fetch(client: ModelLister | None) -> tuple[list[dict[str, Any]] | None, str]:
    """The models from the API, or `None` and why not."""
    try:
        if client is None:
            async with AsyncOpenRouter() as default_client:
                data = await default_client.list_models()
        else:
            data = await client.list_models()
    except (APIError, OSError) as exc:
        return None, f"could not fetch the model list ({type(exc).__name__}: {exc})"
    except MissingAPIKeyError as exc:  # the default client wants a key for openrouter.ai
        return None, f"could not fetch the model list ({exc})"
    problem = _check(data)
    if problem:
        return None, f"the fetched model list is unusable ({problem})"
    return data, ""


def _check(data: Any) -> str | None:
    if not isinstance(data, list):
        return f"expected a list, got {type(data).__name__}"
    if not data:
        return "it is empty"
    for raw in data:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            return "an entry has no 'id'"
    return None


def _base_url(client: ModelLister | None) -> str | None:
    url = OPENROUTER_BASE_URL if client is None else getattr(client, "base_url", None)
    return str(url).rstrip("/") if url else None


def _cache_path(cache_dir: str | Path | None, base_url: str | None) -> Path:
    folder = Path(cache_dir).expanduser() if cache_dir else load_settings().cache_dir
    # A list fetched from `orkit sim` or a local server must not pass for OpenRouter's, so
    # each other server gets its own file.
    if base_url is None or base_url == OPENROUTER_BASE_URL:
        return folder / CACHE_FILE
    digest = hashlib.sha256(base_url.encode()).hexdigest()[:12]
    return folder / f"models-{digest}.json"


def _read_cache(path: Path) -> tuple[_Cached | None, str | None]:
    """The cache if usable, else `None` and (when the file exists) why it was not used."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError) as exc:
        return None, f"ignored the unreadable cache {path} ({exc})"
    if not isinstance(raw, dict) or raw.get("format") != _CACHE_FORMAT:
        return None, f"ignored the cache {path} (unknown format)"
    fetched_at, data = raw.get("fetched_at"), raw.get("data")
    if not isinstance(fetched_at, int | float) or _check(data) is not None:
        return None, f"ignored the cache {path} (incomplete)"
    url = raw.get("base_url")
    assert isinstance(data, list)  # checked by _check
    return _Cached(float(fetched_at), url if isinstance(url, str) else None, data), None


def _write_cache(path: Path, cached: _Cached) -> str | None:
    """Write atomically (a reader never sees half a file); a failure is a note, not an error."""
    body = {
        "format": _CACHE_FORMAT,
        "fetched_at": cached.fetched_at,
        "fetched": datetime.fromtimestamp(cached.fetched_at, tz=UTC).isoformat(),
        "base_url": cached.base_url,
        "data": cached.data,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".models-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(body, fh, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        return f"could not write the catalog cache {path} ({exc})"
    return None


def _from_cache(cached: _Cached, *, note: str | None) -> Loaded:
    return Loaded(cached.data, "cache", cached.fetched_at, note)


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).date().isoformat()


def _age(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"
