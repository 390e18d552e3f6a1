"""What a new user found in the `orkit run` / `orkit estimate` flow (issue 12, first contact):
each test is one reproduction, run through the CLI as the user typed it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from orkit.cli import main

MODEL = "openai/gpt-4o-mini"


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    items = tmp_path / "items.jsonl"
    items.write_text(
        "".join(
            json.dumps({"id": f"q{i}", "question": f"{i} + 1?", "answer": str(i + 1)}) + "\n"
            for i in range(6)
        )
    )
    path = tmp_path / "s.toml"
    path.write_text(
        f'dataset = "items.jsonl"\nmodels = ["{MODEL}"]\nendpoint = "sim"\n'
        f'out = "{tmp_path / "runs"}"\n'
        '[prompt]\ntemplate = "{{ question }}"\n[params]\nmax_tokens = 16\n'
        '[[scorers]]\nkind = "exact"\nexpected = "answer"\n[sim]\ntime_scale = 0.0\n'
    )
    return path


def _error_line(err: str) -> str:
    (line,) = [ln for ln in err.splitlines() if ln.strip()]
    return line


# --------------------------------------------------------------- the pilot's question


def test_a_pilot_without_a_terminal_says_a_pilot_always_asks(
    spec: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # it said "above the -$1.00 that needs a yes": the threshold that makes a pilot always ask
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal to ask on
    code = main(["estimate", str(spec), "--pilot", "2"])
    err = capsys.readouterr().err
    assert code == 2
    line = _error_line(err)
    assert "-$" not in line
    assert "the pilot could cost up to $" in line
    assert "and a pilot always needs a yes; pass --yes to go ahead without asking" in line
    assert not (spec.parent / "runs").exists()  # nothing ran


# --------------------------------------------------------------- the parser


@pytest.mark.parametrize("command", ["run", "estimate"])
def test_an_unknown_option_is_reported_with_the_commands_usage(
    spec: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, str(spec), "--bogus"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.startswith(f"usage: orkit {command} ")  # not `usage: orkit [-h] ... COMMAND`
    assert err.rstrip().endswith(f"orkit {command}: error: unrecognized arguments: --bogus")


# --------------------------------------------------------------- errors name their source


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["-c", "0"], "--concurrency: must be an integer >= 1, got 0"),
        (
            ["--param", "temperature=5"],
            "--param temperature=5: must be a number from 0 to 2, got 5",
        ),
        (
            ["-m", "openai/x", "-m", "openai/x"],
            "--model: 'openai/x' is given twice; give each model once",
        ),
        (
            ["--param", 'provider={"zdr": 3}'],
            "--param provider={\"zdr\": 3}: field 'zdr': must be true or false, got 3",
        ),
        (["--budget", "0"], "--budget: must be a number > 0, got 0.0"),
        (["--prompt", " "], "--prompt: a prompt template is required"),
    ],
    ids=["concurrency", "param", "model-twice", "nested-param", "budget", "prompt"],
)
@pytest.mark.parametrize("command", ["run", "estimate"])
def test_a_bad_value_from_a_flag_names_the_flag_not_the_spec_file(
    spec: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    flags: list[str],
    expected: str,
) -> None:
    # each said `s.toml, field '...': ...`, as if the file held the value
    code = main([command, str(spec), *flags])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert _error_line(err) == f"orkit: error: {expected}"


def test_a_bad_value_from_flags_alone_names_the_flag(
    spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = spec.parent / "items.jsonl"
    args = ["run", str(items), "--prompt", "{{ question }}", "-m", MODEL, "-m", MODEL]
    assert main([*args, "--endpoint", "sim"]) == 2
    line = _error_line(capsys.readouterr().err)
    assert line == f"orkit: error: --model: {MODEL!r} is given twice; give each model once"


def test_a_bad_value_in_the_spec_file_still_names_the_file(
    spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = spec.read_text().replace("max_tokens = 16", "max_tokens = 16\ntemperature = 9")
    spec.write_text(text)
    # a flag that sets something else leaves the blame where the value is
    assert main(["run", str(spec), "-c", "2", "--param", "seed=1", "--dry-run"]) == 2
    line = _error_line(capsys.readouterr().err)
    assert line == (
        f"orkit: error: {spec}, field 'params.temperature': must be a number from 0 to 2, got 9"
    )


def test_a_param_flag_that_is_also_a_grid_axis_names_both(
    spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec.write_text(spec.read_text() + "[grid]\ntemperature = [0, 1]\n")
    assert main(["run", str(spec), "--param", "temperature=0", "--dry-run"]) == 2
    line = _error_line(capsys.readouterr().err)
    assert line == (
        f"orkit: error: --param temperature=0: temperature is also a [grid] axis of {spec}; "
        "give it once"
    )
