"""The console progress display: within the width whatever the numbers, plain lines (no
`\\r`, no escape codes) when stderr is not a terminal, a redrawn bar on one, colour only on a
terminal and never with NO_COLOR, per-contestant lines with `detailed`.

Time is a hand-moved clock and the stream a StringIO that says whether it is a terminal:
nothing here waits on the wall clock."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import anyio
import pytest

from orkit import Sweep
from orkit.batch._totals import ModelTotals, RunTotals
from orkit.errors import ConfigError
from orkit.progress import ConsoleProgress, progress_observer
from orkit.progress._console import colour_wanted, terminal_size
from orkit.progress._contestants import Contestants, contestant_labels
from orkit.progress._fit import Part, cells, fit, truncate
from orkit.progress._lines import Snapshot, contestant_lines, cost_text, run_line
from orkit.results import ResultRow, RunDir
from orkit.types import ChatRequest, ChatResponse

from .engine_runs import execute_one

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Screen(io.StringIO):
    """A text stream that is, or is not, a terminal."""

    def __init__(self, *, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


class Ticks:
    """A hand-moved monotonic clock."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def visible(text: str) -> str:
    return ANSI.sub("", text)


def busy_totals(*, tasks: int, errors: int, cost: float) -> ModelTotals:
    return ModelTotals(
        tasks=tasks,
        ok=tasks - errors,
        errors=errors,
        deferred=12_345,
        skipped_budget=4_321,
        cached=99_999,
        cost_usd=cost,
        cost_unknown_rows=77_777,
        rate_limited=123_456,
    )


def snapshot(total: int, t: ModelTotals, **kw: Any) -> Snapshot:
    return Snapshot(
        name=kw.pop("name", "demo"),
        total=total,
        totals=t,
        status=kw.pop("status", {"in_flight": 512, "waiting": 250_000}),
        elapsed_s=kw.pop("elapsed_s", 3_725.0),
        deferred_until=kw.pop("deferred_until", "2026-12-07 00:00 UTC"),
        **kw,
    )


# ---------------------------------------------------------------- the width

WIDTHS = [20, 40, 60, 79, 80, 100, 120]
LONG_NAME = "a-sweep-with-a-very-long-name-of-many-words-ok-" * 3


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("bar", [True, False], ids=["bar", "plain"])
@pytest.mark.parametrize(
    "case",
    [
        {"total": 1_000_000, "tasks": 999_999, "errors": 123_456, "cost": 98_765.4321},
        {"total": 1_000_000, "tasks": 0, "errors": 0, "cost": 0.0, "name": LONG_NAME},
        {"total": 10, "tasks": 10, "errors": 10, "cost": 1e-9, "finished": "cancelled"},
        {"total": 0, "tasks": 0, "errors": 0, "cost": 0.0, "name": "名前" * 40},
    ],
    ids=["million", "long-name", "finished", "wide-chars"],
)
def test_the_run_line_never_exceeds_the_width(width: int, bar: bool, case: dict[str, Any]) -> None:
    t = busy_totals(tasks=case["tasks"], errors=case["errors"], cost=case["cost"])
    kw = {k: case[k] for k in ("name", "finished") if k in case}
    line = run_line(snapshot(case["total"], t, **kw), width, colour=True, bar=bar)
    assert cells(visible(line)) <= width, visible(line)


def test_a_million_task_line_keeps_the_counts_errors_and_cost_at_80_columns() -> None:
    t = busy_totals(tasks=999_999, errors=123_456, cost=98_765.4321)
    line = run_line(snapshot(1_000_000, t), 80, colour=False, bar=True)
    assert len(line) <= 80
    assert "999,999/1,000,000" in line
    assert "err 123,456" in line
    assert "$98,765.43 + 77,777 unknown" in line
    # what matters less went first
    assert "429s" not in line and "cached" not in line


def test_a_wide_line_shows_everything() -> None:
    t = ModelTotals(tasks=40, ok=37, errors=3, cost_usd=0.0123, rate_limited=2)
    line = run_line(
        snapshot(
            100, t, status={"in_flight": 8, "waiting": 5}, elapsed_s=20.0, deferred_until=None
        ),
        120,
        colour=False,
        bar=True,
    )
    assert line.startswith("demo   40%  ████")
    for part in ("40/100", "ok 37", "err 3", "in flight 8", "waiting 5", "429s 2", "$0.0123"):
        assert part in line
    assert line.endswith("ETA 30s")  # 60 left at 2 tasks a second


