"""Shared test setup: no real key, no real cache dir, asyncio only; a local OpenAI-compatible
server (the emulator in local-server mode, as llama.cpp or vLLM) that reports no cost and
sends no token counts on streams."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orkit.sim import ModelProfile, SimConfig, create_app, serve_in_thread

REPO = Path(__file__).resolve().parent.parent

LOCAL_MODEL = "openai/gpt-4o-mini"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session", autouse=True)
def _no_user_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Even session- and module-scoped fixtures never see the developer's key or cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("OPENROUTER_API_KEY", raising=False)
        mp.setenv("ORKIT_CACHE_DIR", str(tmp_path_factory.mktemp("orkit-session-cache")))
        yield


@pytest.fixture(autouse=True)
def _clean_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Each test gets its own cache dir (httpx's clean_environ idea)."""
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.setenv("ORKIT_CACHE_DIR", str(tmp_path_factory.mktemp("orkit-cache")))
    yield


@pytest.fixture
def repo() -> Path:
    return REPO


def _no_usage_server() -> Iterator[str]:
    config = SimConfig(
        time_scale=0.0, local_server=True, stream_usage=False, models={LOCAL_MODEL: ModelProfile()}
    )
    with serve_in_thread(app=create_app(config)) as url:
        yield url


@pytest.fixture
def no_usage_url() -> Iterator[str]:
    """The base URL of a local server serving `LOCAL_MODEL`, no prices, no stream usage."""
    yield from _no_usage_server()


@pytest.fixture(scope="module")
def module_no_usage_url() -> Iterator[str]:
    """`no_usage_url`, one server for a whole module (for module-scoped runs)."""
    yield from _no_usage_server()
