"""`BaseUrlGuard`: a URL endpoint whose `/models` answered 404 and whose first chat answer
is a 404 naming no model stops the run, naming the base URL whose `/models` answers; a 404
naming the model (vLLM, Ollama, OpenRouter's "No endpoints found") stays a per-task
failure, and OpenRouter and the emulator are never watched.

The guard's probe of other base URLs is scripted here (`_NoOtherPath`, `_Answers`): a real
one would ask whatever listens on 127.0.0.1:8080 of this machine."""

from __future__ import annotations

import asyncio

import pytest

from orkit.errors import (
    APIStatusError,
    InvalidResponseError,
    NotFoundError,
    RunStoppedError,
)
from orkit.plan._base_url import BaseUrlGuard, alternative_base_urls, wrong_base_url_line
from orkit.plan._endpoint import Endpoint
from orkit.types import ChatRequest, ChatResponse, Secret

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


class _Answers:
    """A probe: which base URLs' `/models` answer; records every one asked."""

    def __init__(self, *answering: str) -> None:
        self.answering = set(answering)
        self.asked: list[str] = []

    async def __call__(self, base_url: str, api_key: Secret | None) -> bool:
        self.asked.append(base_url)
        return base_url in self.answering


def _guard(completer: _Scripted, probe: _Answers | None = None) -> BaseUrlGuard:
    return BaseUrlGuard(completer, URL, probe=probe or _Answers())


def _request() -> ChatRequest:
    return ChatRequest(model=MODEL, messages=({"role": "user", "content": "hi"},))


def _path_404() -> NotFoundError:
    return NotFoundError(f"{MODEL}: 404 Not Found", status_code=404, model=MODEL)


def _send(guard: BaseUrlGuard) -> ChatResponse:
    return asyncio.run(guard.complete(_request()))


def test_a_path_404_after_a_models_404_stops_the_run_saying_why() -> None:
    probe = _Answers()
    with pytest.raises(RunStoppedError) as stopped:
        _send(_guard(_Scripted(_path_404()), probe))
    assert stopped.value.message == (
        "http://127.0.0.1:8080/v1/models answered 404, and its chat completions too "
        "(404 Not Found); so did http://127.0.0.1:8080/api/v1/models: is the base URL "
        "right? (llama.cpp, vLLM and Ollama serve /v1; OpenRouter and orkit sim /api/v1). "
        "The run stopped; nothing more was sent."
    )
    assert probe.asked == ["http://127.0.0.1:8080/api/v1"]


def test_the_stop_names_the_base_url_whose_models_answers() -> None:
    """The issue's reproduction: `--endpoint http://127.0.0.1:PORT/v1` for an emulator
    that served `/api/v1` only; the hint must say which URL to pass."""
    probe = _Answers("http://127.0.0.1:8080/api/v1")
    with pytest.raises(RunStoppedError) as stopped:
        _send(_guard(_Scripted(_path_404()), probe))
    assert stopped.value.message == (
        "http://127.0.0.1:8080/v1/models answered 404, and its chat completions too "
        "(404 Not Found): the base URL is wrong; http://127.0.0.1:8080/api/v1/models "
        "answers: use --endpoint http://127.0.0.1:8080/api/v1. "
        "The run stopped; nothing more was sent."
    )


def test_the_first_answers_arriving_together_probe_the_server_once() -> None:
    probe = _Answers()
    guard = _guard(_Scripted(*[_path_404() for _ in range(8)]), probe)

    async def eight() -> list[BaseException | ChatResponse]:
        return await asyncio.gather(
            *(guard.complete(_request()) for _ in range(8)), return_exceptions=True
        )

    stops = asyncio.run(eight())
    assert all(isinstance(stop, RunStoppedError) for stop in stops)
    assert len({str(stop) for stop in stops}) == 1
    assert probe.asked == ["http://127.0.0.1:8080/api/v1"]


@pytest.mark.parametrize(
    ("given", "alternatives"),
    [
        ("http://127.0.0.1:8080/v1", ["http://127.0.0.1:8080/api/v1"]),
        ("http://127.0.0.1:8080/api/v1/", ["http://127.0.0.1:8080/v1"]),
        ("http://127.0.0.1:8080", ["http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/api/v1"]),
        (
            "http://localhost:11434/v1/chat/completions",
            ["http://localhost:11434/v1", "http://localhost:11434/api/v1"],
        ),
        (
            "https://proxy.example/llm/models",
            ["https://proxy.example/llm/v1", "https://proxy.example/llm/api/v1"],
        ),
    ],
)
def test_the_alternatives_are_the_usual_api_paths_on_the_same_root(
    given: str, alternatives: list[str]
) -> None:
    assert alternative_base_urls(given) == alternatives


def test_a_bare_host_is_told_its_v1() -> None:
    """A llama.cpp URL pasted without its `/v1`, the other mistake of the same kind."""
    probe = _Answers("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/api/v1")
    line = asyncio.run(wrong_base_url_line("http://127.0.0.1:8080", None, probe=probe))
    assert line == (
        "http://127.0.0.1:8080/models answered 404: the base URL is wrong; "
        "http://127.0.0.1:8080/v1/models answers: use --endpoint http://127.0.0.1:8080/v1"
    )
    assert probe.asked == ["http://127.0.0.1:8080/v1"]  # the first that answers is enough


def test_a_plain_text_404_page_counts_as_a_missing_path() -> None:
    page = InvalidResponseError(
        f"{MODEL}: 404: body is not valid JSON: 'Cannot POST'", model=MODEL, status_code=404
    )
    with pytest.raises(RunStoppedError):
        _send(_guard(_Scripted(page)))


def test_a_404_naming_the_model_is_a_per_task_failure() -> None:
    unknown = NotFoundError(
        f"{MODEL}: model '{MODEL}' not found, try pulling it first", status_code=404, model=MODEL
    )
    guard = _guard(_Scripted(unknown, _path_404()))
    with pytest.raises(NotFoundError):
        _send(guard)
    with pytest.raises(NotFoundError):  # and the watch is over: no stop after it
        _send(guard)


def test_one_good_answer_or_another_error_ends_the_watch() -> None:
    guard = _guard(_Scripted())
    assert _send(guard).model == MODEL
    inner = _Scripted(APIStatusError("500", status_code=500), _path_404())
    guard = _guard(inner)
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
