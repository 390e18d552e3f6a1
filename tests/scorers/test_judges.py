"""LLM judges without sending anything: reading replies (robustly), building prompts, the
pairwise position swap, and their spec form."""

from __future__ import annotations

import pytest

from orkit.errors import ConfigError, ScorerError, SpecError
from orkit.scorers import (
    Judge,
    JudgeCase,
    Scorer,
    judge_pairwise,
    judge_reference,
    judge_rubric,
    question_text,
    scorer_from_spec,
    scorer_spec,
    split_scorers,
)
from orkit.scorers._verdicts import read_score, read_verdict, read_winner

MODEL = "openai/gpt-4o-mini"


@pytest.mark.parametrize(
    ("reply", "score"),
    [
        ("Score: 4/5", 4),
        ("The answer is right but wordy.\nScore: 3/5", 3),
        ("A 10/10 answer would cite a source. This one does not.\nScore: 2/5", 2),
        ("Rating: [[4]]", 4),
        ('{"score": 5, "reason": "exact"}', 5),
        ('```json\n{"reasoning": "ok", "score": "4"}\n```', 4),
        ("**Score:** 4", 4),
        ("I would give it a score of 2 out of 5.", 2),
        ("Overall: 8/10", 4),  # another scale, converted
        ("score = 1", 1),
    ],
)
def test_scores_are_read_from_many_reply_styles(reply: str, score: float) -> None:
    assert read_score(reply, 5) == (score, None)


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("I cannot grade this.", "no score in the judge's reply: 'I cannot grade this.'"),
        ("Score: 7/5", "score 7 is outside 1..5"),
        ("", "no score: empty reply"),
        (None, "no score: empty reply"),
    ],
)
def test_unreadable_scores_say_why(reply: str | None, why: str) -> None:
    assert read_score(reply, 5) == (None, why)


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("Same number.\nVerdict: CORRECT", True),
        ("Verdict: INCORRECT", False),
        ("**Verdict**: correct", True),
        ('{"correct": false}', False),
        ('{"verdict": "pass"}', True),
        ("The numbers differ.\n\nINCORRECT", False),
        ("It matches the reference, so the answer is correct.", True),
    ],
)
def test_verdicts(reply: str, verdict: bool) -> None:
    assert read_verdict(reply) == (verdict, None)


@pytest.mark.parametrize(
    ("reply", "winner"),
    [
        ("A is more precise.\nWinner: A", "A"),
        ("Winner: tie", "tie"),
        ("Winner: **B**", "B"),
        ("[[B]]", "B"),
        ("[[C]]", "tie"),
        ('{"winner": "A"}', "A"),
        ("The better answer is Answer B.", "B"),
        ("tie", "tie"),
    ],
)
def test_winners(reply: str, winner: str) -> None:
    assert read_winner(reply) == (winner, None)
    assert read_winner("no idea")[0] is None and read_verdict("hmm")[0] is None


def _case(**kw: object) -> JudgeCase:
    base: dict[str, object] = {
        "question": "What is 2 + 2?",
        "output": "4",
        "fields": {"answer": "4", "topic": "sums"},
    }
    base.update(kw)
    return JudgeCase(**base)  # type: ignore[arg-type]


def test_rubric_judge_prompt_and_verdicts() -> None:
    judge = judge_rubric(MODEL, "Explains {{ topic }} clearly.")
    assert isinstance(judge, Judge) and not isinstance(judge, Scorer)
    assert judge.judge_model == MODEL and judge.calls_per_task == 1
    (request,) = judge.requests(_case()) or []
    assert request.model == MODEL and request.params == {"temperature": 0, "max_tokens": 512}
    prompt = request.messages[-1]["content"]
    assert "<answer>\n4\n</answer>" in prompt and "Explains sums clearly." in prompt
    assert prompt.endswith("Score: N/5")
    top = judge.verdict(_case(), ["Great.\nScore: 5/5"])
    assert (top.value, top.passed, top.detail) == (1.0, True, "5/5")
    mid = judge.verdict(_case(), ["Score: 3/5"])
    assert (mid.value, mid.passed) == (0.5, False)  # passes at 4 of 5 by default
    unread = judge.verdict(_case(), ["I refuse."])
    assert unread.value is None and "no score" in (unread.detail or "")


