"""`task_timeout_s`: a Sweep keyword, a top-level spec key and `--task-timeout`, reaching the
router's retry policy; bad values name the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from orkit import Sweep, load_spec
from orkit.errors import SpecError
from orkit.router import DEFAULT_TASK_TIMEOUT_S


def make(**kw: object) -> Sweep:
    return Sweep(dataset="x.jsonl", models=["a/b"], prompt="{{ q }}", **kw)  # type: ignore[arg-type]


def test_the_default_cap_reaches_the_retry_policy() -> None:
    assert make().router_options().retry.task_timeout_s == DEFAULT_TASK_TIMEOUT_S == 300.0
    assert make(task_timeout_s=45).router_options().retry.task_timeout_s == 45


@pytest.mark.parametrize("off", [0, None])
def test_zero_or_none_turns_the_cap_off_and_round_trips(off: float | None, tmp_path) -> None:
    sweep = make(task_timeout_s=off)
    assert sweep.router_options().retry.task_timeout_s is None
    spec = tmp_path / "s.toml"
    spec.write_text(sweep.to_toml())
    assert "task_timeout_s = 0" in spec.read_text()
    assert load_spec(spec).router_options().retry.task_timeout_s is None


@pytest.mark.parametrize("bad", [-1, "5 min", True])
def test_a_bad_cap_names_the_field(bad: object) -> None:
    with pytest.raises(SpecError, match="task_timeout_s"):
        make(task_timeout_s=bad)


def test_routing_does_not_take_it_twice() -> None:
    with pytest.raises(SpecError, match="unknown key") as info:
        make(routing={"task_timeout_s": 10})
    assert info.value.field == "routing.task_timeout_s"


def test_the_flag_overrides_the_spec(tmp_path: Path) -> None:
    from orkit.cli import build_parser
    from orkit.cli._run import _build_sweep

    spec = tmp_path / "s.toml"
    spec.write_text(
        'dataset = "x.jsonl"\nmodels = ["a/b"]\ntask_timeout_s = 60\n[prompt]\ntemplate = "q"\n'
    )
    assert load_spec(spec).task_timeout_s == 60
    args = build_parser().parse_args(["run", str(spec), "--task-timeout", "7.5"])
    assert _build_sweep(args).task_timeout_s == 7.5
