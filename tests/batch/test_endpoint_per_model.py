"""One run, several endpoints: a model entry that carries its own endpoint is a contestant
of its own, sent to that endpoint, paired with the others by item.

Offline: the sweep's endpoint is the emulator (in-process, or on 127.0.0.1), and the
"local server" a second emulator on another port in local-server mode (no prices, no
`/key`, no usage on streams, one request at a time)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
import pandas as pd
import pytest

from orkit import Sweep, load_spec
from orkit._clock import SystemClock
from orkit._settings import load_settings
from orkit.api import retry_async
from orkit.cli import main
from orkit.cost import Calibration
from orkit.errors import ConfigError, SpecError
from orkit.plan import (
    Model,
    cache_for,
    contestant_endpoints,
    prepare,
    resolve_endpoint,
    run_routing,
    sweep_client,
)
from orkit.report._header import run_header
from orkit.results import ResponseCache, RunDir, spec_model_names
from orkit.router import Router, RouterOptions, RouterSet
from orkit.sim import (
    SIM_API_KEY,
    FaultProfile,
    ModelProfile,
    SimConfig,
    create_app,
    serve_in_thread,
)
from orkit.stats import SummaryOptions
from orkit.types import ChatRequest, ChatResponse

MODEL = "qwen/qwen3-8b"
ROWS = 6


def _local_config(**kw: Any) -> SimConfig:
    base: dict[str, Any] = {
        "time_scale": 0.0,
        "local_server": True,
        "stream_usage": False,
        "max_concurrent": 1,
        "models": {MODEL: ModelProfile(ttft_s=0.01, tokens_per_s=1e6)},
    }
    return SimConfig(**{**base, **kw})


def _v1(url: str) -> str:
    """A local server's base URL, as llama.cpp and vLLM serve it."""
    return url.replace("/api/v1", "/v1")


def _stats(url: str) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(url.rsplit("/api/v1", 1)[0] + "/_sim/stats").json()
    return stats


@pytest.fixture
def local_url() -> Iterator[str]:
    with serve_in_thread(app=create_app(_local_config())) as url:
        yield url


def _sweep(tmp_path: Path, local: str, **kw: Any) -> Sweep:
    items = tmp_path / "items.jsonl"  # a file: a retry reads it again
    rows = [
        {"id": f"q{i}", "question": f"What is {i} + 5?", "answer": str(i + 5)} for i in range(ROWS)
    ]
    items.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    base: dict[str, Any] = {
        "dataset": str(items),
        "models": [MODEL, {"id": MODEL, "endpoint": _v1(local)}],
        "prompt": "{{ question }}",
        "params": {"max_tokens": 8},
        "endpoint": "sim",
        "sim": {"time_scale": 0},
        "scorers": [{"kind": "exact", "expected": "answer"}],
        "out": str(tmp_path / "runs"),
        "cache": False,
    }
    return Sweep(**{**base, **kw})


# ---------------------------------------------------------------------- the spec


def test_model_entries_name_their_contestants_in_python_and_toml(tmp_path: Path) -> None:
    local = "http://127.0.0.1:8000/v1"
    as_table = _sweep(tmp_path, local)
    as_model = _sweep(tmp_path, local, models=[MODEL, Model(MODEL, endpoint=local)])
    # the same model on two endpoints: two contestants, told apart by where they run
    assert as_table.model_names == [f"{MODEL} @ sim", f"{MODEL} @ 127.0.0.1:8000"]
    assert as_model.to_spec() == as_table.to_spec()
    spec = tmp_path / "spec.toml"
    spec.write_text(as_table.to_toml(), "utf-8")
    loaded = load_spec(spec)
    assert loaded.model_names == as_table.model_names
    assert loaded.to_spec()["models"] == [MODEL, {"id": MODEL, "endpoint": local}]
    # a label names it instead; an id on one endpoint only keeps its bare id; an entry
    # naming the sweep's own endpoint is a plain model of the sweep
    labelled = _sweep(
        tmp_path,
        local,
        models=[
            {"id": MODEL, "endpoint": local, "label": "my vLLM"},
            "openai/gpt-4o-mini",
            {"id": "qwen3-8b", "endpoint": "http://127.0.0.1:8001/v1"},
            {"id": "openai/gpt-4o", "endpoint": "sim"},
        ],
    )
    assert labelled.model_names == ["my vLLM", "openai/gpt-4o-mini", "qwen3-8b", "openai/gpt-4o"]
    assert [c.own_endpoint is None for c in labelled.contestants] == [False, True, False, True]
    assert labelled.all_models == ["openai/gpt-4o-mini", "openai/gpt-4o"]


