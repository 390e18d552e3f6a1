"""SimConfig / ModelProfile / FaultProfile: dict round trips and field-naming errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orkit.sim import FaultProfile, ModelProfile, ProviderProfile, SimConfig, SimConfigError
from orkit.sim.cli import add_arguments, build_config


def test_config_round_trips_through_plain_dicts() -> None:
    config = SimConfig(
        seed=7,
        time_scale=0.01,
        window_scale=1.0,
        api_keys=("sk-or-v1-abc",),
        credits_usd=5.0,
        models={
            "openai/gpt-4o-mini": ModelProfile(
                skill=0.9, providers=(ProviderProfile("OpenAI", "openai", zdr=True),)
            )
        },
        faults=FaultProfile(status={429: 0.1, 502: 0.05}, stall=0.01, models=("openai/gpt-4o",)),
        upstream_rpm={"openai/gpt-4o": 60.0},
        outages={"openai/gpt-4o": ((10.0, 20.0),)},
        upstream_rpm_changes={"openai/gpt-4o": ((30.0, 30.0), (90.0, 45.0))},
        rate_limit_hints=False,
    )
    plain = json.loads(json.dumps(config.to_dict()))
    assert SimConfig.from_dict(plain) == config
    assert plain["faults"]["status"] == {"429": 0.1, "502": 0.05}


def test_unknown_field_is_named_with_a_suggestion() -> None:
    with pytest.raises(
        SimConfigError, match=r"timescale: unknown field \(did you mean 'time_scale'\?\)"
    ):
        SimConfig.from_dict({"timescale": 1})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"faults": {"status": {"418": 0.5}}}, r"faults\.status\.418: cannot inject status 418"),
        ({"faults": {"stall": 1.5}}, r"faults\.stall: must be a probability"),
        (
            {"faults": {"stall": 0.6, "drop_connection": 0.6}},
            r"faults\.probabilities: sum to 1\.200",
        ),
        ({"time_scale": "fast"}, r"time_scale: expected float, got str"),
        ({"models": {"a/b": {"skill": 2}}}, r"models\.a/b\.skill: must be a probability"),
        ({"outages": {"a/b": [[5, 1]]}}, r"outages\.a/b: need 0 <= start < end"),
        ({"upstream_rpm": {"a/b": 0}}, r"upstream_rpm\.a/b: must be > 0"),
        (
            {"upstream_rpm_changes": {"a/b": [[10, 30]]}},
            r"upstream_rpm_changes\.a/b: needs upstream_rpm\.a/b",
        ),
        (
            {"upstream_rpm": {"a/b": 60}, "upstream_rpm_changes": {"a/b": [[10, 30], [10, 20]]}},
            r"upstream_rpm_changes\.a/b: times must be > 0 and increasing, got 10",
        ),
        (
            {"upstream_rpm": {"a/b": 60}, "upstream_rpm_changes": {"a/b": [[10, 0]]}},
            r"upstream_rpm_changes\.a/b: rpm must be > 0",
        ),
    ],
)
def test_bad_values_name_their_field(data: dict[str, object], message: str) -> None:
    with pytest.raises(SimConfigError, match=message):
        SimConfig.from_dict(data)


def test_free_daily_limit_follows_lifetime_purchases() -> None:
    assert SimConfig().free_per_day == 1000
    assert SimConfig(lifetime_purchases_usd=9.99).free_per_day == 50
    assert SimConfig(credits_usd=3.0).free_per_day == 50  # purchases default to the credits


def test_cli_config_file_toml_with_flag_overrides(tmp_path: Path) -> None:
    path = tmp_path / "sim.toml"
    path.write_text(
        'seed = 3\ntime_scale = 0.5\n[faults.status]\n"429" = 0.2\n'
        '[models."openai/gpt-4o"]\nskill = 0.8\n'
    )
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    config = build_config(
        parser.parse_args(["--config", str(path), "--seed", "9", "--free-daily", "50"])
    )
    assert config.seed == 9
    assert config.time_scale == 0.5
    assert config.faults == FaultProfile(status={429: 0.2})
    assert config.models["openai/gpt-4o"].skill == 0.8
    assert config.free_per_day == 50


def test_nested_options_may_be_plain_dicts() -> None:
    config = SimConfig(models={"a/b": {"skill": 0.5}}, faults={"stall": 0.1})  # type: ignore[dict-item, arg-type]
    assert config.models["a/b"] == ModelProfile(skill=0.5)
    assert config.faults == FaultProfile(stall=0.1)


def test_a_config_file_sets_the_free_daily_limit_as_the_flag_does(tmp_path: Path) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    path = tmp_path / "sim.toml"
    for limit in (50, 1000):
        path.write_text(f"free_per_day = {limit}\n")
        assert build_config(parser.parse_args(["--config", str(path)])).free_per_day == limit
    path.write_text("free_per_day = 70\n")
    with pytest.raises(
        SimConfigError, match=r"free_per_day: must be 50 or 1000 \(as --free-daily\)"
    ):
        build_config(parser.parse_args(["--config", str(path)]))
    # the flag still wins over the file
    path.write_text("free_per_day = 1000\n")
    args = parser.parse_args(["--config", str(path), "--free-daily", "50"])
    assert build_config(args).free_per_day == 50


def test_the_key_lines_export_the_management_key_too() -> None:
    from orkit.sim.cli import _key_lines

    lines = _key_lines(SimConfig(api_keys=("sk-in",), management_keys=("sk-mgmt",)))
    assert lines.splitlines() == [
        "export OPENROUTER_API_KEY=sk-in",
        "export OPENROUTER_PROVISIONING_KEY=sk-mgmt",
    ]
    assert "PROVISIONING" not in _key_lines(SimConfig())
