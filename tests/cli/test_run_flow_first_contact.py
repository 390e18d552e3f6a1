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
