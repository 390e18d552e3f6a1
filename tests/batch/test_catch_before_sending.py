"""Bad input caught before a cent is spent (issue 12, Deliver 4), and the estimate's
fallback list and provider filters (Deliver 5), against the emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from orkit import Sweep
from orkit.api import run_sweep_async
from orkit.errors import SpecError
from orkit.plan import param_warnings, prepare, resolve_endpoint
from orkit.sim import ModelProfile, SimConfig, create_app, serve_in_thread

FREE = "openai/gpt-oss-20b:free"  # the emulator serves it on one provider that trains on data
PAID = "openai/gpt-4o"
ROWS = [{"id": f"q{i}", "question": f"What is {i} + 1?", "answer": str(i + 1)} for i in range(6)]


def sweep(tmp_path: Path, **kw: Any) -> Sweep:
    base: dict[str, Any] = {
        "dataset": ROWS,
        "models": [FREE],
        "prompt": "{{ question }}",
        "params": {"temperature": 0, "max_tokens": 16},
        "endpoint": "sim",
        "sim": {"time_scale": 0.0},
        "out": str(tmp_path / "runs"),
    }
    return Sweep(**{**base, **kw})


def no_data_policy_match(tmp_path: Path, **params: Any) -> Sweep:
    return sweep(
        tmp_path,
        params={
            "temperature": 0,
            "max_tokens": 16,
            "provider": {"data_collection": "deny"},
            **params,
        },
    )


# ---------------------------------------------------------------- provider filters


def test_a_data_policy_no_endpoint_meets_is_refused_by_the_estimate(tmp_path: Path) -> None:
    # issue 12: 30 requests estimated, then 30 x 404 "No endpoints found matching your data policy"
    with pytest.raises(SpecError) as caught:
        no_data_policy_match(tmp_path).estimate()
    message = str(caught.value)
    assert FREE in message and "provider.data_collection = 'deny'" in message
    assert "'params.provider'" in message


def test_the_run_refuses_it_too_before_creating_a_run(tmp_path: Path) -> None:
    s = no_data_policy_match(tmp_path)
    with pytest.raises(SpecError, match="data_collection"):
        anyio.run(lambda: run_sweep_async(s, observer=None))
    assert not (tmp_path / "runs").exists()


def test_a_fallback_model_that_meets_the_policy_serves_it(tmp_path: Path) -> None:
    # the emulator's openai/gpt-4o providers do not train on data
    estimate = no_data_policy_match(tmp_path, models=[PAID]).estimate()
    assert estimate.lines[0].cost_high_usd > 0


def test_without_filters_free_models_fetch_no_endpoints(tmp_path: Path) -> None:
    from orkit.plan._route_checks import route_models

    assert route_models(sweep(tmp_path)) == []
    assert route_models(no_data_policy_match(tmp_path, models=[PAID])) == [FREE, PAID]


# ---------------------------------------------------------------- the models fallback list


def test_a_free_model_with_a_paid_fallback_is_estimated_up_to_the_paid_price(
    tmp_path: Path,
) -> None:
    # issue 12: a "$0" :free estimate became a bill
    alone = sweep(tmp_path).estimate()
    chained = sweep(tmp_path, params={"temperature": 0, "max_tokens": 16, "models": [PAID]})
    estimate = chained.estimate()
    assert alone.lines[0].cost_high_usd == 0
    line = estimate.lines[0]
    assert line.cost_low_usd == 0 and line.cost_expected_usd == 0  # the primary answers
    assert line.cost_high_usd > 0
    spill = [n for n in estimate.notes if "spill" in n]
    assert spill[0] == (
        f"{FREE}: none of 6 requests expected to spill to paid {PAID} "
        "(today's free quota covers them)"
    )
    assert spill[0] in str(estimate)
    assert line.spill_requests == 0 and line.spill_model == PAID and line.spill_usd == 0


def test_a_free_fallback_adds_no_spill_line(tmp_path: Path) -> None:
    free_chain = {"temperature": 0, "max_tokens": 16, "models": ["google/gemma-4-31b-it:free"]}
    estimate = sweep(tmp_path, params=free_chain).estimate()
    assert estimate.lines[0].cost_high_usd == 0
    assert not [n for n in estimate.notes if "spill" in n]
    assert estimate.lines[0].spill_requests is None


def test_an_unknown_fallback_model_is_refused(tmp_path: Path) -> None:
    s = sweep(tmp_path, params={"models": ["openai/gpt-4o-minii"]})
    with pytest.raises(Exception, match="gpt-4o-minii"):
        s.estimate()
    with pytest.raises(Exception, match="gpt-4o-minii"):
        prepare(s)


# ---------------------------------------------------------------- supported parameters


def test_a_param_the_model_does_not_support_is_a_warning(tmp_path: Path) -> None:
    s = sweep(tmp_path, models=["openai/gpt-4o-mini"], params={"top_k": 5})
    warnings = param_warnings(s, resolve_endpoint("sim"))
    assert len(warnings) == 1 and "openai/gpt-4o-mini does not support top_k" in warnings[0]
    assert f"warning: {warnings[0]}" in s.estimate().notes
    supported = sweep(tmp_path, models=["deepseek/deepseek-v3.2"], params={"top_k": 5})
    assert param_warnings(supported, resolve_endpoint("sim")) == []


def test_with_require_parameters_it_is_an_error(tmp_path: Path) -> None:
    params = {"top_k": 5, "provider": {"require_parameters": True}}
    s = sweep(tmp_path, models=["openai/gpt-4o-mini"], params=params)
    with pytest.raises(SpecError, match="require_parameters = true leaves it no provider"):
        prepare(s)
    with pytest.raises(SpecError, match="does not support top_k"):
        s.estimate()


# ---------------------------------------------------------------- scorer columns


def test_a_scorer_column_the_dataset_lacks_is_refused(tmp_path: Path) -> None:
    # issue 12: a scorer whose `expected` column does not exist was silently dropped
    data = tmp_path / "items.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    s = sweep(tmp_path, dataset=str(data), scorers=[{"kind": "exact", "expected": "answr"}])
    with pytest.raises(SpecError) as caught:
        prepare(s)
    message = str(caught.value)
    assert "scorer 'exact' reads column 'answr'" in message and str(data) in message
    assert "did you mean 'answer'?" in message and "'scorers[0].expected'" in message
    with pytest.raises(SpecError, match="reads column 'answr'"):
        s.estimate()
    fine = sweep(tmp_path, dataset=str(data), scorers=[{"kind": "exact", "expected": "answer"}])
    prepare(fine)


# ---------------------------------------------------------------- what reaches the wire


def recording(app: Any, bodies: list[dict[str, Any]]) -> Any:
    """The emulator app, keeping every chat request body it receives."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/chat/completions"):
            await app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def keep() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    bodies.append(json.loads(b"".join(chunks)))
            return message

        await app(scope, keep, send)

    return wrapped


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A llama.cpp-like server: its own model list, no OpenRouter catalog."""
    bodies: list[dict[str, Any]] = []
    config = SimConfig(time_scale=0.0, local_server=True, models={"local": ModelProfile()})
    with serve_in_thread(app=recording(create_app(config), bodies)) as url:
        yield url, bodies


def test_local_samplers_and_extra_fields_reach_the_wire(
    tmp_path: Path, local_server: tuple[str, list[dict[str, Any]]]
) -> None:
    url, bodies = local_server
    params = {
        "max_tokens": 8,
        "top_k": 40,
        "min_p": 0.05,
        "repeat_penalty": 1.1,
        "extra": {"cache_prompt": True, "my_sampler": {"x": 1}},
    }
    s = sweep(tmp_path, models=["local"], endpoint=url, params=params, dataset=ROWS[:2])
    assert param_warnings(s, resolve_endpoint(url)) == []  # no catalog for a URL endpoint
    s.run(progress=False)
    assert len(bodies) == 2
    for body in bodies:
        assert body["top_k"] == 40 and body["min_p"] == 0.05 and body["repeat_penalty"] == 1.1
        assert body["cache_prompt"] is True and body["my_sampler"] == {"x": 1}
        assert "extra" not in body
