"""Contestants: what a summary or a comparison sets against each other.

A contestant is one model under one prompt variant and one parameter set: the task minus
its item and its repeat. A sweep of two prompts × a grid of two temperatures gives each
model four contestants, and averaging them into one score per model hides which prompt won
(the mean of 75% and 0% is a 38% nobody ran). Each contestant gets a readable label that
names only what varies (`openai/gpt-4o-mini · terse · temperature=0.7`; a run with one
prompt and one parameter set keeps the bare model id) and a short id hashed from its key,
stable across runs and machines.

`by` regroups the rows another way, by any of `model`, `prompt`, `params`,
`served_provider` and `served_model` (e.g. `by="model"` for the old per-model view, or
`by="served_model"` to see what `openrouter/auto` picked).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["CONTESTANT_KEYS", "GROUP_BY", "Contestants", "contestants", "grouping_columns"]

CONTESTANT_KEYS: tuple[str, ...] = ("model", "prompt_id", "params_json")
"""The result columns that make a contestant."""

GROUP_BY: dict[str, str] = {
    "model": "model",
    "prompt": "prompt_id",
    "prompt_id": "prompt_id",
    "params": "params_json",
    "params_json": "params_json",
    "provider": "served_provider",
    "served_provider": "served_provider",
    "served_model": "served_model",
}
"""What `by=` accepts, and the result column each name stands for."""

_CHOICES = ("model", "prompt", "params", "served_provider", "served_model")
"""The names an error message offers (the rest of `GROUP_BY` are aliases)."""

_SEPARATOR = " · "
_MISSING = "–"  # a row without the value (an error has no served model)


def grouping_columns(by: str | Sequence[str] | None) -> tuple[str, ...]:
    """The result columns a `by` names (None: the contestant's own)."""
    if by is None:
        return CONTESTANT_KEYS
    names = [by] if isinstance(by, str) else list(by)
    if not names:
        raise ValueError("by= names no column; give one or more of: " + ", ".join(_CHOICES))
    unknown = [n for n in names if n not in GROUP_BY]
    if unknown:
        raise ValueError(f"cannot group by {unknown[0]!r}; choose from: " + ", ".join(_CHOICES))
    return tuple(dict.fromkeys(GROUP_BY[n] for n in names))


@dataclass(frozen=True)
class Contestants:
    """The contestants of a results table, in display order."""

    columns: tuple[str, ...]
    """The result columns that tell contestants apart."""
    table: pd.DataFrame
    """One row per contestant: `contestant` (the label), `contestant_id`, then `columns`."""
    codes: npt.NDArray[np.int64]
    """Per results row, its contestant's position in `table` (-1: left out by `models`)."""

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self.table["contestant"]]

    def of_rows(self) -> pd.Series:
        """Each results row's contestant label (None for rows left out)."""
        labels = np.array([*self.labels, None], dtype=object)
        return pd.Series(labels[self.codes], dtype=object)

    @property
    def varies(self) -> bool:
        """True when some label is more than its model id (prompt or params variants)."""
        if "model" not in self.table.columns:
            return True
        return bool((self.table["contestant"] != self.table["model"]).any())


def contestants(
    results: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    models: Sequence[str] | None = None,
    prompts: Sequence[str] | None = None,
) -> Contestants:
    """The contestants of `results` (or its groups `by` some columns), labelled and ordered.

    Order: by model as in `models` (default: first appearance), then by prompt as in
    `prompts` (default: first appearance), then by parameters (numbers numerically), other
    columns alphabetically. `models` also selects: rows of other models are left out.
    """
    columns = grouping_columns(by)
    missing = [c for c in columns if c not in results.columns and c not in CONTESTANT_KEYS]
    if missing:
        raise ValueError(f"cannot group by {missing[0]!r}: the results have no such column")
    if len(results) == 0:
        empty = pd.DataFrame(columns=["contestant", "contestant_id", *columns])
        return Contestants(columns, empty, np.full(len(results), -1, dtype=np.int64))
    codes, keys = _groups(results, columns)
    keep = np.ones(len(keys), dtype=bool)
    if models is not None and "model" in columns:
        keep = keys["model"].isin(list(models)).to_numpy()
    order = _order(keys, models, prompts)
    order = [i for i in order if keep[i]]
    position = np.full(len(keys) + 1, -1, dtype=np.int64)  # the spare slot: code -1
    position[order] = np.arange(len(order))
    table = keys.iloc[order].reset_index(drop=True)
    table.insert(0, "contestant_id", [_short_id(row) for row in table.itertuples(index=False)])
    table.insert(0, "contestant", _labels(table, columns, explicit=by is not None))
    for column in columns:  # "" was only for grouping: a missing value is null again
        table[column] = table[column].replace("", None)
    return Contestants(columns, table, position[codes])


