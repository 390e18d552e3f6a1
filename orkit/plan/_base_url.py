"""A wrong base URL: said in one line that names the URL to use, and a run on it stopped at
its first answer instead of at its last.

Given `http://host:port/v1` for a server that serves `/api/v1`, every request answers 404:
each task was retried, fell back and tripped the breaker, 35 s of failures ending in
exit 0. The preflight already knows something is off when the URL endpoint's `GET /models`
answered 404 (every OpenAI-compatible server has one). The usual mistake is the API path:
llama.cpp, vLLM and Ollama serve `/v1`, OpenRouter and `orkit sim` `/api/v1`, and a URL
is often pasted with none, or with `/chat/completions` on it. `wrong_base_url_line` asks
the same server's `/models` under the other paths and names the one that answers.

If the first chat answers there are 404s too and name no model (the path itself is
missing, not a model the server lacks: vLLM and Ollama answer an unknown model with a 404
that names it), `BaseUrlGuard` stops the run as a run-level failure. One good answer, or
any other error, ends the watch. OpenRouter and the emulator are never watched: their 404
("No endpoints found for model X") is per model, a per-task failure.

Nothing here imports `_endpoint`, so the endpoint's preflight can use these too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import anyio

from orkit.client import AsyncOpenRouter
from orkit.config import ClientOptions, Timeouts
from orkit.errors import (
    APIError,
    InvalidResponseError,
    NotFoundError,
    OrkitError,
    RunStoppedError,
)
from orkit.types import ChatRequest, ChatResponse, Completer, Secret

if TYPE_CHECKING:
    from orkit.plan._endpoint import Endpoint

__all__ = [
    "BaseUrlGuard",
    "ModelsProbe",
    "alternative_base_urls",
    "answering_base_url",
    "models_answer",
    "wrong_base_url_line",
]

_API_PATHS = ("/v1", "/api/v1")
"""Where OpenAI-compatible servers (llama.cpp, vLLM, Ollama) and OpenRouter (and
`orkit sim`) serve their API, the first the more common."""
_PASTED_TAILS = ("/chat/completions", "/models")
"""What a base URL copied from a server's docs or logs often still ends with."""
_PROBE_TIMEOUTS = Timeouts(connect=5.0, read=10.0, write=5.0, pool=5.0)
"""A probe is one GET on a server that already answered: seconds, not minutes, when not."""

ModelsProbe = Callable[[str, "Secret | None"], Awaitable[bool]]
"""`(base_url, api_key) -> whether GET {base_url}/models answers with a model list`."""


def alternative_base_urls(base_url: str) -> list[str]:
    """The base URLs of the same server a user most likely meant when `base_url`'s
    `/models` is a 404: each usual API path on the same root, `base_url` itself left out.

    Examples:
        >>> alternative_base_urls("http://127.0.0.1:8080/v1")
        ['http://127.0.0.1:8080/api/v1']
        >>> alternative_base_urls("http://127.0.0.1:8080")
        ['http://127.0.0.1:8080/v1', 'http://127.0.0.1:8080/api/v1']
        >>> alternative_base_urls("http://localhost:8000/v1/chat/completions")
        ['http://localhost:8000/v1', 'http://localhost:8000/api/v1']
    """
    parts = urlsplit(base_url)
    root = parts.path.rstrip("/")
    for tail in _PASTED_TAILS:
        root = root.removesuffix(tail)
    # longest first: `/api/v1` also ends with `/v1`
    for api_path in sorted(_API_PATHS, key=len, reverse=True):
        if root.endswith(api_path):
            root = root.removesuffix(api_path)
            break
    given = base_url.rstrip("/")
    candidates = (urlunsplit(parts._replace(path=root + path)) for path in _API_PATHS)
    return [url for url in candidates if url != given]


async def models_answer(base_url: str, api_key: Secret | None) -> bool:
    """Whether `GET {base_url}/models` answers with a model list (any failure: no)."""
    options = ClientOptions(base_url=base_url, api_key=api_key, timeouts=_PROBE_TIMEOUTS)
    try:
        async with AsyncOpenRouter(options) as client:
            await client.list_models()
    except (OrkitError, OSError):
        return False
    return True


async def answering_base_url(
    base_url: str, api_key: Secret | None, *, probe: ModelsProbe = models_answer
) -> str | None:
    """The first of `alternative_base_urls(base_url)` whose `/models` answers, else None:
    when there is one, `base_url` is certainly wrong (the same server serves elsewhere)."""
    for candidate in alternative_base_urls(base_url):
        if await probe(candidate, api_key):
            return candidate
    return None


async def wrong_base_url_line(
    base_url: str,
    api_key: Secret | None,
    *,
    chat_said: str | None = None,
    probe: ModelsProbe = models_answer,
) -> str:
    """One line saying that `{base_url}/models` answered 404 (and the chat completions too,
    when `chat_said` is what they said) and which base URL to pass instead (see
    `answering_base_url`), else the paths each kind of server uses."""
    said = f"{base_url}/models answered 404"
    if chat_said is not None:
        said += f", and its chat completions too ({chat_said})"
    found = await answering_base_url(base_url, api_key, probe=probe)
    if found is not None:
        return f"{said}: the base URL is wrong; {found}/models answers: use --endpoint {found}"
    tried = alternative_base_urls(base_url)
    also = f"; so did {' and '.join(f'{url}/models' for url in tried)}" if tried else ""
    return (
        f"{said}{also}: is the base URL right? "
        "(llama.cpp, vLLM and Ollama serve /v1; OpenRouter and orkit sim /api/v1)"
    )


class BaseUrlGuard:
    """The `Completer` in front of the run's own: passes everything through, and stops the
    run when the first answers of a URL endpoint whose `/models` was a 404 are path 404s."""

    def __init__(
        self, completer: Completer, endpoint: Endpoint, *, probe: ModelsProbe = models_answer
    ):
        self._completer = completer
        self._endpoint = endpoint
        self._probe = probe
        self._watching = True
        self._stop_line: str | None = None
        self._probing = anyio.Lock()

    @staticmethod
    def needed(endpoint: Endpoint, *, models_404: bool) -> bool:
        """Whether a run on `endpoint` needs the guard: a URL endpoint whose `GET /models`
        answered 404 (`models_404`, from `models_not_found`)."""
        return endpoint.kind == "url" and models_404

    async def complete(self, request: ChatRequest) -> ChatResponse:
        if not self._watching:
            return await self._completer.complete(request)
        try:
            response = await self._completer.complete(request)
        except (NotFoundError, InvalidResponseError) as error:
            said = _path_missing(error, request.model)
            if said is None:
                self._watching = False
                raise
            raise RunStoppedError(
                f"{await self._line(said)}. The run stopped; nothing more was sent."
            ) from None
        except BaseException:
            self._watching = False
            raise
        self._watching = False
        return response

    async def _line(self, chat_said: str) -> str:
        # The first answers arrive together: the server is probed once, for the first.
        async with self._probing:
            if self._stop_line is None:
                self._stop_line = await wrong_base_url_line(
                    self._endpoint.base_url,
                    self._endpoint.api_key,
                    chat_said=chat_said,
                    probe=self._probe,
                )
        return self._stop_line


def _path_missing(error: APIError, model: str) -> str | None:
    """What the server said, when `error` is a 404 that names no model (a path it does not
    serve: a JSON error, or a plain-text or HTML page); None for anything else."""
    if getattr(error, "status_code", None) != 404:
        return None
    # the client puts the model in front of every message: only the server's words count
    said = error.message.removeprefix(f"{error.model}: ") if error.model else error.message
    return None if model in said else said