def test_unknown_cost_is_never_shown_as_zero() -> None:
    assert cost_text(ModelTotals(cost_unknown_rows=20)) == "cost unknown"
    assert cost_text(ModelTotals(cost_usd=0.0123, cost_unknown_rows=20)) == "$0.0123 + 20 unknown"
    assert cost_text(ModelTotals(cost_usd=0.5)) == "$0.50"


def test_no_eta_before_there_is_a_rate() -> None:
    t = ModelTotals(tasks=0)
    line = run_line(snapshot(100, t, elapsed_s=30.0), 120, colour=False, bar=False)
    assert "ETA" not in line
    t = ModelTotals(tasks=5, ok=5)
    line = run_line(snapshot(100, t, elapsed_s=0.5), 120, colour=False, bar=False)
    assert "ETA" not in line


def test_fit_drops_the_least_kept_part_first_and_cuts_a_lone_one() -> None:
    parts = [Part("aaaa", keep=10), Part("bbbb", keep=90), Part("cccc", keep=50)]
    assert [p.text for p in fit(parts, 10)] == ["bbbb", "cccc"]
    assert [p.text for p in fit(parts, 4)] == ["bbbb"]
    assert [p.text for p in fit(parts, 3)] == ["bb…"]
    assert truncate("名前名前", 5) == "名前…"
    assert cells(truncate("名前名前", 5)) <= 5


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, (80, None)),
        ({"COLUMNS": "60"}, (60, None)),
        ({"COLUMNS": "400", "LINES": "50"}, (120, 50)),
        ({"COLUMNS": "wide"}, (80, None)),
    ],
)
def test_terminal_size(env: dict[str, str], expected: tuple[int, int | None]) -> None:
    assert terminal_size(Screen(tty=False), env) == expected


# ---------------------------------------------------------------- plain lines


def run_through(progress: ConsoleProgress, clock: Ticks, rows: list[tuple[float, str]]) -> None:
    """Start a 10-task run, end a task at each (time, status), tick, finish."""
    totals = RunTotals()
    progress.on_start(10, "r", lambda: {"in_flight": 2, "waiting": 1})
    for at, status in rows:
        clock.t = 100.0 + at
        row: ResultRow = {
            "model": "a/x",
            "prompt_id": "default",
            "params_json": "{}",
            "status": status,
            "cost_usd": 0.001 if status == "ok" else None,
        }
        totals.add(row)
        progress.on_row(row, totals)
    progress.on_tick(totals)
    progress.on_finish(totals, "completed")


def test_not_a_terminal_gets_a_plain_line_every_period_and_at_the_end() -> None:
    clock, out = Ticks(), Screen(tty=False)
    progress = ConsoleProgress(name="demo", stream=out, redraw=False, now=clock, env={})
    run_through(progress, clock, [(1, "ok"), (5, "ok"), (9.9, "error"), (10, "ok"), (12, "ok")])
    text = out.getvalue()
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    # at the start, at 10 s (the first row past the period), and at the end
    assert lines == [
        "demo  0%  0/10  ok 0  err 0  in flight 2  waiting 1  $0",
        "demo  40%  4/10  ok 3  err 1  in flight 2  waiting 1  $0.003  ETA 15s",
        "demo  50%  5/10  ok 4  err 1  $0.004  completed in 12s",
    ]


def test_a_tick_writes_the_plain_line_when_no_row_ends() -> None:
    clock, out = Ticks(), Screen(tty=False)
    progress = ConsoleProgress(stream=out, redraw=False, now=clock, env={})
    progress.on_start(3, "r", lambda: {"in_flight": 0, "waiting": 3})
    clock.t += 9.0
    progress.on_tick(RunTotals())
    assert len(out.getvalue().splitlines()) == 1
    clock.t += 1.0
    progress.on_tick(RunTotals())
    assert len(out.getvalue().splitlines()) == 2
    progress.on_finish(RunTotals(), "cancelled")
    assert out.getvalue().splitlines()[-1].endswith("cancelled in 10s")


# ---------------------------------------------------------------- the redrawn bar


def test_a_terminal_gets_one_line_redrawn_in_place_on_time() -> None:
    clock, out = Ticks(), Screen(tty=True)
    progress = ConsoleProgress(
        name="demo", stream=out, redraw=True, colour=False, width=79, now=clock, env={}
    )
    run_through(progress, clock, [(0.1, "ok"), (0.2, "ok"), (0.3, "ok"), (0.4, "error")])
    text = out.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1  # one line, left as it ended
    draws = [visible(d) for d in text.rstrip("\n").split("\r") if d]
    # at the start, at 0.3 s (past the 0.25 s refresh), at the end
    assert len(draws) == 3
    assert all(len(d) <= 79 for d in draws)
    assert "3/10" in draws[1] and draws[-1].rstrip().endswith("completed in <1s")


