"""Capital-city questions, answered from `capitals.json` (103 countries).

Forms: `What is the capital of COUNTRY?`, `What's the capital city of COUNTRY?`,
`Name the capital of COUNTRY.` COUNTRY matches case-insensitively, with or without a
leading "the", and by the aliases in the table (`UK`, `USA`, `Czechia`, ...). The answer
is the capital exactly as the table spells it (ASCII, e.g. `Brasilia`, `Washington, D.C.`).
Wrong answers: the country's famous non-capital city (`Sydney` for Australia), or
another country's capital.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

from orkit.sim._hashing import unit
from orkit.sim.solvers._types import Solution

__all__ = ["CapitalTable"]

_ASK_RE = re.compile(
    r"^(?:what\s+is|what's|name)\s+the\s+capital(?:\s+city)?\s+of\s+(?:the\s+)?"
    r"(?P<country>[^?.!]+?)\s*[?.!]?\s*$",
    re.IGNORECASE,
)


class CapitalTable:
    """Country -> capital lookups, with decoys for plausible wrong answers."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = tuple(rows)
        self._index: dict[str, dict[str, Any]] = {}
        for row in rows:
            for name in [row["country"], *row.get("aliases", ())]:
                self._index[_norm(name)] = row

    @classmethod
    def load(cls) -> CapitalTable:
        """Read the table shipped next to this module."""
        text = resources.files("orkit.sim.solvers").joinpath("capitals.json").read_text("utf-8")
        return cls(json.loads(text))

    def solve(self, line: str) -> Solution | None:
        """Recognise and answer a capital question (one line of the user message)."""
        match = _ASK_RE.match(line)
        if match is None:
            return None
        row = self._index.get(_norm(match.group("country")))
        if row is None:
            return None
        capital: str = row["capital"]
        misses = [row["decoy"]] if row.get("decoy") else []
        for salt in range(3):
            other = self.rows[int(unit(row["country"], salt) * len(self.rows))]
            misses.append(other["capital"])
        return Solution("capital", capital, tuple(misses), capital)


def _norm(name: str) -> str:
    name = " ".join(name.lower().split())
    return name[4:] if name.startswith("the ") else name
