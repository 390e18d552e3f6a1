"""What the CLI tests share: a local OpenAI-compatible server (the emulator in local-server
mode, as llama.cpp or vLLM) that reports no cost and sends no token counts on streams."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orkit.sim import ModelProfile, SimConfig, create_app, serve_in_thread

LOCAL_MODEL = "openai/gpt-4o-mini"


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


RunArgs = Callable[..., list[str]]


@pytest.fixture
def run_args(tmp_path: Path) -> RunArgs:
    """Builds `orkit run` arguments: `items` rows `{"q": ...}` written to `items.jsonl`, the
    prompt `{{ q }}`, one model, `endpoint`, `--out runs`, then `flags`. The order is fixed,
    so `args[1:9]` is dataset, prompt, model and endpoint and `args[1:11]` adds `--out`."""

    def build(endpoint: str, *flags: str, items: int = 4, model: str = LOCAL_MODEL) -> list[str]:
        path = tmp_path / "items.jsonl"
        path.write_text("".join(json.dumps({"q": f"{i} + 1?"}) + "\n" for i in range(items)))
        return [
            "run",
            "--dataset",
            str(path),
            "--prompt",
            "{{ q }}",
            "--model",
            model,
            "--endpoint",
            endpoint,
            "--out",
            str(tmp_path / "runs"),
            *flags,
        ]

    return build
