"""Fixtures for the client tests (helpers live in `support.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from orkit.client import AsyncOpenRouter

from .support import KEY, Handler


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see no key from the developer's environment unless they set one."""
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)


@pytest.fixture
def make_client() -> Callable[..., AsyncOpenRouter]:
    """`make_client(handler, **kwargs)`: a client whose requests go to `handler`."""

    def make(handler: Handler, **kwargs: Any) -> AsyncOpenRouter:
        kwargs.setdefault("api_key", KEY)
        kwargs.setdefault("base_url", "https://openrouter.ai/api/v1")
        return AsyncOpenRouter(http_transport=httpx.MockTransport(handler), **kwargs)

    return make
