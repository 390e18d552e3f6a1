"""A log line emitted while the progress bar is drawn gets a line of its own: the stream
switch of a local server that sends no usage on streams used to be printed straight onto
the end of the bar (`... waiting=9 $0.0000]http://127.0.0.1:18081/api/v1 sends no ...`)."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from orkit.cli import main

if TYPE_CHECKING:
    from .conftest import RunArgs

MODEL = "openai/gpt-4o-mini"
NOTICE = "sends no token counts on streams"
FLAGS = ("--concurrency", "1", "--no-report", "--no-estimate", "--yes")


@pytest.mark.parametrize("progress", ["bar", "plain"])
def test_the_stream_switch_notice_starts_a_line_of_its_own(
    no_usage_url: str, run_args: RunArgs, progress: str
) -> None:
    # A process of its own, as a user runs it: logging unconfigured (Python's last-resort
    # handler prints the notice), where pytest's log capture would otherwise take it.
    # stderr is a pipe here, so `bar` is asked for: the redrawn display a terminal gets.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "orkit",
            *run_args(no_usage_url, *FLAGS, items=6),
            "--progress",
            progress,
        ],
        capture_output=True,
        timeout=300,
        env={**os.environ, "OPENROUTER_API_KEY": ""},
    )
    err = done.stderr.decode()  # as bytes: text mode would turn each "\r" into "\n"
    assert done.returncode == 0, err
    assert err.count(NOTICE) == 1, err
    start = err.index(f"{no_usage_url} {NOTICE}")
    assert "0/6" in err[:start], "the progress line was not drawn before the notice"
    before = repr(err[max(0, start - 80) : start + 40])
    if progress == "bar":
        # The bar was taken off its line (back to the line's start, the rest erased)
        # before the notice, then drawn again below it.
        assert err[:start].endswith("\r\x1b[J"), before
        assert "0/6" in err[start:] or "6/6" in err[start:]
    else:
        assert err[:start].endswith("\n"), before
        assert "\r" not in err
    notice_line = err[start:].split("\n", 1)[0]
    assert notice_line.endswith("set stream = true to keep streaming)"), repr(notice_line)


def test_logging_is_left_as_it_was_after_the_run(
    no_usage_url: str, run_args: RunArgs, capsys: pytest.CaptureFixture[str]
) -> None:
    before = list(logging.root.handlers)
    assert main(run_args(no_usage_url, *FLAGS, items=6)) == 0
    assert logging.root.handlers == before


def test_overlapping_notebook_bars_put_the_handlers_back_whichever_ends_first() -> None:
    from orkit.batch._totals import RunTotals
    from orkit.progress import TqdmObserver

    before = list(logging.root.handlers)
    first, second = TqdmObserver(file=io.StringIO()), TqdmObserver(file=io.StringIO())
    first.on_start(3, "run-a")
    second.on_start(3, "run-b")
    redirected = list(logging.root.handlers)
    assert redirected != before
    first.on_finish(RunTotals(), "completed")
    assert logging.root.handlers == redirected  # the second bar is still drawn
    second.on_finish(RunTotals(), "completed")
    assert logging.root.handlers == before
