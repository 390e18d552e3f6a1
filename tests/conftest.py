"""Shared test setup: no real key, no real cache dir, asyncio only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


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