def test_a_stored_spec_names_its_models_as_its_rows_do() -> None:
    local = "http://127.0.0.1:8000/v1"
    spec: dict[str, Any] = {"models": [MODEL, {"id": MODEL, "endpoint": local}]}
    names = [f"{MODEL} @ openrouter", f"{MODEL} @ 127.0.0.1:8000"]  # (no endpoint: OpenRouter)
    assert spec_model_names(spec) == names
    assert SummaryOptions.of_sweeps([spec]).models == tuple(names)
    assert spec_model_names({"models": [MODEL, "openai/gpt-4o"]}) == [MODEL, "openai/gpt-4o"]
    # a spec this orkit cannot read: the ids as given, never an error
    assert spec_model_names({"models": [MODEL, {"id": MODEL, "colour": "red"}]}) == [MODEL, MODEL]


@pytest.mark.parametrize(
    ("models", "field", "words"),
    [
        ([MODEL, {"id": MODEL, "endpont": "sim"}], "models[1].endpont", "unknown key"),
        ([MODEL, {"endpoint": "http://h/v1"}], "models[1].id", "non-empty string"),
        ([MODEL, {"id": MODEL, "endpoint": "localhost:8000"}], "models[1].endpoint", "http(s)"),
        ([MODEL, {"id": MODEL, "label": ""}], "models[1].label", "non-empty string"),
        ([MODEL, 3], "models[1]", "a model id or a table"),
        ([MODEL, {"id": MODEL, "endpoint": "sim"}], "models", f"{MODEL!r} is given twice"),
        (
            [{"id": MODEL, "label": "a"}, {"id": "openai/gpt-4o", "label": "a"}],
            "models",
            "'a' is given twice",
        ),
    ],
)
def test_a_bad_model_entry_is_one_line_naming_it(
    tmp_path: Path, models: list[Any], field: str, words: str
) -> None:
    with pytest.raises(SpecError) as caught:
        _sweep(tmp_path, "http://127.0.0.1:9/v1", models=models)
    assert caught.value.field == field and words in caught.value.message
    assert "\n" not in str(caught.value)


def test_a_spec_says_which_model_entry_is_wrong(tmp_path: Path) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(
        'dataset = "items.jsonl"\nendpoint = "sim"\n'
        f'models = ["{MODEL}", {{id = "{MODEL}", endpoint = "ftp://x"}}]\n'
        '[prompt]\ntemplate = "{{{{ q }}}}"\n',
        "utf-8",
    )
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert str(caught.value).startswith(f"{spec}, field 'models[1].endpoint': must be 'sim'")


