"""The client timeouts of a sweep: Python keywords, spec keys, what `read_timeout_s` (the one
number orkit had before) maps to, bad values, and a whole run on the emulator in which
stalled streams cost their idle timeout, not minutes."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import anyio
import pandas as pd
import pytest

from orkit import Run, Sweep, load_spec
from orkit.api import run_sweep_async
from orkit.config import Timeouts
from orkit.errors import SpecError

MODEL = "openai/gpt-4o-mini"


@pytest.fixture
def items(tmp_path: Path) -> Path:
    path = tmp_path / "items.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"q{i}", "question": f"What is {i} + 2?"}) + "\n" for i in range(24)
        )
    )
    return path


def sweep(items: Path, tmp_path: Path, **kw: object) -> Sweep:
    base: dict[str, object] = {
        "dataset": str(items),
        "prompt": "{{ question }}",
        "models": [MODEL],
        "params": {"max_tokens": 8, "temperature": 0},
        "endpoint": "sim",
        "out": str(tmp_path / "runs"),
        "concurrency": 8,
        "sim": {"time_scale": 0.0, "seed": 5},
    }
    base.update(kw)
    return Sweep(**base)  # type: ignore[arg-type]


def test_defaults_free_a_stalled_slot_within_30_seconds(items, tmp_path) -> None:
    t = sweep(items, tmp_path).timeouts()
    assert t == Timeouts(connect=10.0, first_byte=30.0, idle=30.0, read=120.0)
    assert max(t.first_byte, t.idle) <= 30.0


def test_each_timeout_is_its_own_keyword(items, tmp_path) -> None:
    s = sweep(items, tmp_path, connect_timeout_s=2, first_byte_timeout_s=5, idle_timeout_s=7.5)
    assert s.timeouts() == Timeouts(connect=2, first_byte=5, idle=7.5, read=120.0)


def test_read_timeout_s_is_the_silence_anywhere_unless_a_finer_one_is_given(
    items, tmp_path
) -> None:
    """The one number of older specs (and manifests) keeps meaning what it meant."""
    assert sweep(items, tmp_path, read_timeout_s=600).timeouts() == Timeouts(
        first_byte=600, idle=600, read=600
    )
    s = sweep(items, tmp_path, read_timeout_s=600, idle_timeout_s=45)
    assert s.timeouts() == Timeouts(first_byte=600, idle=45, read=600)


def test_spec_keys_load_and_round_trip(items, tmp_path) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text(
        f'dataset = "{items}"\nmodels = ["{MODEL}"]\nendpoint = "sim"\n'
        "connect_timeout_s = 3\nfirst_byte_timeout_s = 12\nidle_timeout_s = 20\n"
        '[prompt]\ntemplate = "{{ question }}"\n'
    )
    s = load_spec(spec)
    assert s.timeouts() == Timeouts(connect=3, first_byte=12, idle=20, read=120.0)
    text = s.to_toml()
    assert "idle_timeout_s = 20" in text and "read_timeout_s" not in text  # unset stays unset
    defaults = tomllib.loads(sweep(items, tmp_path).to_toml())
    assert not [key for key in defaults if key.endswith("_timeout_s")]
    again = tmp_path / "again.toml"
    again.write_text(text)
    assert load_spec(again).timeouts() == s.timeouts()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("idle_timeout_s", "0"),
        ("first_byte_timeout_s", "-1"),
        ("connect_timeout_s", '"10s"'),
        ("read_timeout_s", "true"),
    ],
)
def test_a_bad_timeout_names_the_file_and_the_key(items, tmp_path, key: str, value: str) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(
        f'dataset = "{items}"\nmodels = ["{MODEL}"]\n{key} = {value}\n'
        '[prompt]\ntemplate = "{{ question }}"\n'
    )
    with pytest.raises(SpecError) as info:
        load_spec(spec)
    assert info.value.message.startswith(f"{spec}, field '{key}': must be a number of seconds > 0")


@pytest.mark.integration
@pytest.mark.parametrize("fault", ["stall", "stall_after_headers"])
def test_stalled_streams_cost_their_idle_timeout_and_are_retried(
    items, tmp_path, fault: str
) -> None:
    """A quarter of the answers stall for a minute (mid-stream, or right after the headers);
    with a 0.3 s idle timeout each stalled attempt lets go of its slot after about 0.3 s and
    the task is retried."""
    idle_s = 0.3
    sim = {"time_scale": 0.0, "seed": 5, "max_stall_s": 60.0, "faults": {fault: 0.25}}
    routing = {"base_backoff_s": 0.001, "max_backoff_s": 0.01, "max_attempts": 10}
    s = sweep(items, tmp_path, sim=sim, routing=routing, idle_timeout_s=idle_s)
    run = Run(anyio.run(lambda: run_sweep_async(s)))
    rows = run.to_pandas()
    attempts = pd.read_parquet(run.path / "attempts")
    assert (rows["status"] == "ok").all() and len(rows) == 24
    stalled = attempts[attempts["error_type"] == "timeout"]
    assert len(stalled) > 0
    assert (stalled["action"] == "retry").all()
    # each stalled attempt held its slot for the idle timeout, plus a wide margin for a
    # loaded machine: far below the minute the stall would have lasted
    assert stalled["duration_s"].max() <= idle_s + 5.0


def test_html_answers_to_streamed_requests_are_retried_as_invalid_responses(
    items, tmp_path
) -> None:
    sim = {"time_scale": 0.0, "seed": 5, "faults": {"garbage_body": 0.25}}
    routing = {"base_backoff_s": 0.001, "max_backoff_s": 0.01, "max_attempts": 10}
    run = Run(anyio.run(lambda: run_sweep_async(sweep(items, tmp_path, sim=sim, routing=routing))))
    rows = run.to_pandas()
    attempts = pd.read_parquet(run.path / "attempts")
    assert (rows["status"] == "ok").all() and len(rows) == 24
    failed = attempts[attempts["action"] != "ok"]
    assert len(failed) > 0
    assert set(failed["error_type"]) == {"invalid_response"}  # not connection_error
    # the status the unreadable answer came with is kept: a 200, not "no status"
    assert set(failed["http_status"]) == {200}
    # nothing began on those attempts: known to cost nothing, not unknown
    assert (failed["cost_usd"] == 0).all()
    assert set(failed["cost_source"]) == {"not_billed"}
