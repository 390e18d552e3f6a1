"""A question followed by an instruction on its own line is still recognised
(`What is 123 + 456? Answer with the number only.` -> `579`), and a prompt that a whole line
answered keeps its answer: the leading sentences are tried only when no whole line matches."""

from __future__ import annotations

import pytest

from orkit.sim import ModelProfile, SimConfig
from orkit.sim.solvers import Solvers, leading_sentences

from .sim_testkit import chat_body

SOLVERS = Solvers.load()


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("What is 123 + 456? Answer with the number only.", "579"),
        ("What is 7 / 2? Give the decimal. No words.", "3.5"),
        ("Q: What is the capital of France? Answer in one word.", "Paris"),
        (
            'Extract the name and age from: "Alice is 30 years old." '
            "Reply with JSON with keys name and age. No prose, please.",
            '{"name":"Alice","age":30}',
        ),
        ("Be brief.\nWhat is 2 + 2? Just the number!", "4"),
    ],
)
def test_a_trailing_instruction_does_not_hide_the_question(question: str, answer: str) -> None:
    solution = SOLVERS.solve(question)
    assert solution is not None and solution.answer == answer


@pytest.mark.parametrize(
    "prompt",
    [
        "Explain this. What is 2 + 2?",  # the question is not where the line starts
        "Tell me a story. Make it short.",
        "What is 2026? Answer with the number only.",  # still not arithmetic
    ],
)
def test_only_a_line_that_starts_with_the_question_counts(prompt: str) -> None:
    assert SOLVERS.solve(prompt) is None


def test_a_whole_line_wins_over_a_sentence_of_a_later_line() -> None:
    # Today's rule first: the last line, then earlier whole lines; sentences only after.
    solution = SOLVERS.solve("What is 1 + 1?\nWhat is 2 + 2? Show your work.")
    assert solution is not None and solution.answer == "2"
    # a string task reads the rest of its line, as it always did
    solution = SOLVERS.solve("Reverse the string: ab. Reply with the string only.")
    assert solution is not None and solution.answer == ".ylno gnirts eht htiw ylpeR .ba"


def test_leading_sentences_longest_first() -> None:
    assert leading_sentences("A? B. C!") == ["A? B.", "A?"]
    assert leading_sentences("Compute 3.5 + 1.") == []  # a decimal point is no sentence end
    assert leading_sentences('Say "hi." Then stop.') == []  # nor a quoted one's


@pytest.mark.anyio
async def test_the_emulator_answers_it(make_sim) -> None:
    config = SimConfig(time_scale=0, models={"openai/gpt-4o-mini": ModelProfile(skill=1.0)})
    sim = await make_sim(config)
    body = chat_body("What is 123 + 456? Answer with the number only.", temperature=0)
    response = (await sim.chat(body)).json()
    assert response["choices"][0]["message"]["content"] == "579"
