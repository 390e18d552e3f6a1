"""Built-in solvers: how the emulator recognises a question and what it answers.

The emulator reads the **last user message**, splits it into non-empty lines and tries the
lines from the last to the first (so a template like `"Answer with the number only.\\n{{
question }}"` works). A leading `Question:` or `Q:` label is ignored. The first line that
matches one of these grammars decides the answer (patterns are case-insensitive; trailing
`?`/`.` optional):

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

from orkit.sim.solvers import arithmetic, extraction, judge, strings
from orkit.sim.solvers._types import Solution
from orkit.sim.solvers.capitals import CapitalTable
from orkit.sim.solvers.filler import filler

__all__ = ["Solution", "Solvers", "filler"]

_LABEL_RE = re.compile(r"^\s*(?:question|q)\s*:\s*", re.IGNORECASE)


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
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        for line in reversed(lines):
            line = _LABEL_RE.sub("", line)
            for solver in (extraction.solve, self.capitals.solve, strings.solve, arithmetic.solve):
                solution = solver(line)
                if solution is not None:
                    return solution
        return None
