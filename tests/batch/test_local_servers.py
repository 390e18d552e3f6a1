"""Local servers (llama.cpp, vLLM, Ollama) behind a URL endpoint, played by the emulator in
local-server mode on 127.0.0.1: no usage on streams, no OpenRouter account API, a model
list of its own, and one request served at a time."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from orkit import Sweep
from orkit.batch._totals import RunTotals
from orkit.errors import ConfigError
from orkit.results import ResultRow
from orkit.sim import ModelProfile, SimConfig, create_app, serve_in_thread

MODEL = "openai/gpt-4o-mini"
MODEL_S = 0.1  # what one answer takes the emulated model (emulated seconds, time_scale 1)


def _stats(url: str) -> dict[str, Any]:
    root = url.rsplit("/api/v1", 1)[0]
    stats: dict[str, Any] = httpx.get(f"{root}/_sim/stats").json()
    return stats


@pytest.fixture
def one_slot_url() -> Iterator[str]:
    """llama.cpp's default: one slot, no usage on streams, its own /models only."""
    config = SimConfig(
        time_scale=1.0,
        latency_jitter=1.0,
        json_padding=False,
        local_server=True,
        stream_usage=False,
        max_concurrent=1,
        models={MODEL: ModelProfile(ttft_s=MODEL_S, tokens_per_s=1e6)},
    )
    with serve_in_thread(app=create_app(config)) as url:
        yield url


def _sweep(tmp_path: Path, url: str, items: int, **kw: Any) -> Sweep:
    base: dict[str, Any] = {
        "dataset": [{"id": f"q{i}", "question": f"What is {i} + 5?"} for i in range(items)],
        "models": [MODEL],
        "prompt": "{{ question }}",
        "params": {"max_tokens": 8},
        "endpoint": url,
        "concurrency": 16,
        "out": str(tmp_path / "runs"),
        "cache": False,
    }
    return Sweep(**{**base, **kw})


