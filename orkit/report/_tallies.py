"""Per contestant: tokens and served providers; per model: who served it. One pass over the
results parts, five columns each, folded into small totals part by part."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from orkit.report._columns import each_part, int_column
from orkit.report._several import Loaded

__all__ = ["Tallies", "tally"]

_TOKENS = ("prompt_tokens", "completion_tokens", "reasoning_tokens")
_UNKNOWN = "unknown"  # a row without a served provider (an error, a run that did not say)


@dataclass
class Tallies:
    tokens: dict[str, list[int | None]] = field(default_factory=dict)
    """Per token column, per contestant: the known counts summed (None: none known)."""
    providers: list[Counter[str]] = field(default_factory=list)
    """Per contestant, served provider → rows."""
    model_providers: dict[str, Counter[str]] = field(default_factory=dict)
    """Per model (as labelled), served provider → rows."""
    served_models: dict[str, Counter[str]] = field(default_factory=dict)
    """Per model (as labelled), served model → rows."""


def tally(loaded: Loaded, codes: npt.NDArray[np.int64], k: int) -> Tallies:
    """The totals of every results row, `codes` their contestants (-1: none)."""
    sums = {name: np.zeros(k) for name in _TOKENS}
    known = {name: np.zeros(k, dtype=np.int64) for name in _TOKENS}
    out = Tallies(providers=[Counter() for _ in range(k)])
    model_of_group = loaded.rows.groups["model"].to_numpy(dtype=object)
    columns = [*_TOKENS, "served_provider", "served_model"]
    for start, table in each_part(loaded.runs, loaded.starts, columns):
        code = codes[start : start + table.num_rows]
        mine = code >= 0
        for name in _TOKENS:
            values = int_column(table[name])
            have = mine & ~np.isnan(values)
            sums[name] += np.bincount(code[have], weights=values[have], minlength=k)
            known[name] += np.bincount(code[have], minlength=k)
        provider = table["served_provider"].to_pylist()
        served = table["served_model"].to_pylist()
        model = model_of_group[loaded.rows.group[start : start + table.num_rows]]
        for c, m, p, s in zip(code.tolist(), model.tolist(), provider, served, strict=True):
            shown = p if p is not None else _UNKNOWN
            if c >= 0:
                out.providers[c][shown] += 1
            if p is not None or s is not None:  # a row nobody served says nothing of who
                out.model_providers.setdefault(str(m), Counter())[shown] += 1
                out.served_models.setdefault(str(m), Counter())[s or _UNKNOWN] += 1
        del table
    for name in _TOKENS:
        out.tokens[name] = [
            round(total) if n else None
            for total, n in zip(sums[name].tolist(), known[name].tolist(), strict=True)
        ]
    return out
