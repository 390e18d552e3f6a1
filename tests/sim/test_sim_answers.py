"""Solvers, right/wrong answers by skill, determinism, and the demo dataset."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest

from orkit.sim import ModelProfile, SimConfig
from orkit.sim.solvers import Solvers

from .sim_testkit import chat_body

DEMO = Path(__file__).resolve().parents[2] / "datasets" / "demo"
MODEL = "openai/gpt-4o-mini"


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("What is 17 + 25?", "42"),
        ("Compute 12 * (3 + 4).", "84"),
        ("Calculate 144 / 12.", "12"),
        ("What is 5 - 12?", "-7"),
        ("What is 7 / 2?", "3.5"),
        ("Q: What's 3 x 4?", "12"),
        ("What is the capital of France?", "Paris"),
        ("what is the capital city of the netherlands", "Amsterdam"),
        ("What is the capital of the UK?", "London"),
        ("Reverse the string: hello", "olleh"),
        ('Reverse the word: "orkit"', "tikro"),
        ("Convert to uppercase: orkit rocks", "ORKIT ROCKS"),
        ("Convert to lowercase: MiXeD", "mixed"),
        ('How many times does the letter "r" appear in "strawberry"?', "3"),
        ('How many words are in: "the quick brown fox"?', "4"),
        ('How many characters are in: "a b"?', "3"),
        (
            'Extract the name and age from: "Alice is 30 years old." '
            "Reply with JSON with keys name and age.",
            '{"name":"Alice","age":30}',
        ),
        (
            'Extract the name, city and occupation from: "Bo lives in New York and works as a '
            'data engineer." Reply with JSON with keys city, name and occupation.',
            '{"city":"New York","name":"Bo","occupation":"data engineer"}',
        ),
        ("Answer with the number only.\nWhat is 2 + 2?", "4"),
    ],
)
def test_solver_grammar(question: str, answer: str) -> None:
    solution = Solvers.load().solve(question)
    assert solution is not None
    assert solution.answer == answer
    assert solution.near_misses and answer not in solution.near_misses


@pytest.mark.parametrize(
    "question", ["Tell me a story.", "What is 2026?", "What is the capital of Atlantis?"]
)
def test_unrecognised_prompts_get_no_solution(question: str) -> None:
    assert Solvers.load().solve(question) is None


def _questions() -> list[dict[str, str]]:
    return [json.loads(line) for line in (DEMO / "items.jsonl").read_text().splitlines()]


async def _answers(sim, items: list[dict[str, str]], model: str = MODEL) -> list[str]:
    out = []
    for item in items:
        body = (await sim.chat(chat_body(item["question"], model, temperature=0))).json()
        out.append(body["choices"][0]["message"]["content"])
    return out


async def test_same_seed_same_answers_different_seed_some_differ(make_sim) -> None:
    items = _questions()[::5]
    config = SimConfig(time_scale=0, models={MODEL: ModelProfile(skill=0.5)})
    first = await _answers(await make_sim(config), items)
    again = await _answers(await make_sim(config), items)
    other = await _answers(
        await make_sim(SimConfig(seed=1, time_scale=0, models=config.models)), items
    )
    assert first == again
    assert sum(a != b for a, b in zip(first, other, strict=True)) >= 5


async def test_correct_rate_follows_skill(make_sim) -> None:
    items = _questions()
    sim = await make_sim(SimConfig(time_scale=0, models={MODEL: ModelProfile(skill=0.7)}))
    answers = await _answers(sim, items)
    rate = sum(a == i["answer"] for a, i in zip(answers, items, strict=True)) / len(items)
    assert 0.62 <= rate <= 0.78


async def test_demo_items_are_all_answered_right_by_a_perfect_model(make_sim) -> None:
    items = _questions()
    assert len(items) == 300
    assert {i["kind"] for i in items} == {"arithmetic", "capital", "string", "json"}
    sim = await make_sim(SimConfig(time_scale=0, models={MODEL: ModelProfile(skill=1.0)}))
    answers = await _answers(sim, items)
    wrong = [(i["id"], a) for a, i in zip(answers, items, strict=True) if a != i["answer"]]
    assert wrong == []


async def test_a_hopeless_model_gives_plausible_wrong_answers(make_sim) -> None:
    sim = await make_sim(SimConfig(time_scale=0, models={MODEL: ModelProfile(skill=0.0)}))
    body = (await sim.chat(chat_body("What is the capital of Australia?", temperature=0))).json()
    answer = body["choices"][0]["message"]["content"]
    assert answer != "Canberra"
    assert answer in {r["capital"] for r in Solvers.load().capitals.rows} | {"Sydney"}


async def test_repeats_vary_only_when_sampling_is_random(make_sim) -> None:
    sim = await make_sim(SimConfig(time_scale=0, models={MODEL: ModelProfile(skill=0.5)}))

    async def repeat(**params: object) -> set[str]:
        seen = set()
        for _ in range(12):
            body = (await sim.chat(chat_body("What is 123 + 456?", MODEL, **params))).json()
            seen.add(body["choices"][0]["message"]["content"])
        return seen

    assert len(await repeat(temperature=0)) == 1
    assert len(await repeat(temperature=0.7, seed=5)) == 1
    assert len(await repeat(temperature=0.7)) > 1


def test_make_demo_is_deterministic(tmp_path: Path) -> None:
    out = tmp_path / "items.jsonl"
    module = runpy.run_path(str(DEMO / "make_demo.py"))
    assert module["main"](["make_demo.py", str(out)]) == 0
    assert out.read_text() == (DEMO / "items.jsonl").read_text()
