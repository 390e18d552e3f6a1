"""One home for each setting of a sweep: its scorers and routing are parsed once, when the
sweep is made, and every reader gets those objects; `routing`, `limits` and `sim` take the
typed option objects as well as tables, and write either back as plain tables; equality
is that of the values given, never of the parsed forms."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

import orkit.plan._sweep as sweep_module
from orkit import Sweep, load_spec
from orkit.batch import execute
from orkit.errors import SpecError
from orkit.plan import in_flight, prepare
from orkit.plan._routing import build_router_options
from orkit.router import ModelLimits, RetryPolicy, RouterOptions
from orkit.scorers import as_scorer
from orkit.sim import FaultProfile, ModelProfile, SimConfig

MODEL = "openai/gpt-4o-mini"
OTHER = "openai/gpt-oss-20b"


@pytest.fixture
def items(tmp_path: Path) -> Path:
    path = tmp_path / "items.jsonl"
    rows = [
        {"id": f"q{i}", "question": f"What is {i} + 2?", "answer": str(i + 2)} for i in range(6)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def make(items: Path, **kw: Any) -> Sweep:
    values: dict[str, Any] = {
        "dataset": str(items),
        "models": [MODEL],
        "prompt": "{{ question }}",
        "out": str(items.parent / "runs"),
        **kw,
    }
    return Sweep(**values)


def round_trip(sweep: Sweep, tmp_path: Path) -> Sweep:
    path = tmp_path / "again.toml"
    path.write_text(sweep.to_toml())
    return load_spec(path)


# ------------------------------------------------------------------ parsed once, kept


class Counting:
    """Wraps a parse function and counts its calls."""

    def __init__(self, fn: Any) -> None:
        self.fn, self.calls = fn, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.fn(*args, **kwargs)


def test_scorers_and_routing_are_parsed_once_for_a_whole_run(
    items: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scorers = Counting(as_scorer)
    routing = Counting(build_router_options)
    monkeypatch.setattr(sweep_module, "as_scorer", scorers)
    monkeypatch.setattr(sweep_module, "build_router_options", routing)
    sweep = make(
        items,
        endpoint="sim",
        sim={"time_scale": 0},
        scorers=[{"kind": "exact", "expected": "answer"}, {"kind": "contains", "name": "c"}],
        routing={"max_attempts": 3},
        budget_usd=1.0,  # the budget's worst cases read the fallbacks and limits too
    )
    assert (scorers.calls, routing.calls) == (2, 1)
    sweep.estimate()
    run = sweep.run(progress=False)
    assert run.manifest["status"] == "completed"
    # every reader (checks, estimate, engine, scoring stage, manifest) got the kept objects
    assert (scorers.calls, routing.calls) == (2, 1)


def test_readers_get_the_same_objects(items: Path) -> None:
    sweep = make(items, scorers=[{"kind": "exact", "expected": "answer"}], endpoint="sim")
    assert sweep.scorer_objects is sweep.scorer_objects
    assert sweep.routing_settings is sweep.routing_settings
    assert sweep.router_options() is sweep.routing_settings.options
    prepare(sweep)
    assert sweep.built_scorers() == list(sweep.scorer_objects)


def test_endpoint_overrides_yield_to_the_users_routing(items: Path) -> None:
    sweep = make(items, routing={"free_per_minute": 5})
    options = sweep.router_options({"free_per_minute": 99, "free_window_s": 6.0})
    assert (options.free_per_minute, options.free_window_s) == (5, 6.0)
    assert sweep.router_options() is sweep.routing_settings.options  # not changed by that


def test_equality_is_of_the_values_given_not_of_the_parsed_forms(
    items: Path, tmp_path: Path
) -> None:
    def fn(output: str) -> bool:
        return bool(output)

    kw: dict[str, Any] = {"scorers": [{"kind": "exact", "expected": "answer"}, fn]}
    a, b = make(items, **kw), make(items, **kw)
    assert a.scorer_objects[0] is not b.scorer_objects[0]  # each sweep built its own
    assert a == b
    tables = make(
        items,
        prompt=None,  # a spec's [prompt] loads as `prompts`
        prompts={"default": {"template": "{{ question }}"}},
        scorers=[{"kind": "exact", "expected": "answer"}],
        routing={"max_attempts": 3},
        limits={MODEL: {"rpm": 60}},
        endpoint="sim",
        sim={"time_scale": 0},
        per_model_concurrency=4,
    )
    again = round_trip(tables, tmp_path)
    assert dataclasses.replace(again, spec_path=None) == tables
    assert again.to_spec() == tables.to_spec()


# ------------------------------------------------------------------ typed options accepted


def test_a_retry_policy_is_kept_and_written_as_a_table(items: Path, tmp_path: Path) -> None:
    policy = RetryPolicy(max_attempts=3, base_backoff_s=1.0)
    typed = make(items, routing=policy, task_timeout_s=45)
    assert typed.routing is policy
    assert typed.router_options().retry == dataclasses.replace(policy, task_timeout_s=45)
    assert typed.to_spec()["routing"] == {"base_backoff_s": 1.0, "max_attempts": 3}
    table = make(items, routing={"max_attempts": 3, "base_backoff_s": 1.0}, task_timeout_s=45)
    assert table.router_options() == typed.router_options()
    again = round_trip(typed, tmp_path)
    assert again.to_spec() == typed.to_spec()
    assert again.router_options() == typed.router_options()


def test_a_default_retry_policy_writes_no_table(items: Path) -> None:
    assert "routing" not in make(items, routing=RetryPolicy()).to_spec()


def test_a_retry_policy_may_not_set_the_task_cap_the_sweep_sets(items: Path) -> None:
    with pytest.raises(SpecError, match=r"field 'routing.task_timeout_s'.*sweep's task_timeout_s"):
        make(items, routing=RetryPolicy(task_timeout_s=60))
    same = make(items, routing=RetryPolicy(task_timeout_s=60), task_timeout_s=60)
    assert same.router_options().retry.task_timeout_s == 60


@pytest.mark.parametrize("bad", [RouterOptions(), ["max_attempts"], 3])
def test_routing_of_another_kind_names_the_field(items: Path, bad: object) -> None:
    with pytest.raises(SpecError, match=r"field 'routing': must be a table .* or a RetryPolicy"):
        make(items, routing=bad)


def test_table_errors_still_name_the_key(items: Path) -> None:
    with pytest.raises(SpecError, match=r"field 'routing.max_retries'"):
        make(items, routing={"max_retries": 3})
    with pytest.raises(SpecError, match=r"field 'routing.max_attempts'.*got 0"):
        make(items, routing={"max_attempts": 0})
    with pytest.raises(SpecError, match=rf"field 'limits.{MODEL}'"):
        make(items, limits={MODEL: {"rpm": -1}})
    with pytest.raises(SpecError, match=rf"field 'limits.{MODEL}'.*or a ModelLimits"):
        make(items, limits={MODEL: 60})


def test_model_limits_are_kept_and_written_as_tables(items: Path, tmp_path: Path) -> None:
    known = ModelLimits(rpm=60, max_concurrency=4)
    typed = make(items, models=[MODEL, OTHER], limits={MODEL: known, OTHER: {"tpm": 1000}})
    assert typed.router_options().limits[MODEL] is known
    assert typed.router_options().limits[OTHER] == ModelLimits(tpm=1000)
    assert typed.to_spec()["limits"] == {
        MODEL: {"rpm": 60, "max_concurrency": 4},
        OTHER: {"tpm": 1000},
    }
    again = round_trip(typed, tmp_path)
    assert again.router_options().limits == typed.router_options().limits


def test_a_sim_config_is_kept_and_written_as_a_table(items: Path, tmp_path: Path) -> None:
    config = SimConfig(
        seed=3,
        time_scale=0,
        models={MODEL: ModelProfile(ttft_s=0.3)},
        faults=FaultProfile(status={503: 0.1}),
        outages={MODEL: ((1.0, 2.0),)},
    )
    typed = make(items, endpoint="sim", sim=config)
    assert typed.sim_config is config
    table = typed.to_spec()["sim"]
    assert table["seed"] == 3 and table["models"] == {MODEL: {"ttft_s": 0.3}}
    assert "latency_jitter" not in table  # defaults are left unsaid
    again = round_trip(typed, tmp_path)
    assert again.sim_config == config
    assert again.to_spec() == typed.to_spec()
    from_table = make(items, endpoint="sim", sim=table)
    assert from_table.sim_config == config


def test_a_sim_table_is_parsed_when_the_endpoint_is_the_emulator(items: Path) -> None:
    sweep = make(items, endpoint="sim", sim={"time_scale": 0, "seed": 7})
    assert sweep.sim_config == SimConfig(time_scale=0, seed=7)
    assert sweep.sim_config is sweep.sim_config
    assert make(items, sim={"time_scale": 0}).sim_config is None  # not the emulator: unused


@pytest.mark.parametrize(
    ("sim", "field"),
    [
        ({"time_scale": -1}, "sim.time_scale"),
        ({"time_scal": 0}, "sim.time_scal"),
        ({"faults": {"status": {"503": 2.0}}}, "sim.faults"),
    ],
)
def test_a_bad_sim_table_names_the_key_and_the_file(
    items: Path, tmp_path: Path, sim: dict[str, Any], field: str
) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text(make(items).to_toml())
    with pytest.raises(SpecError, match=rf"{spec}, field '{field}"):
        load_spec(spec, {"endpoint": "sim", "sim": sim})


@pytest.mark.parametrize("bad", [["time_scale"], 0.5])
def test_sim_of_another_kind_names_the_field(items: Path, bad: object) -> None:
    with pytest.raises(SpecError, match=r"field 'sim': must be a table of SimConfig fields"):
        make(items, endpoint="sim", sim=bad)


async def test_typed_options_run_on_the_emulator(items: Path) -> None:
    sweep = make(
        items,
        endpoint="sim",
        sim=SimConfig(time_scale=0, seed=1),
        routing=RetryPolicy(max_attempts=2),
        limits={MODEL: ModelLimits(max_concurrency=2)},
        scorers=[{"kind": "exact", "expected": "answer"}],
    )
    run = await sweep.run_async(progress=False)
    assert run.manifest["status"] == "completed"
    assert run.manifest["spec"]["routing"] == {"max_attempts": 2}
    assert run.manifest["spec"]["sim"] == {"seed": 1, "time_scale": 0}
    frame = run.to_pandas()
    assert len(frame) == 6 and set(frame["status"]) == {"ok"}


# ------------------------------------------------------------------ concurrency


@pytest.mark.parametrize("concurrency", [1, 4, 8, 16, 64])
def test_a_spec_with_only_concurrency_behaves_as_before(items: Path, concurrency: int) -> None:
    sweep = make(items, concurrency=concurrency)
    # what `concurrency` set before it had a per-model twin: the global cap, each model's
    # ceiling and lane workers, the pool (at least 8) and the judges' workers
    assert sweep.in_flight.total == concurrency
    assert sweep.in_flight.per_model == concurrency
    assert sweep.in_flight.connections == max(concurrency, 8)
    assert sweep.in_flight.judge_workers == concurrency
    options = sweep.router_options()
    assert options.max_concurrency == concurrency
    assert options.max_concurrency_per_model in (None, concurrency)
    assert "per_model_concurrency" not in sweep.to_spec()  # its spec (and manifest) unchanged


def test_per_model_concurrency_sets_the_model_ceiling_and_the_lane_workers(items: Path) -> None:
    sweep = make(items, concurrency=32, per_model_concurrency=4)
    assert sweep.in_flight == in_flight(32, 4)
    assert (sweep.in_flight.total, sweep.in_flight.per_model) == (32, 4)
    assert sweep.in_flight.connections == 32 and sweep.in_flight.judge_workers == 32
    options = sweep.router_options()
    assert (options.max_concurrency, options.max_concurrency_per_model) == (32, 4)
    assert sweep.to_spec()["per_model_concurrency"] == 4


def test_per_model_concurrency_above_the_global_cap_is_capped(items: Path) -> None:
    assert make(items, concurrency=4, per_model_concurrency=10).in_flight.per_model == 4


@pytest.mark.parametrize("bad", [0, -2, "4", True, 2.5])
def test_a_bad_per_model_concurrency_names_the_field(items: Path, bad: object) -> None:
    with pytest.raises(SpecError, match=r"field 'per_model_concurrency': must be an integer >= 1"):
        make(items, per_model_concurrency=bad)


def test_per_model_concurrency_is_not_a_routing_key(items: Path) -> None:
    with pytest.raises(SpecError, match=r"field 'routing.max_concurrency_per_model'"):
        make(items, routing={"max_concurrency_per_model": 2})


async def test_the_engine_works_each_lane_with_the_per_model_workers(
    items: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import orkit.api._execute as execute_module

    seen: list[Any] = []
    real = execute

    async def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append((kwargs["options"].workers_per_lane, kwargs["router"].options))
        return await real(*args, **kwargs)

    monkeypatch.setattr(execute_module, "execute", spy)
    sweep = make(
        items,
        models=[MODEL, OTHER],
        endpoint="sim",
        sim={"time_scale": 0},
        concurrency=6,
        per_model_concurrency=2,
    )
    await sweep.run_async(progress=False)
    [(workers, options)] = seen
    assert workers == 2
    assert (options.max_concurrency, options.max_concurrency_per_model) == (6, 2)


def test_the_estimate_runs_each_model_at_its_per_model_limit(items: Path) -> None:
    rows = [{"id": f"q{i}", "question": f"What is {i} + 2?"} for i in range(200)]
    items.write_text("".join(json.dumps(r) + "\n" for r in rows))
    both = make(items, models=[MODEL, OTHER], concurrency=16)
    capped = dataclasses.replace(both, per_model_concurrency=2)
    wide, narrow = both.estimate(offline=True), capped.estimate(offline=True)
    assert wide.duration_s is not None and narrow.duration_s is not None
    # 2 at a time instead of 8 (the global 16 shared by two lanes): about 4 times as long
    assert narrow.duration_s > 3 * wide.duration_s
