"""The emulator as an LLM judge: it recognises judge prompts, grades against the reference
or its own solution, and is right as often as the judge model's skill says."""

from __future__ import annotations

import pytest

from orkit.scorers import Judge, JudgeCase, judge_pairwise, judge_reference, judge_rubric
from orkit.sim import ModelProfile, SimConfig
from orkit.sim.solvers import Solvers
from orkit.sim.solvers.judge import matches

from .sim_testkit import chat_body

JUDGE = "openai/gpt-4o-mini"


def rubric_prompt(question: str, answer: str, reference: str | None = None) -> str:
    ref = f"<reference>\n{reference}\n</reference>\n" if reference is not None else ""
    return (
        f"<question>\n{question}\n</question>\n<answer>\n{answer}\n</answer>\n{ref}"
        "<rubric>\nCorrect.\n</rubric>\nEnd with a line\nScore: N/5"
    )


@pytest.mark.parametrize(
    ("prompt", "reply"),
    [
        (rubric_prompt("What is 17 + 25?", "42"), "Score: 5/5"),
        (rubric_prompt("What is 17 + 25?", "43"), "Score: 1/5"),
        (rubric_prompt("Name a colour.", "red", reference="Red."), "Score: 5/5"),
        (rubric_prompt("What is 17 + 25?", "The answer is 42."), "Score: 5/5"),
        (
            "<question>\nWhat is the capital of France?\n</question>\n<reference>\nParis\n"
            "</reference>\n<answer>\nLyon\n</answer>\nReply Verdict: CORRECT or INCORRECT",
            "Verdict: INCORRECT",
        ),
        (
            "<question>\nWhat is 2 + 2?\n</question>\n<answer_a>\n5\n</answer_a>\n"
            "<answer_b>\n4\n</answer_b>\nSay Winner: A, B or tie",
            "Winner: B",
        ),
        (
            "<question>\nWhat is 2 + 2?\n</question>\n<answer_a>\n4\n</answer_a>\n"
            "<answer_b>\n4.\n</answer_b>\nSay Winner: A, B or tie",
            "Winner: tie",
        ),
    ],
)
def test_judge_grammar(prompt: str, reply: str) -> None:
    solution = Solvers.load().solve(prompt)
    assert solution is not None and solution.kind == "judge"
    assert solution.answer.splitlines()[-1] == reply
    assert all(reply not in miss for miss in solution.near_misses)


def test_judge_tags_without_a_requested_format_are_not_a_judge_prompt() -> None:
    assert Solvers.load().solve("<question>\nWhat is 2 + 2?\n</question>") is not None  # 2+2
    assert Solvers.load().solve("<question>\nTell a story\n</question>") is None


def test_open_questions_get_a_fixed_quality() -> None:
    first = Solvers.load().solve(rubric_prompt("Write a haiku.", "Leaves fall in the rain"))
    again = Solvers.load().solve(rubric_prompt("Write a haiku.", "Leaves fall in the rain"))
    assert first is not None and again is not None and first.answer == again.answer


def test_matching_ignores_form_not_content() -> None:
    assert matches("  PARIS. ", "paris")
    assert matches('{"b": 2, "a": 1}', '{"a":1,"b":2}')
    assert not matches("4", "42") and not matches("anything", "")


def orkit_prompts() -> list[str]:
    """orkit's own judge prompts (the contract between the two sides)."""
    case = JudgeCase("What is 6 * 7?", "42", {"answer": "42"}, "41", "x/y")
    judges: list[Judge] = [
        judge_rubric(JUDGE, "Correct."),
        judge_reference(JUDGE),
        judge_pairwise(JUDGE),
    ]
    return [r.messages[-1]["content"] for j in judges for r in j.requests(case) or []]


def test_orkit_judge_prompts_are_recognised() -> None:
    replies = [Solvers.load().solve(p) for p in orkit_prompts()]
    assert [r.answer.splitlines()[-1] for r in replies if r is not None] == [
        "Score: 5/5",
        "Verdict: CORRECT",
        "Winner: A",
        "Winner: B",
    ]


async def _verdicts(make_sim, skill: float, n: int = 60) -> list[str]:
    sim = await make_sim(SimConfig(time_scale=0, models={JUDGE: ModelProfile(skill=skill)}))
    out = []
    for i in range(n):
        right = i % 2 == 0
        answer = str(i + 5) if right else str(i + 6)
        prompt = (
            f"<question>\nWhat is {i} + 5?\n</question>\n<reference>\n{i + 5}\n</reference>\n"
            f"<answer>\n{answer}\n</answer>\nEnd with Verdict: CORRECT or Verdict: INCORRECT"
        )
        body = (await sim.chat(chat_body(prompt, JUDGE, temperature=0))).json()
        said = body["choices"][0]["message"]["content"]
        out.append("right" if said.endswith("INCORRECT") != right else "wrong")
    return out


async def test_a_judge_is_right_as_often_as_its_skill(make_sim) -> None:
    assert set(await _verdicts(make_sim, 1.0)) == {"right"}
    assert set(await _verdicts(make_sim, 0.0)) == {"wrong"}
    rate = (await _verdicts(make_sim, 0.7, n=200)).count("right") / 200
    assert 0.6 <= rate <= 0.8
    assert await _verdicts(make_sim, 0.7) == await _verdicts(make_sim, 0.7)  # deterministic
