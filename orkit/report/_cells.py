"""The drill-down's columns: per contestant, one array per field over the items shown (no
key repeated per cell: what keeps 100,000 cells a few MB once compressed). Numbers come from
the rows' codes; texts from the part files, only the rows shown, part by part; each text is
cut at `max_text_chars`."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from orkit.report._columns import each_part, score_parts
from orkit.report._items import Selection
from orkit.report._round import money_list, seconds_list
from orkit.report._several import Loaded
from orkit.results import STATUS_CODES, system_memory_pool

__all__ = ["Texts", "cell_columns", "tool_calls_text"]

IntArray = npt.NDArray[np.int64]

_TEXT_COLUMNS = ("output_text", "reasoning_text", "error_type", "error_message")
_OTHER_COLUMNS = ("served_provider", "served_model", "tool_calls_json")
_TOKENS = ("prompt_tokens", "completion_tokens", "reasoning_tokens")


class Texts:
    """Cuts texts at `limit` characters and counts what it cut."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.cut = 0

    def __call__(self, text: Any) -> tuple[str | None, bool]:
        if text is None:
            return None, False
        text = str(text)
        if len(text) <= self.limit:
            return text, False
        self.cut += 1
        return text[: self.limit], True


def tool_calls_text(calls_json: str | None) -> str | None:
    """An answer that only called tools, as its cell shows it: one `→ name(arguments)` line
    per call (the page escapes it as any answer text)."""
    if not calls_json:
        return None
    try:
        calls = json.loads(calls_json)
    except ValueError:
        return None
    lines = []
    for call in calls if isinstance(calls, list) else ():
        if not isinstance(call, dict):
            continue
        arguments = call.get("arguments")
        shown = arguments if isinstance(arguments, str) else json.dumps(arguments)
        lines.append(f"→ {call.get('name')}({shown})")
    return "\n".join(lines) or None


def cell_columns(
    loaded: Loaded,
    selection: Selection,
    scorer_of: Sequence[int],
    texts: Texts,
) -> tuple[list[dict[str, Any]], list[list[Any]]]:
    """Per contestant, its cells' columns (scores per payload scorer: `scorer_of[s]` is the
    payload position of `rows.scorers[s]`, -1 if not shown); per payload scorer, each item's
    expected value (null: none said)."""
    n, k = selection.cell_row.shape
    flat = selection.cell_row.T.reshape(-1)  # cell c * n + item
    have = np.flatnonzero(flat >= 0)
    at = np.where(flat >= 0, flat, 0)
    fields = _numbers(loaded, flat, at)
    fields |= _read_texts(loaded, flat, have, texts)
    scores, expected = _scores(loaded, flat, have, scorer_of, n, texts)
    fields["repeats"] = selection.repeats.T.reshape(-1).tolist()
    cells = []
    for c in range(k):
        part = slice(c * n, (c + 1) * n)
        cell = {name: values[part] for name, values in fields.items()}
        cell["scores"] = [
            {name: values[part] for name, values in scorer.items()} for scorer in scores
        ]
        cells.append(cell)
    return cells, expected


def _numbers(loaded: Loaded, flat: IntArray, at: IntArray) -> dict[str, list[Any]]:
    """The fields the rows' codes hold: status, latency, cost, cache and fallback flags."""
    rows = loaded.rows
    have = flat >= 0
    status = np.array([*STATUS_CODES, "other", None], dtype=object)
    code = np.where(have, rows.status[at], len(STATUS_CODES) + 1)
    cached = rows.cached[at] if rows.cached is not None else np.zeros(len(at), dtype=bool)
    out: dict[str, list[Any]] = {"status": status[code].tolist()}
    for name, key in (("latency_s", "service_s"), ("ttft_s", "ttft_s")):
        out[name] = seconds_list(np.where(have, rows.floats[key][at], np.nan))
    out["cost_usd"] = money_list(np.where(have, rows.floats["cost_usd"][at], np.nan).tolist())
    out["cached"] = _flags(cached, have)
    out["fallback"] = _flags(rows.is_fallback[at], have)
    return out


def _flags(values: npt.NDArray[np.bool_], have: npt.NDArray[np.bool_]) -> list[bool | None]:
    return [bool(v) if h else None for v, h in zip(values.tolist(), have.tolist(), strict=True)]