def test_rubric_naming_a_missing_column_is_a_scorer_error_not_a_crash() -> None:
    judge = judge_rubric(MODEL, "Mentions {{ missing }}.")
    with pytest.raises(ScorerError, match="rubric: 'missing' is undefined"):
        judge.requests(_case())


def test_reference_judge_applies_only_with_a_reference() -> None:
    judge = judge_reference(MODEL)
    (request,) = judge.requests(_case()) or []
    assert "<reference>\n4\n</reference>" in request.messages[-1]["content"]
    assert judge.requests(_case(fields={})) is None
    ok = judge.verdict(_case(), ["Verdict: CORRECT"])
    assert (ok.value, ok.passed, ok.expected) == (1.0, True, "4")
    assert judge.verdict(_case(), [None]).detail == "not judged: the judge request failed"


def test_pairwise_judge_swaps_positions_and_averages() -> None:
    judge = judge_pairwise(MODEL)
    assert judge.is_pairwise and judge.calls_per_task == 2 and judge.baseline is None
    case = _case(baseline_output="5", baseline_model="x/base")
    first, second = judge.requests(case) or []
    assert "<answer_a>\n4\n</answer_a>" in first.messages[-1]["content"]
    assert "<answer_a>\n5\n</answer_a>" in second.messages[-1]["content"]
    win = judge.verdict(case, ["Winner: A", "Winner: B"])  # consistent: the candidate wins
    assert (win.value, win.passed) == (1.0, True)
    assert win.detail == "vs x/base; candidate first: win; baseline first: win"
    biased = judge.verdict(case, ["Winner: A", "Winner: A"])  # always the first answer
    assert (biased.value, biased.passed) == (0.5, None)
    half = judge.verdict(case, ["Winner: A", "gibberish"])
    assert half.value == 1.0 and "baseline first: no winner" in (half.detail or "")
    assert judge.verdict(case, [None, None]).value is None
    assert judge.requests(_case()) is None  # the baseline has no answer for this item
    one_way = judge_pairwise(MODEL, swap=False, baseline="x/base")
    assert one_way.calls_per_task == 1 and len(one_way.requests(case) or []) == 1


def test_judges_round_trip_through_their_spec_form() -> None:
    judges: list[Judge] = [
        judge_rubric(MODEL, "Polite.", scale=10, params={"max_tokens": 64}, name="polite"),
        judge_reference(MODEL, "gold"),
        judge_pairwise(MODEL, baseline="a/b", rubric="Concise.", swap=False),
    ]
    for judge in judges:
        rebuilt = scorer_from_spec(scorer_spec(judge))
        assert scorer_spec(rebuilt) == scorer_spec(judge)
    assert scorer_spec(judges[0])["params"] == {"temperature": 0, "max_tokens": 64}
    assert split_scorers(judges) == ([], judges)


def test_judge_options_are_checked() -> None:
    with pytest.raises(ConfigError, match="model id"):
        judge_reference("gpt-4o")
    with pytest.raises(ConfigError, match="scale"):
        judge_rubric(MODEL, "x", scale=1)
    with pytest.raises(ConfigError, match="template error on line 1"):
        judge_rubric(MODEL, "{% if %}")
    with pytest.raises(ConfigError, match="'stream' is set by orkit"):
        judge_reference(MODEL, params={"stream": True})
    with pytest.raises(SpecError, match="bad options"):
        scorer_from_spec({"kind": "judge_rubric", "model": MODEL})  # no rubric


def test_question_text_joins_the_candidate_messages() -> None:
    messages = (
        '[{"role":"system","content":"Be brief."},'
        '{"role":"user","content":[{"type":"text","text":"What is 2 + 2?"}]}]'
    )
    assert question_text(messages) == "Be brief.\n\nWhat is 2 + 2?"
    assert question_text(None) == ""
