"""Every `[routing]` key, and every router setting given from Python, is checked for type and
range before anything runs; the error is one line naming the key and the bad value.

A bad value used to pass every check that did not compare it and kill the run with a
`TypeError` inside the breaker when a model first failed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orkit import load_spec
from orkit.cli import main
from orkit.errors import ConfigError, SpecError
from orkit.plan._routing import ROUTING_KEYS
from orkit.router import ModelLimits, RetryPolicy, RouterOptions

# key: a value of the wrong type, then values of the right type out of range (or, for keys
# with no range, other values of the wrong kind).
BAD_VALUES: dict[str, tuple[Any, ...]] = {
    "max_attempts": ("abc", 0, True, 2.5),
    "max_rate_limit_waits": ("x", -1),
    "base_backoff_s": ("x", 0, -0.5),
    "max_backoff_s": ("x", 0),
    "max_hint_s": ("x", -3),
    "max_total_wait_s": ("x", -1, float("nan")),
    "adaptive": ("yes", 1),
    "capacity_from_latency": ("yes", 0),
    "initial_concurrency": ("x", 0),
    "free_per_minute": ("x", 0),
    "free_window_s": ("x", 0),
    "free_per_day": ("x", 0),
    "breaker_threshold": ("x", -1, 0, False),
    "breaker_cooldown_s": ("x", 0),
    "breaker_max_probes": ("x", 0),
    "seed": ("x", 1.5),
}
CASES = [(key, value) for key, values in BAD_VALUES.items() for value in values]
RETRY_KEYS = {
    "max_attempts",
    "max_rate_limit_waits",
    "base_backoff_s",
    "max_backoff_s",
    "max_hint_s",
    "max_total_wait_s",
}


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value != value:
        return "nan"
    return json.dumps(value)


def spec_with_routing(tmp_path: Path, routing: str) -> Path:
    data = tmp_path / "items.jsonl"
    data.write_text('{"id": "q1", "question": "What is 1 + 1?"}\n')
    spec = tmp_path / "spec.toml"
    spec.write_text(
        f'dataset = "{data}"\nmodels = ["openai/gpt-4o-mini"]\nendpoint = "sim"\n'
        f'[prompt]\ntemplate = "{{{{ question }}}}"\n[routing]\n{routing}\n'
    )
    return spec


def test_the_table_covers_every_routing_key() -> None:
    assert set(BAD_VALUES) == ROUTING_KEYS


@pytest.mark.parametrize(("key", "value"), CASES)
def test_a_bad_routing_value_in_a_spec_names_the_key_and_value(
    tmp_path: Path, key: str, value: Any
) -> None:
    spec = spec_with_routing(tmp_path, f"{key} = {toml_value(value)}")
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    message = str(caught.value)
    assert "\n" not in message
    assert caught.value.field == f"routing.{key}"
    assert str(spec) in message
    assert f"got {value!r}" in message
    assert "must be" in message


@pytest.mark.parametrize(("key", "value"), CASES)
def test_a_bad_router_setting_from_python_names_the_key_and_value(key: str, value: Any) -> None:
    build = RetryPolicy if key in RETRY_KEYS else RouterOptions
    with pytest.raises(ConfigError, match=f"^{key}: must be .*, got "):
        build(**{key: value})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("task_timeout_s", "x"),
        ("task_timeout_s", 0),
        ("max_concurrency", "x"),
        ("max_concurrency", 0),
    ],
)
def test_settings_outside_the_routing_table_are_checked_from_python_too(
    key: str, value: Any
) -> None:
    build = RetryPolicy if key == "task_timeout_s" else RouterOptions
    with pytest.raises(ConfigError, match=f"^{key}: must be .*, got {value!r}"):
        build(**{key: value})


def test_good_values_pass_and_keep_their_meaning(tmp_path: Path) -> None:
    spec = spec_with_routing(
        tmp_path,
        "breaker_threshold = 3\nmax_hint_s = 0\nadaptive = false\nfree_per_day = 1000\n"
        "base_backoff_s = 1\nmax_backoff_s = 2.5\nseed = 7",
    )
    options = load_spec(spec).router_options()
    assert options.breaker_threshold == 3 and options.adaptive is False
    assert options.free_per_day == 1000 and options.seed == 7
    assert options.retry.max_hint_s == 0 and options.retry.max_backoff_s == 2.5


def test_a_backoff_cap_below_its_base_is_refused() -> None:
    with pytest.raises(
        ConfigError, match=r"^max_backoff_s: must be >= base_backoff_s \(5\), got 1"
    ):
        RetryPolicy(base_backoff_s=5, max_backoff_s=1)


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ('rpm = "x"', "rpm: must be a number > 0 (or unset), got 'x'"),
        ("tpm = 0", "tpm: must be a number > 0 (or unset), got 0"),
        ("max_concurrency = 1.5", "max_concurrency: must be an integer >= 1 (or unset), got 1.5"),
        ("rps = 3", "unknown key 'rps'"),
    ],
)
def test_a_bad_model_limit_names_the_model_and_key(
    tmp_path: Path, limits: str, expected: str
) -> None:
    spec = spec_with_routing(tmp_path, "")
    spec.write_text(spec.read_text() + f'[limits."openai/gpt-4o-mini"]\n{limits}\n')
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert caught.value.field == "limits.openai/gpt-4o-mini"
    assert expected in str(caught.value)


def test_model_limits_from_python_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"^limits: rpm: must be a number > 0"):
        ModelLimits(rpm="x")  # type: ignore[arg-type]


@pytest.mark.parametrize("dry_run", [False, True])
def test_the_cli_stops_on_a_bad_routing_value_with_one_line_and_nothing_sent(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    dry_run: bool,
) -> None:
    import orkit.plan._assemble as runner

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a client was opened: something would have been sent")

    monkeypatch.setattr(runner, "open_client", forbidden)
    spec = spec_with_routing(tmp_path, 'breaker_threshold = "x"')
    out_dir = tmp_path / "runs"
    args = [str(spec), "--out", str(out_dir), "-q", *(["--dry-run"] if dry_run else [])]
    code = main(["run", *args])
    _, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "routing.breaker_threshold" in lines[0] and "got 'x'" in lines[0]
    assert str(spec) in lines[0]
    assert not out_dir.exists()
