"""Reasoning answers recorded and shown (issue 17, Deliver 5): reasoning text and tokens from
captured wire fixtures, streamed and not, kept per row; their own columns in the summary and
the CLI's end table; a warning for answers left empty because reasoning took the budget."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from orkit import Sweep
from orkit.batch import RunTotals, is_reasoning_starved, starved_warning
from orkit.cli._table import print_summary

from .replay_server import fixture_bytes, fixture_json, replay_server

MODEL = "anthropic/claude-haiku-4.5"
PLAIN = "openai/gpt-4o-mini"


def sweep(tmp_path: Path, url: str, models: list[str], **kw: Any) -> Sweep:
    base: dict[str, Any] = {
        "dataset": [{"id": f"q{i}", "question": f"riddle {i}"} for i in range(3)],
        "models": models,
        "prompt": "{{ question }}",
        "params": {"reasoning": {"effort": "low"}},
        "endpoint": url,
        "cache": False,
        "out": str(tmp_path / "runs"),
    }
    return Sweep(**{**base, **kw})


def test_unstreamed_reasoning_is_recorded_and_summed(tmp_path: Path) -> None:
    captured = fixture_json("chat-ok-reasoning-claude-haiku.json")  # 586 reasoning tokens
    plain = fixture_json("chat-ok-openai-gpt-4o.json")

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        return captured if body["model"] == MODEL else plain

    with replay_server(answer, [MODEL, PLAIN]) as (url, app):
        run = sweep(tmp_path, url, [MODEL, PLAIN], stream=False).run()
    assert app.bodies[0]["reasoning"] == {"effort": "low"}
    rows = run.to_pandas().set_index("model")
    reasoned = rows.loc[MODEL].iloc[0]
    assert reasoned["reasoning_tokens"] == 586 and reasoned["completion_tokens"] == 855
    assert reasoned["reasoning_text"].startswith("This is an interesting logic puzzle")
    summary = run.summary()
    assert summary.loc[MODEL, "reasoning_tokens"] == 3 * 586
    assert summary.loc[MODEL, "mean_reasoning_tokens"] == 586
    plain_tokens = fixture_json("chat-ok-openai-gpt-4o.json")["usage"]
    expected = plain_tokens.get("completion_tokens_details", {}).get("reasoning_tokens")
    assert summary.loc[PLAIN, "mean_reasoning_tokens"] == (expected or 0)
    out = io.StringIO()
    print_summary(summary, run.manifest, file=out)
    header, _, first, _second = out.getvalue().splitlines()[:4]
    assert "reasoning/answer" in header and "586" in first
    assert not run.manifest.warnings  # nothing was starved


def test_streamed_reasoning_is_recorded(tmp_path: Path) -> None:
    stream = fixture_bytes("stream-reasoning-claude-sonnet-4.5.sse")
    with replay_server(lambda body: stream, [MODEL]) as (url, app):
        run = sweep(tmp_path, url, [MODEL], stream=True).run()
    assert app.bodies[0]["stream"] is True
    row = run.to_pandas().iloc[0]
    assert row["reasoning_text"].startswith("This is a simple arithmetic question. 2+2 equals 4.")
    assert row["reasoning_tokens"] == 13 and row["completion_tokens"] == 36
    assert "2 + 2 = 4" in row["output_text"]
    assert run.summary().loc[MODEL, "reasoning_tokens"] == 3 * 13


def starved_answer() -> dict[str, Any]:
    """A captured length-cut answer, as a reasoning model sends it when thinking took all of
    max_tokens: no content, reasoning text, reasoning tokens = completion tokens."""
    answer = fixture_json("chat-ok-gemini-length-max-tokens.json")
    answer["choices"][0]["message"].update(content="", reasoning="Let me think about CAP...")
    answer["usage"]["completion_tokens_details"]["reasoning_tokens"] = 100
    return answer


def test_answers_left_empty_by_reasoning_are_a_run_warning(tmp_path: Path) -> None:
    starved, fine = starved_answer(), fixture_json("chat-ok-reasoning-claude-haiku.json")
    fine["provider"] = starved["provider"]  # one provider: no "served by two" warning

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        return starved if "0" not in json.dumps(body["messages"]) else fine

    with replay_server(answer, [MODEL]) as (url, _):
        run = sweep(tmp_path, url, [MODEL], stream=False, params={"max_tokens": 100}).run()
    (warning,) = run.manifest.warnings or []
    assert warning.startswith("2 rows came back empty with finish_reason 'length'")
    assert f"({MODEL}: 2)" in warning and "raise max_tokens" in warning
    assert "reasoning.effort" in warning


def row(**kw: Any) -> dict[str, Any]:
    base = {
        "status": "ok",
        "finish_reason": "length",
        "output_text": "",
        "completion_tokens": 100,
        "reasoning_tokens": 100,
        "reasoning_text": None,
        "model": MODEL,
    }
    return {**base, **kw}


@pytest.mark.parametrize(
    ("changes", "starved"),
    [
        ({}, True),
        ({"reasoning_tokens": 95}, True),  # a few tokens of formatting counted apart
        ({"reasoning_tokens": 40}, False),  # most of the budget was the (empty?) answer
        ({"output_text": "The CAP theorem"}, False),  # cut short, but an answer
        ({"finish_reason": "stop"}, False),
        ({"status": "error"}, False),
        ({"reasoning_tokens": None, "reasoning_text": "thinking..."}, True),  # no counts
        ({"reasoning_tokens": None, "completion_tokens": None}, False),  # nothing says so
        ({"reasoning_tokens": 0}, False),
    ],
)
def test_what_counts_as_starved(changes: dict[str, Any], starved: bool) -> None:
    assert is_reasoning_starved(row(**changes)) is starved


def test_the_warning_counts_per_model_and_totals_add_up() -> None:
    totals = RunTotals()
    for r in [row(), row(), row(model="b/y"), row(finish_reason="stop")]:
        totals.add(r)  # type: ignore[arg-type]
    assert totals.all.reasoning_starved == 3
    text = starved_warning({m: t.reasoning_starved for m, t in totals.by_model.items()})
    assert text is not None and text.startswith("3 rows came back empty")
    assert f"{MODEL}: 2, b/y: 1" in text
    assert starved_warning({MODEL: 0}) is None
