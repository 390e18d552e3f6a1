"""The `ResultsExplorer`'s data, read from the report's payload (one source for the page and
the notebook): one row per (item, contestant) answer, filtered; one item side by side."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

import pandas as pd

__all__ = ["AnswerFilter", "answer_rows", "filter_answers", "side_by_side_html"]


@dataclass(frozen=True, slots=True)
class AnswerFilter:
    """Which answers to show: each field narrows (None or empty: no narrowing)."""

    contestants: Collection[str] = ()
    statuses: Collection[str] = ()
    scorer: str | None = None
    """The score `min_score`/`max_score` bound (an answer without that score is left out
    when a bound is set: unknown is not 0)."""
    min_score: float | None = None
    max_score: float | None = None
    text: str = ""
    """Case-insensitive, in the answer, the error type or the item id."""


def answer_rows(payload: Mapping[str, Any]) -> pd.DataFrame:
    """One row per answer of the payload's drill-down items: `item_id`, `contestant`,
    `status`, `error_type`, `text`, `latency_s`, `cost_usd`, and `score_<scorer>` /
    `passed_<scorer>` per scorer (null where unknown)."""
    items = payload["items"]
    names = [s["name"] for s in payload.get("scorers") or []]
    frames = []
    for entrant, cell in zip(payload["contestants"], items["cells"], strict=True):
        columns: dict[str, Any] = {
            "item_id": items["id"],
            "contestant": entrant["label"],
            "status": cell["status"],
            "error_type": cell["error_type"],
            "text": cell["text"],
            "latency_s": cell["latency_s"],
            "cost_usd": cell["cost_usd"],
        }
        for name, scored in zip(names, cell["scores"], strict=True):
            columns[f"score_{name}"] = pd.array(scored["score"], dtype="Float64")
            columns[f"passed_{name}"] = pd.array(scored["passed"], dtype="boolean")
        frames.append(pd.DataFrame(columns))
    if not frames:
        return pd.DataFrame(columns=["item_id", "contestant", "status", "error_type", "text"])
    rows = pd.concat(frames, ignore_index=True)
    return rows[rows["status"].notna()].reset_index(drop=True)  # items a run lacks


def filter_answers(rows: pd.DataFrame, chosen: AnswerFilter) -> pd.DataFrame:
    """The rows `chosen` keeps, in their order."""
    keep = pd.Series(True, index=rows.index)
    if chosen.contestants:
        keep &= rows["contestant"].isin(list(chosen.contestants))
    if chosen.statuses:
        keep &= rows["status"].isin(list(chosen.statuses))
    bounded = chosen.min_score is not None or chosen.max_score is not None
    if chosen.scorer is not None and bounded:
        column = f"score_{chosen.scorer}"
        if column not in rows:
            raise KeyError(f"no scorer named {chosen.scorer!r} in this run")
        score = rows[column]
        keep &= score.notna().fillna(False).astype(bool)
        if chosen.min_score is not None:
            keep &= (score >= chosen.min_score).fillna(False).astype(bool)
        if chosen.max_score is not None:
            keep &= (score <= chosen.max_score).fillna(False).astype(bool)
    needle = chosen.text.strip().lower()
    if needle:
        found = pd.Series(False, index=rows.index)
        for column in ("text", "error_type", "item_id"):
            found |= rows[column].astype("string").str.lower().str.contains(needle, regex=False)
        keep &= found.fillna(False).astype(bool)
    return rows[keep]


def side_by_side_html(payload: Mapping[str, Any], item_id: str) -> str:
    """One item: its prompt and expected answer, then every contestant's answer in a column
    (status, scores, text), all escaped."""
    items = payload["items"]
    if item_id not in items["id"]:
        return f"<i>item {escape(item_id)} is not among the items shown</i>"
    i = items["id"].index(item_id)
    names = [s["name"] for s in payload.get("scorers") or []]
    columns = []
    for entrant, cell in zip(payload["contestants"], items["cells"], strict=True):
        if cell["status"][i] is None:
            continue  # a run without this item
        scores = ", ".join(
            f"{name} {_number(scored['score'][i])}"
            for name, scored in zip(names, cell["scores"], strict=True)
        )
        text = cell["text"][i] if cell["text"][i] is not None else cell["error_type"][i]
        columns.append(
            "<div style='flex:1;min-width:220px;border:1px solid #ddd;padding:6px'>"
            f"<b>{escape(entrant['label'])}</b><br><small>{escape(str(cell['status'][i]))}"
            f"{' · ' + escape(scores) if scores else ''}</small>"
            f"<pre style='white-space:pre-wrap'>{escape(str(text or ''))}</pre></div>"
        )
    return (
        f"<div><b>item {escape(item_id)}</b>{_prompt(payload, i)}{_expected(items, i)}</div>"
        "<div style='display:flex;gap:8px;flex-wrap:wrap'>" + "".join(columns) + "</div>"
    )


def _prompt(payload: Mapping[str, Any], i: int) -> str:
    parts = []
    for prompt_id, messages in (payload["items"].get("messages") or {}).items():
        if messages is None or messages[i] is None:
            continue  # redacted
        lines = "\n".join(f"[{m.get('role')}] {m.get('content')}" for m in messages[i])
        parts.append(f"<div>{escape(str(prompt_id))}:<pre>{escape(lines)}</pre></div>")
    return "".join(parts)


def _expected(items: Mapping[str, Any], i: int) -> str:
    expected = (items.get("expected") or [None] * (i + 1))[i]
    return "" if expected is None else f"<div>expected: <code>{escape(str(expected))}</code></div>"


def _number(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.3g}"
