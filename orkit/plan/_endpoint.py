"""Where requests go: the built-in emulator, OpenRouter, or any OpenAI-compatible URL.

Resolving an endpoint checks what can be checked before anything is sent: a key for
OpenRouter, that the server answers at all (one line, no traceback, when it does not), and
that a URL endpoint serves the models asked for (or, when its `/models` answers 404, a
warning that its base URL is probably wrong).
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from orkit._settings import load_settings
from orkit.client import AsyncOpenRouter
from orkit.config import OPENROUTER_BASE_URL, ClientOptions, Timeouts
from orkit.errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    ConfigError,
    InvalidResponseError,
    MissingAPIKeyError,
    OrkitError,
    SpecError,
)
from orkit.plan._base_url import answering_base_url, wrong_base_url_line
from orkit.plan._server import key_info, models_not_found, served_models
from orkit.plan._spec_write import option_table
from orkit.types import Secret

if TYPE_CHECKING:
    from orkit.sim import SimConfig

__all__ = [
    "Endpoint",
    "calibration_endpoint",
    "check_endpoint",
    "check_served",
    "open_client",
    "resolve_endpoint",
    "sim_config",
]

_log = logging.getLogger("orkit")

SIM_BASE_URL = "http://sim.local/api/v1"


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    kind: str
    """`sim`, `openrouter` or `url`."""
    base_url: str
    api_key: Secret | None = field(default=None, repr=False)
    sim: Mapping[str, Any] = field(default_factory=dict)

    @property
    def uses_catalog(self) -> bool:
        """OpenRouter and the emulator serve OpenRouter model ids; other servers their own."""
        return self.kind in ("sim", "openrouter")

    def describe(self) -> dict[str, Any]:
        """For the manifest: never the key, only whether there was one."""
        out: dict[str, Any] = {"kind": self.kind, "base_url": self.base_url}
        out["has_api_key"] = self.api_key is not None
        if self.kind == "sim":
            out["sim"] = dict(self.sim)
        return out


def sim_config(sim: SimConfig | Mapping[str, Any], *, where: str | None = None) -> SimConfig:
    """The emulator's settings as a `SimConfig`: one given is kept, a table is parsed (its
    error names the key: `sim.time_scale`)."""
    from orkit.sim import SimConfig, SimConfigError

    if isinstance(sim, SimConfig):
        return sim
    if not isinstance(sim, Mapping):
        raise SpecError(
            f"must be a table of SimConfig fields or a SimConfig, got {sim!r}",
            path=where,
            field="sim",
        )
    try:
        return SimConfig.from_dict(sim)
    except SimConfigError as exc:
        key = _SIM_KEY.match(str(exc))
        if key is None:
            raise SpecError(str(exc), path=where, field="sim") from None
        raise SpecError(key[2], path=where, field=f"sim.{key[1]}") from None


_SIM_KEY = re.compile(r"([\w.]+): (.*)", re.DOTALL)
"""A SimConfigError's message: the field's path, then what is wrong with it."""


def resolve_endpoint(
    endpoint: str,
    *,
    sim: SimConfig | Mapping[str, Any] | None = None,
    api_key: str | Secret | None = None,
) -> Endpoint:
    """`sim`, `openrouter` or a URL → an Endpoint; a missing OpenRouter key fails here."""
    key = Secret(api_key) if isinstance(api_key, str) else api_key
    if endpoint == "sim":
        from orkit.sim import SIM_API_KEY

        sim_config(sim or {})  # checked here so a typo in [sim] is one line before anything runs
        return Endpoint(
            kind="sim",
            base_url=SIM_BASE_URL,
            api_key=Secret(SIM_API_KEY),
            sim=option_table(sim or {}),
        )
    settings_key = key or load_settings().api_key
    if endpoint == "openrouter":
        if settings_key is None:
            raise MissingAPIKeyError(
                "no OpenRouter API key: export OPENROUTER_API_KEY=sk-or-v1-... "
                "(or use --endpoint sim to try orkit offline)"
            )
        return Endpoint(kind="openrouter", base_url=OPENROUTER_BASE_URL, api_key=settings_key)
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"endpoint must be 'sim', 'openrouter' or an http(s) URL: {endpoint!r}")
    return Endpoint(kind="url", base_url=endpoint.rstrip("/"), api_key=settings_key)


@asynccontextmanager
async def open_client(
    endpoint: Endpoint,
    *,
    max_connections: int = 256,
    timeouts: Timeouts | None = None,
    preflight: bool = True,
    models: Sequence[str] = (),
) -> AsyncIterator[AsyncOpenRouter]:
    """An open client for `endpoint`; with `preflight`, first check that it answers and,
    on a URL endpoint, that its `/models` lists each of `models`."""
    transport = None
    if endpoint.kind == "sim":
        from orkit.sim import SimConfig, StreamingASGITransport, create_app

        transport = StreamingASGITransport(create_app(SimConfig.from_dict(dict(endpoint.sim))))
    options = ClientOptions(
        base_url=endpoint.base_url,
        api_key=endpoint.api_key,
        max_connections=max_connections,
        timeouts=timeouts or Timeouts(),
    )
    async with AsyncOpenRouter(options, http_transport=transport) as client:
        if preflight:
            for warning in await check_endpoint(client, endpoint, models):
                _log.warning("%s", warning)
        yield client


async def check_endpoint(
    client: AsyncOpenRouter, endpoint: Endpoint, models: Sequence[str] = ()
) -> list[str]:
    """The preflight: the server answers and takes the key, and a URL endpoint's `/models`
    lists each of `models` (with a did-you-mean). GETs only. Returns the warnings (a
    `/models` that answers 404: the base URL is probably wrong)."""
    await _preflight(client, endpoint)
    if endpoint.uses_catalog:
        return []
    await check_served(client, endpoint, models)
    if not models_not_found(client):
        return []
    line = await wrong_base_url_line(endpoint.base_url, endpoint.api_key)
    if await answering_base_url(endpoint.base_url, endpoint.api_key) is not None:
        # the same server answers under another path: the URL is certainly wrong, so stop
        # before the estimate and the run directory (a server with no /models anywhere
        # may still chat: it runs, under BaseUrlGuard)
        raise ConfigError(line)
    return [line]


async def _preflight(client: AsyncOpenRouter, endpoint: Endpoint) -> None:
    """One cheap GET so an unreachable server or a bad key stops the run before it starts:
    `/key` (OpenRouter, the emulator, OpenRouter-compatible proxies: a few hundred bytes
    that check the key too), else `/models` (any OpenAI-compatible server; on a proxy of
    OpenRouter's catalog, hundreds of KB and 15-40 ms before the first request)."""
    host = urlsplit(endpoint.base_url).netloc
    try:
        if endpoint.uses_catalog:
            await key_info(client)
        else:
            try:
                await key_info(client)
            except AuthenticationError:
                raise
            except (APIStatusError, InvalidResponseError):
                await served_models(client)  # no /key here (404, 405, an HTML page...)
    # Still API errors, not ConfigErrors: the input may be right and the server down or
    # the key revoked; the CLI gives these the exit code of a failure, not of bad input.
    except AuthenticationError as exc:
        raise refused_access(exc, host) from None
    except APIConnectionError as exc:
        raise refused_access(exc, endpoint.base_url) from None
    except APIStatusError:
        pass  # some OpenAI-compatible servers have no /models; the run will tell


def refused_access(
    exc: AuthenticationError | APIConnectionError, where: str
) -> AuthenticationError | APIConnectionError:
    """A rejected key or an unreachable server, said of `where` (a host, a URL, an endpoint's
    label), as the run's preflight and `orkit key` both say it. The same class, so a
    caller's exit code does not change."""
    if isinstance(exc, AuthenticationError):
        return AuthenticationError(
            f"{where} rejected the API key ({exc.message}); check OPENROUTER_API_KEY",
            status_code=exc.status_code,
        )
    return type(exc)(f"cannot reach {where}: {exc.message}")


_LISTED_IN_ERRORS = 20  # models named in the error; a proxy of OpenRouter lists hundreds


async def check_served(client: AsyncOpenRouter, endpoint: Endpoint, models: Sequence[str]) -> None:
    """A local server serves its own models only (llama.cpp answers any name with the one
    it loaded, vLLM and Ollama with a 404 per request): a model its `/models` does not list
    stops the run (and its estimate) before anything is sent, naming the close one if there
    is one, else those it does. A server whose `/models` fails or lists nothing is not
    judged."""
    if not models:
        return
    try:
        listed = await served_models(client)
    except (OrkitError, OSError):
        return
    ids = [m["id"] for m in listed if isinstance(m.get("id"), str)]
    if not ids:
        return
    served = set(ids)
    # Ollama lists `llama3.2:latest` and serves it as `llama3.2` too
    missing = [m for m in models if m not in served and f"{m}:latest" not in served]
    if not missing:
        return
    close = difflib.get_close_matches(missing[0], ids, n=1)
    if close:
        raise ConfigError(
            f"{endpoint.base_url} does not serve {missing[0]!r}; did you mean {close[0]}?"
        )
    shown = ", ".join(ids[:_LISTED_IN_ERRORS])
    more = f" and {len(ids) - _LISTED_IN_ERRORS} more" if len(ids) > _LISTED_IN_ERRORS else ""
    raise ConfigError(
        f"{endpoint.base_url} does not serve {missing[0]!r}: its /models lists {shown}{more}"
    )


def calibration_endpoint(endpoint: Endpoint | None) -> str:
    """The calibration key of an endpoint: what one server taught applies to it only."""
    if endpoint is None or endpoint.kind == "openrouter":
        return "openrouter"
    return "sim" if endpoint.kind == "sim" else endpoint.base_url
