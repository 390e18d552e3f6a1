"""Per-provider prices: `GET /models/{author}/{slug}/endpoints`, parsed and cached on disk
(layer 2).

A model's listed price is one provider's; OpenRouter routes each request to one of several
providers whose prices differ (by 0.5-2x for open-weight models). Estimates use the
cheapest and the dearest for their band and the traffic-weighted mean for the expected
cost; the budget reserves at the dearest. The answer is cached per server and model for an
hour (prices change rarely, provider lists a little more often); a failed fetch is `None`,
never an error: callers fall back to the catalog price.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from orkit._settings import load_settings
from orkit.catalog._model import DYNAMIC_VARIANTS, split_variant
from orkit.errors import APIError, ConfigError

__all__ = ["EndpointLister", "ProviderEndpoint", "load_endpoints", "parse_endpoints"]

_TTL_S = 3600.0


class EndpointLister(Protocol):
    """What loading endpoints needs from a client: `AsyncOpenRouter.list_endpoints`."""

    @property
    def base_url(self) -> str: ...

    async def list_endpoints(self, model_id: str) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class ProviderEndpoint:
    """One provider serving a model, with its own prices (USD per token / per request)."""

    provider: str
    """Display name as responses report it in `provider` (`"DeepInfra"`)."""
    tag: str
    """Slug for `provider.only/order/ignore` (`"deepinfra"`, `"deepinfra/fp8"`)."""
    prompt: float
    completion: float
    request: float
    cache_read: float | None
    context_length: int | None
    max_completion_tokens: int | None
    quantization: str | None
    status: int | None
    supported_parameters: frozenset[str] | None = None
    """What this provider honours; None: the server did not say."""
    data_collection: str | None = None
    """`allow` (may store or train on prompts) or `deny`; None: the server did not say
    (OpenRouter's documented `/endpoints` does not; the emulator does)."""
    zdr: bool | None = None
    """A zero-data-retention endpoint; None: the server did not say."""

    @property
    def price_key(self) -> float:
        """USD per million prompt + completion tokens (OpenRouter's load-balancing key)."""
        return (self.prompt + self.completion) * 1_000_000


def _num(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return 0.0
    return out if out > 0 else 0.0


def _opt_num(value: Any) -> float | None:
    return None if value is None else _num(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _names(value: Any) -> frozenset[str] | None:
    if not isinstance(value, list):
        return None
    return frozenset(v for v in value if isinstance(v, str))


def parse_endpoints(data: Mapping[str, Any]) -> list[ProviderEndpoint]:
    """The endpoints of a `/models/{id}/endpoints` `data` object (malformed ones skipped)."""
    out = []
    for raw in data.get("endpoints") or ():
        if not isinstance(raw, Mapping):
            continue
        pricing = raw.get("pricing") if isinstance(raw.get("pricing"), Mapping) else {}
        assert isinstance(pricing, Mapping)
        name = str(raw.get("provider_name") or raw.get("name") or "unknown")
        out.append(
            ProviderEndpoint(
                provider=name,
                tag=str(raw.get("tag") or name.lower()),
                prompt=_num(pricing.get("prompt")),
                completion=_num(pricing.get("completion")),
                request=_num(pricing.get("request")),
                cache_read=_opt_num(pricing.get("input_cache_read")),
                context_length=_int(raw.get("context_length")),
                max_completion_tokens=_int(raw.get("max_completion_tokens")),
                quantization=raw.get("quantization")
                if isinstance(raw.get("quantization"), str)
                else None,
                status=_int(raw.get("status")),
                supported_parameters=_names(raw.get("supported_parameters")),
                data_collection=raw.get("data_collection")
                if raw.get("data_collection") in ("allow", "deny")
                else None,
                zdr=raw.get("zdr") if isinstance(raw.get("zdr"), bool) else None,
            )
        )
    return out


def _lookup_id(model_id: str) -> str:
    """`/endpoints` knows the model without routing suffixes (`:nitro`, `:floor`, ...)."""
    base, variant = split_variant(model_id)
    return base if variant in DYNAMIC_VARIANTS else model_id


def _cache_file(cache_dir: Path, base_url: str, model_id: str) -> Path:
    digest = hashlib.sha256(f"{base_url.rstrip('/')}|{model_id}".encode()).hexdigest()[:20]
    return cache_dir / "endpoints" / f"{digest}.json"


def _read(path: Path, now: float, ttl_s: float) -> list[dict[str, Any]] | None:
    try:
        raw = json.loads(path.read_text("utf-8"))
        if 0 <= now - float(raw["fetched_at"]) < ttl_s and isinstance(raw["data"], dict):
            return [raw["data"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _write(path: Path, now: float, data: Mapping[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".endpoints-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"fetched_at": now, "data": data}, fh, separators=(",", ":"))
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs a fetch next time


async def load_endpoints(
    client: EndpointLister,
    model_id: str,
    *,
    cache_dir: Path | None = None,
    ttl_s: float = _TTL_S,
    offline: bool = False,
) -> Sequence[ProviderEndpoint] | None:
    """The providers of `model_id`, from a fresh cache or the server; `None` when neither
    can say (offline, unknown model, a server without `/endpoints`)."""
    lookup = _lookup_id(model_id)
    folder = cache_dir or load_settings().cache_dir
    path = _cache_file(folder, client.base_url, lookup)
    now = time.time()
    cached = _read(path, now, ttl_s)
    if cached is not None:
        return parse_endpoints(cached[0]) or None
    if offline:
        return None
    try:
        data = await client.list_endpoints(lookup)
    except (APIError, ConfigError, OSError):
        return None
    _write(path, now, data)
    return parse_endpoints(data) or None