def test_a_redrawn_line_fits_the_terminal_and_a_cell_less() -> None:
    out = Screen(tty=True)
    progress = ConsoleProgress(stream=out, redraw=True, now=Ticks(), env={"COLUMNS": "50"})
    progress.on_start(1_000_000, "r", lambda: {"in_flight": 999, "waiting": 123_456})
    progress.on_finish(RunTotals(), "completed")
    assert [cells(visible(line)) <= 49 for line in progress.lines] == [True]


def test_detailed_redraws_the_block_from_its_first_line() -> None:
    clock, out = Ticks(), Screen(tty=True)
    progress = ConsoleProgress(stream=out, redraw=True, detailed=True, width=80, now=clock, env={})
    progress.on_contestants([("a/x", "default", "{}"), ("b/y", "default", "{}")])
    progress.on_start(4, "r")
    clock.t += 1
    progress.on_tick(RunTotals())
    second = out.getvalue().split("\x1b[J")[1]
    assert second.startswith("\r\x1b[2A")  # back up over the two contestant lines
    progress.on_finish(RunTotals(), "completed")


# ---------------------------------------------------------------- colour


@pytest.mark.parametrize(
    ("tty", "env", "expected"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": "anything"}, False),
        (True, {"NO_COLOR": ""}, True),  # no-color.org: set *and not empty*
        (False, {"FORCE_COLOR": "1"}, True),
        (True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        (True, {"TERM": "dumb"}, False),
    ],
)
def test_colour_only_where_wanted(tty: bool, env: dict[str, str], expected: bool) -> None:
    assert colour_wanted(Screen(tty=tty), env) is expected


def test_errors_are_red_and_done_green_on_a_terminal() -> None:
    t = ModelTotals(tasks=3, ok=2, errors=1)
    line = run_line(snapshot(3, t, status={}), 120, colour=True, bar=True)
    assert "\x1b[31merr 1\x1b[0m" in line
    assert "\x1b[32mok 2\x1b[0m" in line


@pytest.mark.parametrize(
    ("tty", "env", "escapes"),
    [(True, {}, True), (True, {"NO_COLOR": "1"}, False), (False, {}, False)],
)
def test_the_observer_colours_only_a_terminal_without_no_color(
    tty: bool, env: dict[str, str], escapes: bool
) -> None:
    out = Screen(tty=tty)
    progress = progress_observer("plain", stream=out, env=env)
    assert isinstance(progress, ConsoleProgress)
    totals = RunTotals()
    totals.add({"model": "a/x", "status": "error"})
    progress.on_start(2, "r")
    progress.on_finish(totals, "completed")
    assert ("\x1b[31m" in out.getvalue()) is escapes


# ---------------------------------------------------------------- choosing a mode


@pytest.mark.parametrize(
    ("mode", "tty", "env", "redraw", "detailed"),
    [
        ("auto", True, {}, True, False),
        (True, True, {}, True, False),
        ("auto", False, {}, False, False),
        ("auto", True, {"TERM": "dumb"}, False, False),
        ("bar", False, {}, True, False),
        ("plain", True, {}, False, False),
        ("detailed", True, {}, True, True),
        ("detailed", False, {}, False, True),
    ],
)
def test_the_mode_picks_the_display(
    mode: str | bool, tty: bool, env: dict[str, str], redraw: bool, detailed: bool
) -> None:
    progress = progress_observer(mode, stream=Screen(tty=tty), env=env)
    assert isinstance(progress, ConsoleProgress)
    assert (progress._redraw, progress._detailed) == (redraw, detailed)


def test_none_and_false_show_nothing_and_a_wrong_mode_says_so() -> None:
    assert progress_observer("none") is None
    assert progress_observer(False) is None
    with pytest.raises(ConfigError, match="progress must be one of auto, bar, plain"):
        progress_observer("fancy")


# ---------------------------------------------------------------- contestants


def test_labels_name_only_what_varies() -> None:
    t0, t7 = '{"max_tokens":64,"temperature":0}', '{"max_tokens":64,"temperature":0.7}'
    keys = [
        (m, p, params)
        for m in ("openai/gpt-4o-mini",)
        for p in ("terse", "chatty")
        for params in (t0, t7)
    ]
    labels = contestant_labels(keys)
    assert (
        labels[("openai/gpt-4o-mini", "terse", t7)]
        == "openai/gpt-4o-mini · terse · temperature=0.7"
    )
    assert (
        labels[("openai/gpt-4o-mini", "chatty", t0)]
        == "openai/gpt-4o-mini · chatty · temperature=0"
    )
    one = contestant_labels([("a/x", "default", t0), ("b/y", "default", t0)])
    assert one == {("a/x", "default", t0): "a/x", ("b/y", "default", t0): "b/y"}


def test_contestant_counts_follow_starts_and_rows() -> None:
    c = Contestants()
    key = ("a/x", "p", "{}")
    c.expect([key, ("b/y", "p", "{}")])
    c.started(key)
    c.started(key)
    c.ended(key, "error")
    (label_a, a), (label_b, b) = c.rows()
    assert (label_a, a.done, a.errors, a.running) == ("a/x", 1, 1, 1)
    assert (label_b, b.done, b.running) == ("b/y", 0, 0)


def test_too_many_contestants_end_in_a_more_line_and_every_line_fits() -> None:
    c = Contestants()
    keys = [
        (f"vendor/model-{i:02d}-with-a-long-name", "terse", f'{{"temperature":{i}}}')
        for i in range(30)
    ]
    c.expect(keys)
    for key in keys:
        c.started(key)
        c.ended(key, "ok")
    lines = contestant_lines(c.rows(), 60, colour=True, max_lines=5)
    assert len(lines) == 5
    assert all(cells(visible(line)) <= 60 for line in lines)
    assert visible(lines[-1]).lstrip().startswith("+26 more")
    assert "done 26" in visible(lines[-1])
    # a label too long keeps its end (what tells contestants apart), the vendor goes first
    assert "temperature=0" in visible(lines[0]) and "vendor/" not in visible(lines[0])


@pytest.mark.parametrize("width", [20, 40, 80])
def test_contestant_lines_fit_any_width(width: int) -> None:
    c = Contestants()
    key = ("x" * 200, "p", "{}")
    c.started(key)
    for _ in range(1_234_567 % 1000):
        c.ended(key, "error")
    lines = contestant_lines(c.rows(), width, colour=False, max_lines=12)
    assert lines and all(cells(line) <= width for line in lines)


# ---------------------------------------------------------------- the engine's hooks


def test_the_engine_reports_each_task_as_it_starts(tmp_path: Path) -> None:
    """While the only task's request is held, its contestant counts it running; once its
    row is in, done. (The request waits on the check, not on time.)"""
    data = tmp_path / "items.jsonl"
    data.write_text('{"q": "2 + 2"}\n')
    sweep = Sweep(dataset=str(data), prompt="{{ q }}", models=["a/x"], endpoint="sim")
    progress = ConsoleProgress(stream=Screen(tty=False), redraw=False, detailed=True, env={})
    seen_while_held: list[tuple[int, int]] = []

    class Held:
        async def complete(self, request: ChatRequest) -> ChatResponse:
            (_, counts), *_ = progress._contestants.rows()
            seen_while_held.append((counts.running, counts.done))
            return ChatResponse(generation_id="g", model=request.model, provider="P", content="4")

    async def go() -> RunTotals:
        run = RunDir.create(tmp_path / "runs", "r")
        return await execute_one(Held(), sweep, run, observer=progress)

    assert anyio.run(go).all.ok == 1
    assert seen_while_held == [(1, 0)]
    (label, counts), *_ = progress._contestants.rows()
    assert (label, counts.running, counts.done) == ("a/x", 0, 1)


def test_the_notebook_bar_never_shows_an_unknown_cost_as_zero() -> None:
    from orkit.progress._tqdm import status_line

    totals = RunTotals()
    totals.add({"model": "a/x", "status": "ok", "cost_usd": None})
    assert status_line(totals, None).endswith("cost unknown")


@pytest.mark.parametrize("width", [40, 50, 60])
def test_cut_labels_still_tell_contestants_apart(width: int) -> None:
    c = Contestants()
    keys = [
        (model, prompt, f'{{"temperature":{t}}}')
        for model in ("openai/gpt-4o-mini", "deepseek/deepseek-v3.2")
        for prompt in ("terse", "chatty")
        for t in (0, 0.7)
    ]
    c.expect(keys)
    lines = contestant_lines(c.rows(), width, colour=False, max_lines=12)
    labels = [line.split("  done")[0].strip() for line in lines]
    assert len(set(labels)) == len(keys), labels
    assert all(cells(line) <= width for line in lines)