def _read_texts(
    loaded: Loaded, flat: IntArray, have: IntArray, texts: Texts
) -> dict[str, list[Any]]:
    """The fields only the part files hold, for the cells' rows."""
    size = len(flat)
    names = ["text", "truncated", "error_type", "reasoning", "provider", "served_model"]
    out: dict[str, list[Any]] = {name: [None] * size for name in [*names, *_TOKENS]}
    out["truncated"] = [False] * size
    order = np.argsort(flat[have], kind="stable")
    cells, positions = have[order], flat[have][order]
    columns = [*_TEXT_COLUMNS, *_OTHER_COLUMNS, *_TOKENS, "status"]
    for start, table in each_part(loaded.runs, loaded.starts, columns):
        here = (positions >= start) & (positions < start + table.num_rows)
        if not here.any():
            continue
        with system_memory_pool():
            taken = table.take(pa.array(positions[here] - start))
            del table
            values = {name: taken[name].to_pylist() for name in columns}
            del taken
        for i, cell in enumerate(cells[here].tolist()):
            status = values["status"][i]
            if status == "ok":
                shown = values["output_text"][i] or tool_calls_text(values["tool_calls_json"][i])
            elif status == "error":
                shown = f"[{values['error_type'][i]}] {values['error_message'][i] or ''}".strip()
            else:
                shown = None
            out["text"][cell], out["truncated"][cell] = texts(shown)
            out["reasoning"][cell] = texts(values["reasoning_text"][i])[0]
            out["error_type"][cell] = values["error_type"][i]
            out["provider"][cell] = values["served_provider"][i]
            out["served_model"][cell] = values["served_model"][i]
            for name in _TOKENS:
                out[name][cell] = values[name][i]
    return out


def _scores(
    loaded: Loaded,
    flat: IntArray,
    have: IntArray,
    scorer_of: Sequence[int],
    n_items: int,
    texts: Texts,
) -> tuple[list[dict[str, list[Any]]], list[list[Any]]]:
    """Per payload scorer, the cells' score, passed and detail; and per payload scorer, each
    item's expected value (from the first of its cells' score rows that says one)."""
    rows = loaded.rows
    size = len(flat)
    n_scorers = 1 + max(scorer_of, default=-1)
    cell_of_row = np.full(rows.num_rows + 1, -1, dtype=np.int64)  # the spare last: no row
    cell_of_row[flat[have]] = have
    to_payload = np.array([*scorer_of, -1], dtype=np.int64)  # the spare last: no scorer
    cell = cell_of_row[rows.score_row]
    scorer = to_payload[rows.scorer]
    shown = np.flatnonzero((cell >= 0) & (scorer >= 0))
    cell, scorer = cell[shown].tolist(), scorer[shown].tolist()
    out = [
        {"score": [None] * size, "passed": [None] * size, "detail": [None] * size}
        for _ in range(n_scorers)
    ]
    expected: list[list[Any]] = [[None] * n_items for _ in range(n_scorers)]
    score, passed = rows.score[shown].tolist(), rows.passed[shown].tolist()
    details = _score_texts(loaded, shown)
    for c, s, value, verdict, (detail, said) in zip(
        cell, scorer, score, passed, details, strict=True
    ):
        out[s]["score"][c] = None if value != value else round(value, 4)
        out[s]["passed"][c] = None if verdict < 0 else bool(verdict)
        out[s]["detail"][c] = texts(detail)[0]
        item = c % n_items
        if expected[s][item] is None and said is not None:
            expected[s][item] = texts(said)[0]
    return out, expected


def _score_texts(loaded: Loaded, shown: IntArray) -> Iterator[tuple[Any, Any]]:
    """(detail, expected) of the score rows `shown` (ascending), read part by part from each
    run's scores."""
    for run, start, end in zip(
        loaded.runs, loaded.score_starts, loaded.score_starts[1:], strict=False
    ):
        mine = shown[(shown >= start) & (shown < end)] - start
        if not len(mine):
            continue
        for part_start, table in score_parts(run, ["detail", "expected"]):
            here = mine[(mine >= part_start) & (mine < part_start + table.num_rows)]
            if not len(here):
                continue
            taken = table.take(pa.array(here - part_start))
            detail, said = taken["detail"].to_pylist(), taken["expected"].to_pylist()
            yield from zip(detail, said, strict=True)
