"""Every command's help works: `orkit`, `orkit -h`, `python -m orkit --help` and `--help` of
every subcommand, found from the parser itself so a new command is covered the day it lands.
argparse %-formats help strings when it prints them, so a stray `%` only fails there."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from orkit.cli import build_parser, main


def _commands(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((*prefix, name))
                found.extend(_commands(sub, (*prefix, name)))
    return found


COMMANDS = _commands(build_parser())


def test_the_parser_has_the_commands_the_readme_uses() -> None:
    names = {c[0] for c in COMMANDS}
    assert {"run", "estimate", "resume", "retry", "runs", "report", "compare", "sim"} <= names


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_orkit_help(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([flag])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: orkit")
    for command in {c[0] for c in COMMANDS}:
        assert f"    {command} " in out or f"    {command}\n" in out


def test_bare_orkit_prints_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert capsys.readouterr().err.startswith("usage: orkit")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_help(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: orkit {' '.join(command)}")
    assert "Traceback" not in out


@pytest.mark.subprocess
def test_python_dash_m_orkit_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "orkit", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: orkit") and not done.stderr
