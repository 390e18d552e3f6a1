"""Fixtures for the catalog tests: the bundled catalog, a fake model lister, a fake clock."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from orkit._clock import FakeClock
from orkit.catalog import Catalog
from orkit.errors import APIConnectionError


def raw_model(
    model_id: str, prompt: str = "0.000001", completion: str = "0.000002", **extra: Any
) -> dict[str, Any]:
    """A `/models` entry in the 2026 wire shape, small enough to read in a test."""
    body: dict[str, Any] = {
        "id": model_id,
        "canonical_slug": model_id,
        "name": f"Test: {model_id}",
        "created": 1_780_000_000,
        "description": "a test model",
        "context_length": 32_768,
        "architecture": {
            "modality": "text->text",
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": {"prompt": prompt, "completion": completion},
        "top_provider": {
            "context_length": 32_768,
            "max_completion_tokens": 4096,
            "is_moderated": False,
        },
        "per_request_limits": None,
        "supported_parameters": ["max_tokens", "temperature"],
    }
    body.update(extra)
    return body


class FakeLister:
    """Duck-types `AsyncOpenRouter.list_models`: returns `models`, or raises `error`."""

    def __init__(
        self,
        models: list[dict[str, Any]] | None = None,
        *,
        error: Exception | None = None,
        base_url: str | None = None,
    ) -> None:
        self.models = (
            models if models is not None else [raw_model("live/model-a"), raw_model("live/model-b")]
        )
        self.error = error
        self.calls = 0
        if base_url is not None:
            self.base_url = base_url

    async def list_models(self, **query: Any) -> list[dict[str, Any]]:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.models


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog.bundled()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(wall_start=1_790_000_000.0)  # 2026-09-21 UTC


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def make_raw() -> Callable[..., dict[str, Any]]:
    return raw_model


@pytest.fixture
def lister() -> Callable[..., FakeLister]:
    return FakeLister


@pytest.fixture
def unreachable() -> FakeLister:
    return FakeLister(error=APIConnectionError("connection refused"))


@pytest.fixture
def models_server() -> Iterator[str]:
    """A real loopback HTTP server answering `GET /api/v1/models` (for `orkit models --live`)."""
    body = json.dumps(
        {"data": [raw_model("local/alpha", "0.0000002", "0.0000004"), raw_model("local/beta")]}
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.path.split("?")[0] == "/api/v1/models"
            self.send_response(200 if ok else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) if ok else 2))
            self.end_headers()
            self.wfile.write(body if ok else b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def refused_url() -> str:
    """A loopback URL nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v1"
