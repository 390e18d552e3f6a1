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


@pytest.mark.subprocess
def test_building_the_parser_imports_no_heavy_library() -> None:
    """`orkit --help` (and every command's start) builds the parser: pandas, numpy,
    pyarrow and the HTTP libraries are imported by the commands that use them, when they run."""
    heavy = ("numpy", "pandas", "pyarrow", "httpx", "aiohttp")
    code = (
        "import sys; from orkit.cli import build_parser; build_parser(); "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [
        a
        for a in parser._actions
        if not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)
        and a.help != argparse.SUPPRESS
    ]


def _parser_of(command: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = build_parser()
    for name in command:
        (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return parser


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_option_of_every_command_has_a_help_text(command: tuple[str, ...]) -> None:
    missing = [
        "/".join(a.option_strings) or a.dest
        for a in _options(_parser_of(command))
        if not (a.help or "").strip()
    ]
    assert missing == [], f"orkit {' '.join(command)}: no help for {missing}"


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_help_text_is_shown_whole(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each option's help, as printed at 80 columns, holds every word of its text: nothing is
    cut off or lost to a formatting slip (a help of `None`, a stray `%`)."""
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    # compared without whitespace: argparse wraps lines, also after a hyphen
    shown = "".join(capsys.readouterr().out.split())
    for action in _options(_parser_of(command)):
        text = str(action.help) % {**vars(action), "prog": f"orkit {' '.join(command)}"}
        assert "".join(text.split()) in shown, (action.option_strings, text)


@pytest.mark.parametrize(
    ("command", "option", "words"),
    [
        (("resume",), "--allow-drift", "dataset or a prompt file changed since the run began"),
        (("retry",), "--allow-drift", "dataset or a prompt file changed since the run began"),
        (("resume",), "--no-report", "do not write an HTML report"),
        (("resume",), "--quiet", "no progress bar or summary"),
        (("retry",), "--no-report", "do not write an HTML report"),
        (("retry",), "--quiet", "no progress bar or summary"),
    ],
)
def test_the_options_the_issue_found_without_help(
    command: tuple[str, ...],
    option: str,
    words: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    lines = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(option))
    block = [lines[start]]
    for line in lines[start + 1 :]:  # argparse's continuation lines are indented further
        if not line.startswith(" " * 6) or line.lstrip().startswith("-"):
            break
        block.append(line)
    assert words in " ".join(" ".join(block).split())
