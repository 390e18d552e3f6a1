"""`BaseUrlGuard`: a URL endpoint whose `/models` answered 404 and whose first chat answer
is a 404 naming no model stops the run; a 404 naming the model (vLLM, Ollama, OpenRouter's
"No endpoints found") stays a per-task failure, and OpenRouter and the emulator are never
watched."""

from __future__ import annotations

import asyncio

import pytest

from orkit.batch._base_url import BaseUrlGuard
from orkit.batch._endpoint import Endpoint
from orkit.errors import (
    APIStatusError,
    InvalidResponseError,
    NotFoundError,
    RunStoppedError,
)
from orkit.types import ChatRequest, ChatResponse

MODEL = "llama3.2"
URL = Endpoint(kind="url", base_url="http://127.0.0.1:8080/v1")


class _Scripted:
    """A completer that raises the scripted errors in turn, then answers."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.sent = 0

    async def complete(self, request: ChatRequest) -> ChatResponse:
        self.sent += 1
        if self.errors:
            raise self.errors.pop(0)
        return ChatResponse(model=request.model, generation_id=None, provider=None, content="ok")


def _request() -> ChatRequest:
    return ChatRequest(model=MODEL, messages=({"role": "user", "content": "hi"},))


def _path_404() -> NotFoundError:
    return NotFoundError(f"{MODEL}: 404 Not Found", status_code=404, model=MODEL)


def _send(guard: BaseUrlGuard) -> ChatResponse:
    return asyncio.run(guard.complete(_request()))


def test_a_path_404_after_a_models_404_stops_the_run_saying_why() -> None:
    guard = BaseUrlGuard(_Scripted(_path_404()), URL)
    with pytest.raises(RunStoppedError) as stopped:
        _send(guard)
    assert stopped.value.message.startswith(
        "http://127.0.0.1:8080/v1/models answered 404: is the base URL right? "
        "(llama.cpp, vLLM and Ollama serve /v1); its chat completions answer 404 too "
        "(404 Not Found)"
    )


def test_a_plain_text_404_page_counts_as_a_missing_path() -> None:
    page = InvalidResponseError(
        f"{MODEL}: 404: body is not valid JSON: 'Cannot POST'", model=MODEL, status_code=404
    )
    with pytest.raises(RunStoppedError):
        _send(BaseUrlGuard(_Scripted(page), URL))


def test_a_404_naming_the_model_is_a_per_task_failure() -> None:
    unknown = NotFoundError(
        f"{MODEL}: model '{MODEL}' not found, try pulling it first", status_code=404, model=MODEL
    )
    guard = BaseUrlGuard(_Scripted(unknown, _path_404()), URL)
    with pytest.raises(NotFoundError):
        _send(guard)
    with pytest.raises(NotFoundError):  # and the watch is over: no stop after it
        _send(guard)


def test_one_good_answer_or_another_error_ends_the_watch() -> None:
    guard = BaseUrlGuard(_Scripted(), URL)
    assert _send(guard).model == MODEL
    inner = _Scripted(APIStatusError("500", status_code=500), _path_404())
    guard = BaseUrlGuard(inner, URL)
    with pytest.raises(APIStatusError):
        _send(guard)
    with pytest.raises(NotFoundError):
        _send(guard)


@pytest.mark.parametrize(
    ("endpoint", "models_404"),
    [
        (Endpoint(kind="openrouter", base_url="https://openrouter.ai/api/v1"), True),
        (Endpoint(kind="sim", base_url="http://sim.local/api/v1"), True),
        (URL, False),
    ],
)
def test_openrouter_the_emulator_and_a_listed_models_path_are_never_watched(
    endpoint: Endpoint, models_404: bool
) -> None:
    # their 404s ("No endpoints found for model X") stay per-task failures: no guard at all
    assert not BaseUrlGuard.needed(endpoint, models_404=models_404)
    assert BaseUrlGuard.needed(URL, models_404=True)