@pytest.mark.integration
def test_a_one_slot_server_without_stream_usage_gets_tokens_and_unqueued_latency(
    tmp_path: Path, one_slot_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    first = _sweep(tmp_path, one_slot_url, 40).estimate()
    assert any("learnt from the first run" in note for note in first.notes)
    with caplog.at_level(logging.WARNING, logger="orkit"):
        run = _sweep(tmp_path, one_slot_url, 40).run(progress=False)
    rows = pd.read_parquet(run.path / "results")
    assert (rows["status"] == "ok").all() and len(rows) == 40
    # The first answer was streamed and came without usage; every later request was sent
    # unstreamed, so it has tokens and no TTFT.
    streamed = rows["ttft_s"].notna()
    assert streamed.sum() == 1
    assert rows.loc[streamed, "prompt_tokens"].isna().all()
    assert rows.loc[~streamed, ["prompt_tokens", "completion_tokens"]].notna().all().all()
    switched = [r for r in caplog.records if "sends no token counts" in r.getMessage()]
    assert len(switched) == 1 and one_slot_url in switched[0].getMessage()
    totals = run.manifest["totals"]["all"]
    assert totals["tokens_unknown_rows"] == 1
    assert totals["prompt_tokens"] == rows["prompt_tokens"].sum() > 0
    # OpenRouter's account API was asked once and never again (no /generation at all).
    stats = _stats(one_slot_url)
    assert stats["not_found_by_path"] == {"/api/v1/key": 1, "/api/v1/auth/key": 1}
    # Requests waited at orkit's gate, not in the server's queue, so service time is the
    # model's own: 16 at once through one slot would make it about 8x longer (the bound
    # leaves room for a loaded machine's overhead; the queue is what it rules out).
    assert stats["max_in_flight"] <= 4
    assert rows["service_s"].median() < 3 * MODEL_S
    # The next estimate of this server knows it serves about one request at a time: it
    # says about as long as the run took (40 answers one after another), not the run's
    # request-seconds over a concurrency of 16.
    estimate = _sweep(tmp_path, one_slot_url, 40).estimate()
    wall_s = run.manifest["wall_s"]
    assert 0.5 * wall_s <= estimate.duration_s <= 1.5 * wall_s
    assert not any("learnt from the first run" in note for note in estimate.notes)


def test_a_model_the_server_does_not_list_is_refused_before_anything_is_sent(
    tmp_path: Path, no_usage_url: str
) -> None:
    sweep = _sweep(tmp_path, no_usage_url, 3, models=["mistralai/mistral-7b"])
    with pytest.raises(
        ConfigError, match=r"does not serve 'mistralai/mistral-7b': its /models lists "
    ):
        sweep.run(progress=False)
    assert _stats(no_usage_url)["requests"] == 0
    assert not (tmp_path / "runs").exists()


def test_stream_true_keeps_streaming_and_tokens_stay_unknown_not_zero(
    tmp_path: Path, no_usage_url: str
) -> None:
    run = _sweep(tmp_path, no_usage_url, 6, stream=True).run(progress=False)
    rows = pd.read_parquet(run.path / "results")
    assert rows["ttft_s"].notna().all()
    assert rows["prompt_tokens"].isna().all()
    totals = run.manifest["totals"]["all"]
    assert totals["prompt_tokens"] is None and totals["completion_tokens"] is None
    assert totals["tokens_unknown_rows"] == 6


def test_stream_false_sends_plain_requests_from_the_first(
    tmp_path: Path, no_usage_url: str
) -> None:
    run = _sweep(tmp_path, no_usage_url, 6, stream=False).run(progress=False)
    rows = pd.read_parquet(run.path / "results")
    assert rows["ttft_s"].isna().all()
    assert rows["completion_tokens"].notna().all()
    assert run.manifest["totals"]["all"]["tokens_unknown_rows"] == 0


def test_totals_sum_known_tokens_and_count_the_unknown() -> None:
    totals = RunTotals()
    base: ResultRow = {"model": MODEL, "status": "ok", "cost_usd": None}
    totals.add({**base, "prompt_tokens": None, "completion_tokens": None})
    assert (totals.all.prompt_tokens, totals.all.tokens_unknown_rows) == (None, 1)
    totals.add({**base, "prompt_tokens": 5, "completion_tokens": 2})
    totals.add({**base, "status": "error", "prompt_tokens": None, "completion_tokens": None})
    assert (totals.all.prompt_tokens, totals.all.completion_tokens) == (5, 2)
    assert totals.all.tokens_unknown_rows == 1  # an error row has no tokens to know


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_stream_must_be_auto_true_or_false(tmp_path: Path, value: object) -> None:
    with pytest.raises(ConfigError, match="field 'stream': must be 'auto', true or false"):
        _sweep(tmp_path, "http://127.0.0.1:9/v1", 1, stream=value)


async def test_only_a_server_without_openrouters_key_endpoint_is_a_local_server(
    no_usage_url: str,
) -> None:
    from orkit.plan._assemble import is_local_server
    from orkit.plan._endpoint import open_client, resolve_endpoint
    from orkit.sim import SIM_API_KEY

    proxy_config = SimConfig(time_scale=0.0)
    with serve_in_thread(app=create_app(proxy_config)) as proxy_url:
        for url, local in ((no_usage_url, True), (proxy_url, False)):
            endpoint = resolve_endpoint(url, api_key=SIM_API_KEY)
            async with open_client(endpoint, models=[MODEL]) as client:
                assert is_local_server(endpoint, client) is local


FIXED_S, TOKEN_S = 0.2, 0.01  # an answer takes about FIXED_S plus TOKEN_S per token


@pytest.fixture
def decoding_url() -> Iterator[str]:
    """One slot; answers run to their `max_tokens` (a verbose model), so the answer length
    sets the time per request."""
    config = SimConfig(
        time_scale=1.0,
        latency_jitter=1.0,
        json_padding=False,
        local_server=True,
        stream_usage=False,
        max_concurrent=1,
        models={MODEL: ModelProfile(ttft_s=FIXED_S, tokens_per_s=1 / TOKEN_S, verbosity=400)},
    )
    with serve_in_thread(app=create_app(config)) as url:
        yield url


def _talk(tmp_path: Path, url: str, items: int, caps: list[int]) -> Sweep:
    """Prompts the emulator has no solution for, so it answers with filler up to the cap;
    one request at a time, so the time per request is the model's (no queue to learn)."""
    dataset = [{"id": f"t{i}", "question": f"Tell me about topic {i}."} for i in range(items)]
    return _sweep(
        tmp_path, url, items, dataset=dataset, params={}, grid={"max_tokens": caps}, concurrency=1
    )


@pytest.mark.integration
@pytest.mark.parametrize(
    ("learn_caps", "run_caps"),
    # (the estimate of a run's answer length is the output estimator's; answers cut at a
    # cap are expected to go on to twice it, so the short run's longest cap is half 48)
    [([6, 12, 24], [48]), ([24, 36, 48], [1])],
    ids=["short-then-long", "long-then-short"],
)
def test_the_estimate_prices_the_answer_length_of_the_run_not_of_the_learnt_ones(
    tmp_path: Path, decoding_url: str, learn_caps: list[int], run_caps: list[int]
) -> None:
    # One run teaches the server's speed (answers of a few lengths); the next, with answers
    # of another length, is estimated from it. The single learnt mean time per request
    # this replaces would say 0.5x (short then long) or 2.7x (long then short).
    _talk(tmp_path, decoding_url, 2, learn_caps).run(progress=False)
    sweep = _talk(tmp_path, decoding_url, 5 if run_caps[0] > 1 else 8, run_caps)
    estimate = sweep.estimate()
    run = sweep.run(progress=False)
    assert (pd.read_parquet(run.path / "results")["status"] == "ok").all()
    wall_s = run.manifest["wall_s"]
    assert 0.6 * wall_s <= estimate.duration_s <= 1.6 * wall_s
