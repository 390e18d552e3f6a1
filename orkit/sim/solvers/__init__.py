"""Built-in solvers: how the emulator recognises a question and what it answers.

The emulator reads the **last user message**, splits it into non-empty lines and tries the
lines from the last to the first (so a template like `"Answer with the number only.\\n{{
question }}"` works). A leading `Question:` or `Q:` label is ignored. The first line that
matches one of these grammars decides the answer (patterns are case-insensitive; trailing
`?`/`.` optional). Only when no whole line matches, a line's leading sentences are tried,
longest first, so a question followed by an instruction on its line works too
(`What is 123 + 456? Answer with the number only.` -> `579`) while every prompt a whole line
answers keeps its answer:

- JSON extraction (`orkit.sim.solvers.extraction`):
  `Extract the name and age from: "Alice is 30 years old." Reply with JSON with keys name and age.`
  -> `{"name":"Alice","age":30}` (compact JSON, keys in the order of the second list).
- Capitals (`orkit.sim.solvers.capitals`): `What is the capital of France?` -> `Paris`.
- String tasks (`orkit.sim.solvers.strings`): `Reverse the string: hello` -> `olleh`;
  `Convert to uppercase: orkit` -> `ORKIT`; `Convert to lowercase: ...`;
  `How many times does the letter "r" appear in "strawberry"?` -> `3`;
  `How many words are in: "a b c"?` -> `3`; `How many characters are in: "abc"?` -> `3`.
- Arithmetic (`orkit.sim.solvers.arithmetic`): `What is 17 + 25?` -> `42`;
  `Compute 12 * (3 + 4).` -> `84`; `Calculate 144 / 12.` -> `12`; `What is 5 - 12?` -> `-7`.

Before those, the whole message is checked for a judge prompt (`orkit.sim.solvers.judge`):
tagged `<question>`/`<answer>` (or `<answer_a>`/`<answer_b>`) blocks and a requested last
line `Score: N/5`, `Verdict: CORRECT` or `Winner: A` -> that line, e.g. `Score: 5/5` for an
answer that matches the reference (or the emulator's own solution of the question).

A correct model outputs exactly `Solution.answer` (the answer only, no prose). Anything
else gets filler prose (`orkit.sim.solvers.filler`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from orkit.sim.solvers import arithmetic, extraction, judge, strings
from orkit.sim.solvers._types import Solution
from orkit.sim.solvers.capitals import CapitalTable
from orkit.sim.solvers.filler import filler

__all__ = ["Solution", "Solvers", "filler", "leading_sentences"]

_LABEL_RE = re.compile(r"^\s*(?:question|q)\s*:\s*", re.IGNORECASE)
# A sentence ends at `?`, `.` or `!` before whitespace (not inside `3.5` or a quoted `"old."`).
_SENTENCE_BREAK_RE = re.compile(r"(?<=[?.!])\s+")


class Solvers:
    """All built-in solvers, with their tables loaded once."""

    def __init__(self, capitals: CapitalTable) -> None:
        self.capitals = capitals

    @classmethod
    def load(cls) -> Solvers:
        """Load the data tables shipped with the package."""
        return cls(CapitalTable.load())

    def solve(self, text: str) -> Solution | None:
        """The solution for a user message, or None if no grammar recognises it."""
        graded = judge.solve(text, self._solve_lines)
        if graded is not None:
            return graded
        return self._solve_lines(text)

    def _solve_lines(self, text: str) -> Solution | None:
        lines = [_LABEL_RE.sub("", line.strip()) for line in text.splitlines() if line.strip()]
        lines.reverse()
        # Whole lines first, so no answer that a whole line gave changes.
        solution = self._first_solved(lines)
        if solution is None:
            heads = (head for line in lines for head in leading_sentences(line))
            solution = self._first_solved(heads)
        return solution

    def _first_solved(self, candidates: Iterable[str]) -> Solution | None:
        for text in candidates:
            for solver in (extraction.solve, self.capitals.solve, strings.solve, arithmetic.solve):
                solution = solver(text)
                if solution is not None:
                    return solution
        return None


def leading_sentences(line: str) -> list[str]:
    """`line` cut before each of its later sentences, longest first (`A? B. C.` -> `A? B.`,
    `A?`); [] for a single sentence."""
    breaks = [match.start() for match in _SENTENCE_BREAK_RE.finditer(line)]
    return [line[:end] for end in reversed(breaks)]
