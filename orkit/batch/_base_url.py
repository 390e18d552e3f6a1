"""A wrong base URL stops the run at its first answer instead of at its last.

Given `http://host:port/v1` for a server that serves `/api/v1`, every request answers 404:
each task was retried, fell back and tripped the breaker, 35 s of failures ending in
exit 0. The preflight already knows something is off when the URL endpoint's `GET /models`
answered 404 (every OpenAI-compatible server has one; it warns then). If the first chat
answers there are 404s too and name no model (the path itself is missing, not a model the
server lacks: vLLM and Ollama answer an unknown model with a 404 that names it), the run
stops as a run-level failure. One good answer, or any other error, ends the watch.
OpenRouter and the emulator are never watched: their 404 ("No endpoints found for model
X") is per model, a per-task failure.
"""

from __future__ import annotations

from orkit.batch._endpoint import Endpoint, wrong_base_url
from orkit.errors import APIError, InvalidResponseError, NotFoundError, RunStoppedError
from orkit.types import ChatRequest, ChatResponse, Completer

__all__ = ["BaseUrlGuard"]


class BaseUrlGuard:
    """The `Completer` in front of the run's own: passes everything through, and stops the
    run when the first answers of a URL endpoint whose `/models` was a 404 are path 404s."""

    def __init__(self, completer: Completer, endpoint: Endpoint):
        self._completer = completer
        self._endpoint = endpoint
        self._watching = True

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
                f"{wrong_base_url(self._endpoint, '/models')}; its chat completions answer "
                f"404 too ({said}). The run stopped; nothing more was sent."
            ) from None
        except BaseException:
            self._watching = False
            raise
        self._watching = False
        return response


def _path_missing(error: APIError, model: str) -> str | None:
    """What the server said, when `error` is a 404 that names no model (a path it does not
    serve: a JSON error, or a plain-text or HTML page); None for anything else."""
    if getattr(error, "status_code", None) != 404:
        return None
    # the client puts the model in front of every message: only the server's words count
    said = error.message.removeprefix(f"{error.model}: ") if error.model else error.message
    return None if model in said else said
