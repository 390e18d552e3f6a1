"""Judge prompts: grade an answer (a 1..N score, or correct/incorrect against a reference) or
pick the better of two answers, as an LLM judge would.

Recognised when the last user message holds tagged blocks and asks for a fixed last line:
- `<question>…</question>`, `<answer>…</answer>`, optional `<reference>…</reference>`, and
  the phrase `Score: N/5` (any scale) → `Score: k/5`; or the phrase `Verdict: CORRECT` →
  `Verdict: CORRECT` / `Verdict: INCORRECT`;
- `<question>`, `<answer_a>…</answer_a>`, `<answer_b>…</answer_b>`, optional `<reference>`,
  and the phrase `Winner: A` → `Winner: A` / `Winner: B` / `Winner: tie`.

The truth: an answer is right when it matches the reference (case, spacing, quotes and end
punctuation ignored; JSON compared parsed; "The answer is 42." matches "42"), or, with no
reference, the emulator's own solution of the question. A right answer earns the top score, a
wrong one 1. An open question (no reference, no solution) gets a fixed pseudo-random quality
per answer. The "correct" reply is the true verdict; the near misses are the wrong ones, so a
judge model is right with probability = its skill, like any other answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from orkit.sim._hashing import unit
from orkit.sim.solvers._types import Solution

__all__ = ["solve"]

_SCALE_RE = re.compile(r"Score: N/(\d+)")
_SPACE_RE = re.compile(r"\s+")
_QUALITY_TIE = 0.1


def _block(text: str, tag: str) -> str | None:
    start = text.find(f"<{tag}>")
    end = text.rfind(f"</{tag}>")
    if start < 0 or end < start:
        return None
    return text[start + len(tag) + 2 : end].strip()


def _norm(text: str) -> str:
    text = _SPACE_RE.sub(" ", text.strip().casefold())
    return text.rstrip(".!?;:").strip().strip("\"'`*")


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def matches(answer: str, reference: str) -> bool:
    """Whether `answer` says what `reference` says (see the module docstring)."""
    a, r = _norm(answer), _norm(reference)
    if not r:
        return False
    if a == r or a.endswith((" " + r, ": " + r)):
        return True
    parsed = _json(reference)
    return isinstance(parsed, dict | list) and _json(answer.strip()) == parsed


def solve(text: str, solve_question: Callable[[str], Solution | None]) -> Solution | None:
    """The judge's reply to a judge prompt, or None when `text` is not one."""
    if "<question>" not in text:
        return None
    question = _block(text, "question") or ""
    reference = _block(text, "reference")
    if "Winner: A" in text:
        a, b = _block(text, "answer_a"), _block(text, "answer_b")
        if a is None or b is None:
            return None
        return _pairwise(question, reference, a, b, solve_question)
    answer = _block(text, "answer")
    if answer is None:
        return None
    if "Verdict: CORRECT" in text and reference is not None:
        right = matches(answer, reference)
        yes, no = "Verdict: CORRECT", "Verdict: INCORRECT"
        return _reply(yes, [no]) if right else _reply(no, [yes])
    scale_match = _SCALE_RE.search(text)
    if scale_match is None:
        return None
    return _rubric(question, reference, answer, int(scale_match.group(1)), solve_question)


def _truth(
    question: str,
    reference: str | None,
    answer: str,
    solve_question: Callable[[str], Solution | None],
) -> float:
    """1.0 right, 0.0 wrong, or a quality in (0, 1) for open questions."""
    if reference:
        return 1.0 if matches(answer, reference) else 0.0
    solution = solve_question(question)
    if solution is not None:
        return 1.0 if matches(answer, solution.answer) else 0.0
    return 0.05 + 0.9 * unit("judge-quality", question, answer)


def _rubric(
    question: str,
    reference: str | None,
    answer: str,
    scale: int,
    solve_question: Callable[[str], Solution | None],
) -> Solution | None:
    if scale < 2:
        return None
    quality = _truth(question, reference, answer, solve_question)
    score = 1 + round(quality * (scale - 1))
    others = [s for s in range(1, scale + 1) if abs(s - score) >= max(1, (scale - 1) // 2)]
    reason = "The answer meets the rubric." if score > scale / 2 else "The answer falls short."
    return _reply(
        f"{reason}\nScore: {score}/{scale}",
        [f"On balance, a different view.\nScore: {s}/{scale}" for s in others],
    )


def _pairwise(
    question: str,
    reference: str | None,
    a: str,
    b: str,
    solve_question: Callable[[str], Solution | None],
) -> Solution:
    qa = _truth(question, reference, a, solve_question)
    qb = _truth(question, reference, b, solve_question)
    winner = "tie" if abs(qa - qb) < _QUALITY_TIE else ("A" if qa > qb else "B")
    reasons = {"A": "Answer A is better.", "B": "Answer B is better.", "tie": "Both are alike."}
    right = f"{reasons[winner]}\nWinner: {winner}"
    wrong = [f"{reasons[w]}\nWinner: {w}" for w in ("A", "B", "tie") if w != winner]
    return _reply(right, wrong)


def _reply(right: str, wrong: list[str]) -> Solution:
    return Solution("judge", right, tuple(wrong), right)