def test_an_unset_key_variable_stops_the_run_before_anything_is_sent(
    tmp_path: Path, local_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ORKIT_TEST_LOCAL_KEY", raising=False)
    entry = Model(MODEL, endpoint=_v1(local_url), api_key_env="ORKIT_TEST_LOCAL_KEY")
    sweep = _sweep(tmp_path, local_url, models=[MODEL, entry])
    with pytest.raises(ConfigError, match=r"^models\[1\]\.api_key_env: the environment variable"):
        prepare(sweep)
    with pytest.raises(ConfigError):
        sweep.run(progress=False)
    assert _stats(local_url)["requests"] == 0
    assert not (tmp_path / "runs").exists()


def test_each_endpoint_takes_its_own_key_which_is_never_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "sk-local-0123456789abcdef"
    monkeypatch.setenv("ORKIT_TEST_LOCAL_KEY", key)
    with serve_in_thread(app=create_app(_local_config(api_keys=(key,)))) as url:
        entry = Model(MODEL, endpoint=_v1(url), api_key_env="ORKIT_TEST_LOCAL_KEY")
        run = _sweep(tmp_path, url, models=[MODEL, entry]).run(progress=False)
        assert _stats(url)["requests"] == ROWS  # the server took the key
    rows = pd.read_parquet(run.path / "results")
    assert (rows["status"] == "ok").all() and len(rows) == 2 * ROWS
    for path in run.path.rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path
    ((described),) = run.manifest["model_endpoints"].values()
    assert described == {"kind": "url", "base_url": _v1(url), "has_api_key": True}


# ---------------------------------------------------------------------- a run


@pytest.mark.integration
def test_one_run_compares_a_model_with_itself_on_a_local_server(
    tmp_path: Path, local_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = _sweep(tmp_path, local_url)
    on_sim, on_local = sweep.model_names
    run = sweep.run(progress=False)
    rows = pd.read_parquet(run.path / "results")
    assert rows.groupby("model")["status"].apply(list).to_dict() == {
        on_sim: ["ok"] * ROWS,
        on_local: ["ok"] * ROWS,
    }
    # the local server was sent the model's id (not the contestant's name), once per row
    stats = _stats(local_url)
    assert stats["requests"] == ROWS and stats["by_model"] == {MODEL: ROWS}
    local, sim = rows[rows["model"] == on_local], rows[rows["model"] == on_sim]
    assert not rows["is_fallback"].any() and set(rows["served_model"]) == {MODEL}
    # OpenRouter's (the emulator's) costs from its answers; the local server's unknown
    assert sim["cost_usd"].notna().all() and (sim["cost_source"] == "reported").all()
    assert local["cost_usd"].isna().all() and (local["cost_source"] == "unknown").all()
    assert local["prompt_tokens"].iloc[1:].notna().all()  # unstreamed after the first
    # paired by item, as two models are
    compared = run.compare()
    assert set(compared[["contestant_a", "contestant_b"]].iloc[0]) == {on_sim, on_local}
    assert compared["n_shared"].iloc[0] == ROWS
    assert list(run.summary().index) == [on_sim, on_local]
    assert main(["compare", str(run.path)]) == 0
    out = capsys.readouterr().out
    assert on_sim in out and on_local in out
    # where each model ran: the manifest, the report's header, `orkit runs`
    local_base = _v1(local_url)
    assert run.manifest["model_endpoints"] == {
        on_local: {"kind": "url", "base_url": local_base, "has_api_key": False}
    }
    assert main(["runs", str(tmp_path / "runs"), "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["endpoints"] == ["emulator (in-process)", local_base]
    assert listed["models"] == [on_sim, f"{on_local} ({local_base})"]
    # what each server taught the estimate is kept for it, under the id it serves
    calibration = Calibration.load(load_settings().cache_dir)
    assert calibration.get("sim", MODEL) is not None
    assert calibration.get(local_base, MODEL) is not None
    assert calibration.get("sim", on_local) is None and calibration.get("sim", on_sim) is None
    header = run_header(RunDir(run.path), RunDir(run.path).read_manifest(), redact_prompts=False)
    assert header["endpoint"] == f"emulator (in-process); {on_local}: {local_base}"
    assert run.report(tmp_path / "report.html").is_file()


def test_each_contestant_is_cached_as_its_own_endpoints_answer(tmp_path: Path) -> None:
    local = "http://127.0.0.1:9/v1"
    sweep = _sweep(tmp_path, local, cache=True)
    on_sim, on_local = sweep.model_names
    sim = resolve_endpoint("sim")
    cache = cache_for(sweep, sim, contestant_endpoints(sweep))
    alone_on_sim = cache_for(_sweep(tmp_path, local, models=[MODEL], cache=True), sim)
    alone_on_local = cache_for(
        _sweep(tmp_path, local, models=[MODEL], endpoint=local, cache=True),
        resolve_endpoint(local),
    )
    assert cache is not None and alone_on_sim is not None and alone_on_local is not None
    try:

        def key(of: ResponseCache, model: str) -> str:
            return of.key(ChatRequest(model=model, messages=[{"role": "user", "content": "hi"}]), 0)

        # each answer is its endpoint's, under the id sent: a later run of that model on
        # that endpoint alone finds it, and the other endpoint's never stands in for it
        assert key(cache, on_sim) == key(alone_on_sim, MODEL)
        assert key(cache, on_local) == key(alone_on_local, MODEL)
        assert key(cache, on_sim) != key(cache, on_local)
    finally:
        for each in (cache, alone_on_sim, alone_on_local):
            each.close()


@pytest.mark.integration
def test_the_estimate_prices_each_model_from_its_own_endpoint(
    tmp_path: Path, local_url: str
) -> None:
    sweep = _sweep(tmp_path, local_url, budget_usd=1.0)
    on_sim, on_local = sweep.model_names
    estimate = sweep.estimate()
    sim_line, local_line = estimate.line(on_sim), estimate.line(on_local)
    assert sim_line.price_known and sim_line.cost_expected_usd > 0
    assert not local_line.price_known  # a local server lists no prices: unknown, not $0
    lines = {line["model"]: line for line in estimate.to_dict()["lines"]}
    assert lines[on_local]["cost_expected_usd"] is None
    assert lines[on_sim]["cost_expected_usd"] == pytest.approx(sim_line.cost_expected_usd)
    assert any("lists no prices" in note for note in estimate.notes)
    local_row = next(r for r in estimate.table().splitlines() if r.startswith(on_local))
    assert "no prices listed by 127.0.0.1" in local_row and "model it picks" not in local_row
    # the budget covers both: the emulator's answers are reserved and paid, the local
    # server's reserve nothing (it bills nobody orkit knows of)
    run = sweep.run(progress=False)
    rows = pd.read_parquet(run.path / "results")
    assert (rows["status"] == "ok").all()
    made = {line["model"] for line in run.manifest["estimate"]["lines"]}
    assert made == {on_sim, on_local}


@pytest.mark.integration
def test_a_local_sweep_can_send_one_model_to_the_emulator(
    tmp_path: Path, local_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other way round: the sweep's endpoint is the local server, one entry the
    emulator on another port (an OpenRouter-compatible server, priced by its /models, with
    a key of its own)."""
    monkeypatch.setenv("ORKIT_TEST_HOSTED_KEY", SIM_API_KEY)
    with serve_in_thread(SimConfig(time_scale=0.0)) as router_url:
        hosted = Model(
            MODEL, endpoint=router_url, label="hosted", api_key_env="ORKIT_TEST_HOSTED_KEY"
        )
        sweep = _sweep(
            tmp_path,
            local_url,
            endpoint=_v1(local_url),
            models=[MODEL, hosted],
            sim={},
            budget_usd=1.0,  # covers the hosted model; the local server bills nobody
        )
        run = sweep.run(progress=False)
        assert _stats(router_url)["by_model"] == {MODEL: ROWS}
    assert _stats(local_url)["by_model"] == {MODEL: ROWS}
    rows = pd.read_parquet(run.path / "results")
    assert set(rows["model"]) == {MODEL, "hosted"}  # a label: the local entry keeps its id
    assert rows.loc[rows["model"] == "hosted", "cost_usd"].notna().all()
    assert rows.loc[rows["model"] == MODEL, "cost_usd"].isna().all()
    assert (rows["status"] == "ok").all()


@pytest.mark.integration
def test_a_retry_sends_each_model_to_its_own_endpoint_again(tmp_path: Path) -> None:
    failing = _local_config(faults=FaultProfile(status={500: 1.0}))
    with serve_in_thread(app=create_app(failing)) as url:
        port = urlsplit(url).port or 0
        sweep = _sweep(tmp_path, url, routing={"max_attempts": 1, "adaptive": False})
        on_sim, on_local = sweep.model_names
        run = sweep.run(progress=False)
    rows = pd.read_parquet(run.path / "results")
    assert set(rows.loc[rows["model"] == on_local, "status"]) == {"error"}
    assert set(rows.loc[rows["model"] == on_sim, "status"]) == {"ok"}
    # the same server back, healthy, on the same port: the retry reads each model's
    # endpoint from the run's manifest and sends only the failed tasks, there
    with serve_in_thread(app=create_app(_local_config()), port=port) as url:
        anyio.run(lambda: retry_async(run.path))
        assert _stats(url)["by_model"] == {MODEL: ROWS}
    rows = pd.read_parquet(run.path / "results")
    assert (rows["status"] == "ok").all() and len(rows) == 2 * ROWS


@pytest.mark.integration
def test_each_endpoint_gets_its_own_router(tmp_path: Path, local_url: str) -> None:
    """A local server that takes one request at a time must not hold back the emulator's
    lanes: each endpoint has its own limits (a global cap, learnt concurrency)."""
    sweep = _sweep(tmp_path, local_url)
    on_sim, on_local = sweep.model_names
    plan, endpoint, _ = prepare(sweep)

    async def routers() -> tuple[RouterOptions, RouterOptions, bool]:
        async with (
            sweep_client(sweep, endpoint) as client,
            run_routing(sweep, plan, endpoint, client, clock=SystemClock()) as routing,
        ):
            found = routing.router
            assert isinstance(found, RouterSet)
            sim, local = found.router_for(on_sim), found.router_for(on_local)
            apart = sim.limits.global_gate is not local.limits.global_gate
            return sim.options, local.options, apart

    sim_options, local_options, apart = anyio.run(routers)
    assert apart
    assert local_options.capacity_from_latency and not sim_options.capacity_from_latency


# ---------------------------------------------------------------------- RouterSet


class _Held:
    """A completer whose answers wait until `release` is set (a server that queues)."""

    def __init__(self) -> None:
        self.release = anyio.Event()
        self.sent: list[str] = []

    async def complete(self, request: ChatRequest) -> ChatResponse:
        self.sent.append(request.model)
        await self.release.wait()
        return ChatResponse(generation_id=None, model=request.model, provider=None, content="ok")


class _Prompt:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def complete(self, request: ChatRequest) -> ChatResponse:
        self.sent.append(request.model)
        return ChatResponse(generation_id=None, model=request.model, provider=None, content="ok")


def test_a_router_set_routes_by_model_and_one_full_router_holds_back_no_other() -> None:
    held, prompt = _Held(), _Prompt()
    options = RouterOptions(max_concurrency=1, adaptive=False)
    local = Router(held, options)
    routers = RouterSet(Router(prompt, options), {"local": local})

    async def main_() -> list[str]:
        answered: list[str] = []

        async def ask(model: str) -> None:
            outcome = await routers.route(ChatRequest(model=model, messages=[]))
            assert outcome.response is not None
            answered.append(model)

        async with anyio.create_task_group() as tg:
            tg.start_soon(ask, "local")
            tg.start_soon(ask, "local")  # waits at the local router's cap of 1
            await anyio.wait_all_tasks_blocked()
            status = routers.status()
            assert status["in_flight"] == 1 and status["waiting"] == 1
            for model in ("a", "b", "judge"):  # the default router, not held back
                await ask(model)
            assert answered == ["a", "b", "judge"]
            held.release.set()
        return answered

    answered = anyio.run(main_)
    assert sorted(answered[3:]) == ["local", "local"]
    assert held.sent == ["local", "local"] and prompt.sent == ["a", "b", "judge"]
    assert routers.routers == [routers.default, local]


# ---------------------------------------------------------------------- the CLI


def _spec_file(tmp_path: Path, local: str, entry: str) -> Path:
    """The sweep's spec file, its second model the inline table `entry`."""
    text = _sweep(tmp_path, local).to_toml()
    start = text.index("models = [")
    end = text.index("]\n", start) + 2
    spec = tmp_path / "spec.toml"
    spec.write_text(f'{text[:start]}models = ["{MODEL}", {entry}]\n{text[end:]}', "utf-8")
    return spec


@pytest.mark.parametrize("verb", [["run", "--dry-run"], ["estimate"]], ids=["dry-run", "estimate"])
def test_a_model_its_own_endpoint_does_not_serve_stops_before_anything_is_sent(
    tmp_path: Path, local_url: str, capsys: pytest.CaptureFixture[str], verb: list[str]
) -> None:
    entry = f'{{id = "{MODEL}b", endpoint = "{_v1(local_url)}"}}'
    code = main([*verb, str(_spec_file(tmp_path, local_url, entry))])
    out, err = capsys.readouterr()
    assert code == 2 and out == "", (out, err)
    assert err.strip() == (
        f"orkit: error: {_v1(local_url)} does not serve '{MODEL}b'; did you mean {MODEL}?"
    )
    assert _stats(local_url)["requests"] == 0 and not (tmp_path / "runs").exists()


def test_a_dry_run_lists_each_models_endpoint(
    tmp_path: Path, local_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = f'{{id = "{MODEL}", endpoint = "{_v1(local_url)}"}}'
    assert main(["run", "--dry-run", str(_spec_file(tmp_path, local_url, entry))]) == 0
    out = capsys.readouterr().out
    on_local = f"{MODEL} @ {urlsplit(local_url).netloc}"
    assert f"{MODEL} @ sim " in out and f"{on_local} " in out
    assert f"endpoint emulator (in-process); {on_local}: {_v1(local_url)};" in out
    assert _stats(local_url)["requests"] == 0