def _groups(
    results: pd.DataFrame, columns: tuple[str, ...]
) -> tuple[npt.NDArray[np.int64], pd.DataFrame]:
    """Each row's group among the distinct combinations of `columns` as text (numbered by
    first appearance, as `groupby(sort=False).ngroup()` numbers them), and those groups'
    values, one row each. Column by column through codes: only the distinct values are
    turned into text, never every row's (on a large run those copies were most of the
    memory a summary took)."""
    group = np.zeros(len(results), dtype=np.int64)
    texts: dict[str, tuple[npt.NDArray[np.int64], pd.Series]] = {}
    for column in columns:
        if column in results.columns:
            raw, uniques = pd.factorize(results[column])  # a missing value: -1
            spelled = _as_text(pd.Series([*uniques, None], dtype=object))
            # Two values may read the same (None and ""): one group, as their texts are.
            same, text = pd.factorize(spelled)
            values = same[raw]  # raw -1 picks the last slot, the missing value's
        else:
            values, text = np.zeros(len(results), dtype=np.int64), pd.Index([""])
        texts[column] = (values.astype(np.int64), _as_text(pd.Series(text, dtype=object)))
        group = pd.factorize(group * len(text) + values)[0].astype(np.int64)
    first = np.unique(group, return_index=True)[1]  # groups are 0..n-1: each one's first row
    keys = pd.DataFrame({c: t.take(v[first]).reset_index(drop=True) for c, (v, t) in texts.items()})
    return group, keys


def _as_text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "").astype(str)


def _short_id(row: Sequence[Any]) -> str:
    """8 hex digits of a hash of the key: the same contestant gets the same id anywhere."""
    key = "\x1f".join(str(v) for v in row)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]


def _order(
    keys: pd.DataFrame, models: Sequence[str] | None, prompts: Sequence[str] | None
) -> list[int]:
    ranks: list[list[Any]] = []
    for column in keys.columns:
        values = [str(v) for v in keys[column]]
        if column == "model":
            ranks.append(_given_first(values, models))
        elif column == "prompt_id":
            ranks.append(_given_first(values, prompts))
        elif column == "params_json":
            ranks.append([_params_sort_key(v) for v in values])
        else:
            ranks.append([(v == "", v) for v in values])
    return sorted(range(len(keys)), key=lambda i: tuple(r[i] for r in ranks))


def _given_first(values: list[str], given: Sequence[str] | None) -> list[int]:
    """Rank by position in `given`, then values not in it by first appearance."""
    seen = list(dict.fromkeys([*(given or ()), *values]))
    rank = {v: i for i, v in enumerate(seen)}
    return [rank[v] for v in values]


def _params_sort_key(params_json: str) -> tuple[Any, ...]:
    params = _parse(params_json)
    if not isinstance(params, dict):
        return ((params_json, 1, 0.0, params_json),)
    key = []
    for name in sorted(params):
        value = params[name]
        if isinstance(value, int | float) and not isinstance(value, bool):
            key.append((name, 0, float(value), ""))
        else:
            key.append((name, 1, 0.0, _render(value)))
    return tuple(key)


def _labels(table: pd.DataFrame, columns: tuple[str, ...], *, explicit: bool) -> list[str]:
    """Readable labels: the model always (when grouped by it), other columns when they vary
    or were asked for; parameters by the keys whose values differ. Labels that still
    collide (parameters spelt two ways) get their ids appended."""
    parts: list[list[str]] = [[] for _ in range(len(table))]
    for column in columns:
        values = [str(v) if v is not None else "" for v in table[column]]
        varies = len(set(values)) > 1
        if column == "params_json":
            rendered = _params_labels(values, show_all=explicit and not varies)
        elif column == "model" or explicit or varies:
            rendered = [v or _MISSING for v in values]
        else:
            continue
        for row, text in zip(parts, rendered, strict=True):
            if text:
                row.append(text)
    labels = [_SEPARATOR.join(p) if p else _MISSING for p in parts]
    counts = pd.Series(labels).value_counts()
    ids = list(table["contestant_id"])
    pairs = zip(labels, ids, strict=True)
    return [f"{label} #{i}" if counts[label] > 1 else label for label, i in pairs]


def _params_labels(values: list[str], *, show_all: bool) -> list[str]:
    """`temperature=0.7, seed=1`: the parameters whose values differ between contestants
    (all of them with `show_all`)."""
    parsed = [_parse(v) for v in values]
    if not all(isinstance(p, dict) for p in parsed):
        return values if (show_all or len(set(values)) > 1) else [""] * len(values)
    dicts: list[dict[str, Any]] = [p for p in parsed if isinstance(p, dict)]
    names = list(dict.fromkeys(name for d in dicts for name in d))
    if show_all:
        shown = names
    else:
        shown = [n for n in names if len({_render(d.get(n, _ABSENT)) for d in dicts}) > 1]
    if show_all and not names:
        return ["no params"] * len(values)
    return [", ".join(f"{n}={_render(d[n])}" for n in shown if n in d) for d in dicts]


_ABSENT = object()


def _parse(text: str) -> Any:
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return text


def _render(value: Any) -> str:
    if value is _ABSENT:
        return "\x00absent"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))  # 0.0 and 0 are the same temperature
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
