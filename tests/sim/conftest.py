"""Fixtures for the emulator tests: a shared snapshot, in-process clients, a loopback server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

from orkit.sim import Catalog, SimConfig, StreamingASGITransport, create_app, serve_in_thread

from .sim_testkit import AUTH, BASE_URL, Sim

MakeSim = Callable[..., Awaitable[Sim]]


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The bundled snapshot, loaded once for the whole session."""
    return Catalog.bundled()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def make_sim(catalog: Catalog) -> AsyncIterator[MakeSim]:
    """Factory: `await make_sim(SimConfig(...), time_fn=..., timeout=...)` -> `Sim`."""
    opened: list[httpx.AsyncClient] = []

    async def make(
        config: SimConfig | None = None,
        *,
        time_fn: Callable[[], float] | None = None,
        timeout: float = 10.0,
        headers: dict[str, str] | None = None,
    ) -> Sim:
        app = create_app(config or SimConfig(time_scale=0), catalog=catalog, time_fn=time_fn)
        client = httpx.AsyncClient(
            transport=StreamingASGITransport(app),
            base_url=BASE_URL,
            headers=AUTH if headers is None else headers,
            timeout=timeout,
        )
        opened.append(client)
        return Sim(client, app)

    yield make
    for client in opened:
        await client.aclose()


@pytest.fixture(scope="module")
def loopback(catalog: Catalog) -> Iterator[tuple[str, Any]]:
    """A zero-latency emulator on a real loopback port: (base_url, app)."""
    app = create_app(SimConfig(time_scale=0), catalog=catalog)
    with serve_in_thread(app=app) as url:
        yield url, app
