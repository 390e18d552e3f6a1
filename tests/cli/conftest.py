"""What the CLI tests share: a local OpenAI-compatible server (the emulator in local-server
mode, as llama.cpp or vLLM) that reports no cost and sends no token counts on streams."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orkit.sim import ModelProfile, SimConfig, create_app, serve_in_thread

LOCAL_MODEL = "openai/gpt-4o-mini"


@pytest.fixture
def no_usage_url() -> Iterator[str]:
    """The base URL of a local server serving `LOCAL_MODEL`, no prices, no stream usage."""
    config = SimConfig(
        time_scale=0.0, local_server=True, stream_usage=False, models={LOCAL_MODEL: ModelProfile()}
    )
    with serve_in_thread(app=create_app(config)) as url:
        yield url
