"""`--progress` on `run`, `resume` and `retry`, as a user types it; and log records written
above a redrawn display, never onto it."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from pathlib import Path

import pytest

from orkit.batch import RunTotals
from orkit.cli import main
from orkit.cli._progress import PROGRESS_CHOICES
from orkit.progress import PROGRESS_MODES, ConsoleProgress

ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MODEL = "openai/gpt-4o-mini"


class Screen(io.StringIO):
    def __init__(self, *, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def _spec(tmp_path: Path, items: int = 4) -> Path:
    data = tmp_path / "items.jsonl"
    data.write_text("".join(json.dumps({"q": f"{i} + 1?"}) + "\n" for i in range(items)))
    spec = tmp_path / "spec.toml"
    spec.write_text(
        f"""
name = "grid"
dataset = "items.jsonl"
models = ["{MODEL}"]
endpoint = "sim"
out = "{tmp_path / "runs"}"

[prompts.terse]
template = "{{{{ q }}}}"

[prompts.chatty]
template = "Please think about it: {{{{ q }}}}"

[params]
max_tokens = 16

[grid]
temperature = [0, 0.7]

[sim]
time_scale = 0.0
"""
    )
    return spec


def _run(spec: Path, *flags: str) -> int:
    return main(["run", str(spec), "--yes", "--no-report", "--no-estimate", *flags])


def test_the_choices_are_the_engines_modes() -> None:
    assert PROGRESS_CHOICES == PROGRESS_MODES


@pytest.mark.parametrize("verb", ["run", "resume", "retry"])
def test_every_verb_that_runs_tasks_takes_progress(
    verb: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([verb, "--help"])
    assert "--progress {auto,bar,plain,detailed,none}" in capsys.readouterr().out


def test_a_wrong_mode_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        _run(_spec(tmp_path), "--progress", "fancy")
    assert exit_.value.code == 2
    assert "invalid choice: 'fancy'" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


def test_plain_progress_writes_lines_without_redraws_or_colour(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(_spec(tmp_path), "--progress", "plain") == 0
    err = capsys.readouterr().err
    assert "\r" not in err and "\x1b" not in err
    lines = [line for line in err.splitlines() if line.startswith("grid ")]
    assert lines[0].startswith("grid  0%  0/16")
    assert lines[-1].startswith("grid  100%  16/16  ok 16  err 0")
    assert re.search(r"  completed in (<1s|\d+s)$", lines[-1]), lines[-1]
    assert all(len(line) <= 80 for line in lines)


def test_detailed_progress_counts_each_contestant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two prompts × two temperatures: four contestants, each labelled by what varies,
    each with its 4 items done and nothing left running."""
    assert _run(_spec(tmp_path), "--progress", "detailed") == 0
    err = capsys.readouterr().err
    final = err[err.index("grid  100%") :].splitlines()
    contestants = [line.strip() for line in final[1:5]]
    for prompt in ("terse", "chatty"):
        for temperature in ("0", "0.7"):
            label = f"{MODEL} · {prompt} · temperature={temperature}"
            line = next(c for c in contestants if c.startswith(label + " "))
            assert re.search(r"done 4  err 0  running 0$", line), line


def test_quiet_shows_no_progress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(_spec(tmp_path), "--quiet", "--progress", "detailed") == 0
    assert "grid " not in capsys.readouterr().err


def test_the_python_api_takes_a_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from orkit import load_spec

    load_spec(_spec(tmp_path)).run(progress="plain")
    err = capsys.readouterr().err
    assert "grid  100%  16/16" in err and "\r" not in err


# ---------------------------------------------------------------- log records


def _bar(screen: Screen) -> ConsoleProgress:
    return ConsoleProgress(name="demo", stream=screen, redraw=True, width=60, env={})


def test_a_log_record_goes_above_the_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = Screen(tty=True)
    monkeypatch.setattr(sys, "stderr", screen)
    console = logging.StreamHandler(sys.stderr)
    monkeypatch.setattr(logging.root, "handlers", [console])
    bar = _bar(screen)
    bar.on_start(5, "r")
    logging.getLogger("orkit.test").warning("the server sends no token counts")
    bar.on_finish(RunTotals(), "completed")
    assert logging.root.handlers == [console]
    before, after = screen.getvalue().split("the server sends no token counts\n")
    # The bar was taken off its line first, and drawn again below the record.
    assert before.endswith("\r\x1b[J")
    assert not ESCAPE.sub("", before.rsplit("\r", 1)[-1]).strip()
    assert "0/5" in ESCAPE.sub("", after)


def test_python_s_last_resort_handler_is_redirected_too(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = Screen(tty=True)
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setattr(logging.root, "handlers", [])
    bar = _bar(screen)
    bar.on_start(5, "r")
    logging.getLogger("orkit.test").warning("a notice")
    bar.on_finish(RunTotals(), "completed")
    assert logging.root.handlers == []
    assert "\r\x1b[Ja notice\n" in screen.getvalue()


def test_a_log_file_is_left_alone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    to_file = logging.FileHandler(tmp_path / "log.txt")
    monkeypatch.setattr(logging.root, "handlers", [to_file])
    bar = _bar(Screen(tty=True))
    bar.on_start(5, "r")
    try:
        assert logging.root.handlers == [to_file]
    finally:
        bar.on_finish(RunTotals(), "completed")
        to_file.close()


def test_overlapping_displays_put_the_handlers_back_whichever_ends_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    console = logging.StreamHandler(sys.stderr)
    monkeypatch.setattr(logging.root, "handlers", [console])
    first, second = _bar(Screen(tty=True)), _bar(Screen(tty=True))
    first.on_start(3, "run-a")
    second.on_start(3, "run-b")
    redirected = list(logging.root.handlers)
    assert redirected != [console]
    first.on_finish(RunTotals(), "completed")
    assert logging.root.handlers == redirected  # the second display is still drawn
    second.on_finish(RunTotals(), "completed")
    assert logging.root.handlers == [console]


def test_plain_lines_leave_logging_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    console = logging.StreamHandler(sys.stderr)
    monkeypatch.setattr(logging.root, "handlers", [console])
    plain = ConsoleProgress(stream=Screen(tty=False), redraw=False, env={})
    plain.on_start(3, "r")
    assert logging.root.handlers == [console]
    plain.on_finish(RunTotals(), "completed")
