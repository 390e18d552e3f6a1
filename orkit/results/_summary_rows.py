"""What a summary or report needs of every row of a run, as a few numbers per row.

A run's results and scores are read part by part, only the columns a summary uses, and each
row is kept as codes and floats (about 60 bytes a results row, 30 a score row): its group of
the grouping columns (whose distinct values are kept once, in `groups`), its status, its
latency and cost, its item. Pandas frames of every row (what `read_summary_frames` gives)
cost several times that, and their groupbys as much again: at 200,000 tasks the end of a run
grew the process by some 600 bytes a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orkit.results._read import with_columns_of
from orkit.results._rundir import RunDir
from orkit.results._schema import RESULTS_SCHEMA, SCORES_SCHEMA

__all__ = ["STATUS_CODES", "SummaryRows", "read_summary_rows"]

STATUS_CODES: tuple[str, ...] = ("ok", "error", "skipped_budget", "deferred")
"""`SummaryRows.status` is the position in this tuple; any other status (or none) is 4."""

_FLOATS = ("service_s", "ttft_s", "output_tokens_per_s", "cost_usd")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class SummaryRows:
    """Every results row and score row of a run, in `read_results`/`read_scores` order."""

    groups: pd.DataFrame
    """The distinct combinations of the grouping columns, in order of first appearance (raw
    values, nulls kept), plus `model` if not among them."""
    group: npt.NDArray[np.int32]
    """Per results row, its row in `groups`."""
    status: npt.NDArray[np.int8]
    is_fallback: BoolArray
    cached: BoolArray | None
    """`cost_source == "cached"` (None: no part has the column)."""
    floats: dict[str, FloatArray]
    """service_s, ttft_s, output_tokens_per_s, cost_usd (NaN: null)."""
    item: npt.NDArray[np.int32]
    """Per results row, its `item_id` as a position in `item_ids`."""
    item_ids: list[Any]
    item_index: FloatArray
    """Per results row, its `item_index` (NaN: null)."""
    score_row: IntArray
    """Per score row, the results row of its task (the last with that key; -1: none)."""
    scorer: npt.NDArray[np.int32]
    """Per score row, its scorer as a position in `scorers` (-1: null)."""
    scorers: list[str]
    score: FloatArray
    passed: npt.NDArray[np.int8]
    """Per score row: 1 passed, 0 failed, -1 null."""
    judge_cost: FloatArray | None
    """Per score row, the judge's cost (NaN: unknown), when some row names a judge model;
    None when none does."""
    judged: BoolArray | None
    """Per score row, whether it names a judge model (None with `judge_cost`)."""

    @property
    def num_rows(self) -> int:
        return len(self.group)


class _Codes:
    """Stable integer codes for the values of one column across parts (null is a value)."""

    def __init__(self) -> None:
        self.code: dict[Any, int] = {}
        self.values: list[Any] = []

    def of(self, column: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.int32]:
        """Each row's code, through the column's dictionary: only distinct values are
        turned into Python objects, never every row's."""
        encoded = pc.dictionary_encode(column)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks() if encoded.num_chunks else None
        if encoded is None or len(encoded) == 0:
            return np.zeros(0, dtype=np.int32)
        local = [self._code(v) for v in encoded.dictionary.to_pylist()]
        if encoded.null_count:
            local.append(self._code(None))  # the last: null
        indices = encoded.indices.fill_null(len(local) - 1).to_numpy(zero_copy_only=False)
        return np.array(local, dtype=np.int32)[indices]

    def _code(self, value: Any) -> int:
        found = self.code.get(value)
        if found is None:
            found = self.code[value] = len(self.values)
            self.values.append(value)
        return found


def read_summary_rows(run: RunDir, group_columns: Sequence[str]) -> SummaryRows:
    """`run`'s rows as `SummaryRows`, grouped by the results columns `group_columns`."""
    names = list(dict.fromkeys([*group_columns, "model"]))
    results, task_keys = _read_results(_parts(run.results_dir), names)
    scores = _read_scores(_parts(run.scores_dir), task_keys.finish())
    return SummaryRows(**results, **scores)


_RESULT_COLUMNS = ("status", "is_fallback", "cost_source", "item_id", "item_index", *_FLOATS)


def _read_results(parts: list[Path], names: list[str]) -> tuple[dict[str, Any], _TaskKeys]:
    """The results fields of `SummaryRows`, and the rows' task keys."""
    task_keys = _TaskKeys()
    codes = {name: _Codes() for name in names}
    items, combos = _Codes(), _Codes()
    pieces: dict[str, list[Any]] = {k: [] for k in ("group", "status", "fb", "cached", "item")}
    pieces.update({k: [] for k in ("item_index", *_FLOATS)})
    has_cached = False
    for path in parts:  # bounded by the parts on disk
        columns = ["task_key", *names, *_RESULT_COLUMNS]
        table = _read(path, RESULTS_SCHEMA, columns, plain=("task_key",))
        task_keys.add(table["task_key"])
        has_cached = has_cached or table["cost_source"].null_count < table.num_rows
        per_column = [codes[n].of(table[n]).astype(np.int64) for n in names]
        pieces["group"].append(_combos(per_column, combos))
        pieces["status"].append(_status(table["status"]))
        pieces["fb"].append(_bools(table["is_fallback"]))
        pieces["cached"].append(_bools(pc.equal(table["cost_source"], "cached")))
        pieces["item"].append(items.of(table["item_id"]))
        pieces["item_index"].append(_floats(table["item_index"]))
        for name in _FLOATS:
            pieces[name].append(_floats(table[name]))
        del table
    groups = {
        n: pd.Series([codes[n].values[c[i]] for c in combos.values], dtype=object)
        for i, n in enumerate(names)
    }
    fields = {
        "groups": pd.DataFrame(groups, columns=names),
        "group": _joined(pieces["group"], np.int32),
        "status": _joined(pieces["status"], np.int8),
        "is_fallback": _joined(pieces["fb"], np.bool_),
        "cached": _joined(pieces["cached"], np.bool_) if has_cached else None,
        "floats": {name: _joined(pieces[name], np.float64) for name in _FLOATS},
        "item": _joined(pieces["item"], np.int32),
        "item_ids": items.values,
        "item_index": _joined(pieces["item_index"], np.float64),
    }
    return fields, task_keys


_SCORE_COLUMNS = ("task_key", "scorer", "score", "passed", "judge_model", "judge_cost_usd")


def _read_scores(parts: list[Path], keys: _KeyLookup) -> dict[str, Any]:
    """The scores fields of `SummaryRows`."""
    scorers, judges = _Codes(), False
    pieces: dict[str, list[Any]] = {k: [] for k in ("row", "scorer", "score", "passed")}
    pieces.update(cost=[], judged=[])
    for path in parts:  # bounded by the parts on disk
        table = _read(path, SCORES_SCHEMA, _SCORE_COLUMNS, plain=("task_key",))
        pieces["row"].append(keys.rows(table["task_key"]))
        scorer = scorers.of(table["scorer"])
        null = scorers.code.get(None)
        pieces["scorer"].append(scorer if null is None else np.where(scorer == null, -1, scorer))
        pieces["score"].append(_floats(table["score"]))
        pieces["passed"].append(_passed(table["passed"]))
        judged = _bools(pc.is_valid(table["judge_model"]))
        judges = judges or bool(judged.any())
        pieces["judged"].append(judged)
        pieces["cost"].append(_floats(table["judge_cost_usd"]))
        del table
    return {
        "score_row": _joined(pieces["row"], np.int64),
        "scorer": _joined(pieces["scorer"], np.int32),
        "scorers": [str(s) for s in scorers.values],
        "score": _joined(pieces["score"], np.float64),
        "passed": _joined(pieces["passed"], np.int8),
        "judge_cost": _joined(pieces["cost"], np.float64) if judges else None,
        "judged": _joined(pieces["judged"], np.bool_) if judges else None,
    }


def _passed(column: pa.ChunkedArray) -> npt.NDArray[np.int8]:
    """1 true, 0 false, -1 null."""
    if len(column) == 0:
        return np.zeros(0, dtype=np.int8)
    known = np.asarray(column.fill_null(False).to_numpy(zero_copy_only=False), dtype=np.int8)
    return np.where(_bools(pc.is_null(column)), np.int8(-1), known).astype(np.int8)


def _parts(directory: Path) -> list[Path]:
    return sorted(directory.glob("part-*.parquet")) if directory.is_dir() else []


def _read(
    path: Path, schema: pa.Schema, columns: Sequence[str], *, plain: Sequence[str] = ()
) -> pa.Table:
    """`columns` of one part (dictionary-encoded text as stored); a column an older orkit
    did not write reads as nulls."""
    present = set(pq.read_schema(path).names)
    wanted = [c for c in columns if c in present]
    text = [c for c in wanted if c not in plain and pa.types.is_string(schema.field(c).type)]
    table = pq.read_table(path, columns=wanted, read_dictionary=text, use_threads=False)
    missing = pa.schema([schema.field(c) for c in columns if c not in present])
    return with_columns_of(table, missing).select(list(columns))


class _TaskKeys:
    """The results rows' task keys, to find the row of a score's task. orkit's keys all
    have one length (32 hex digits): they are kept as fixed-width bytes, sorted, 40 bytes a
    row; keys of several lengths are kept as Arrow strings and looked up by hash."""

    def __init__(self) -> None:
        self._fixed: list[npt.NDArray[np.bytes_]] = []
        self._text: list[pa.Array] = []
        self._width: int | None = None
        self._uniform = True

    def add(self, keys: pa.ChunkedArray) -> None:
        for chunk in keys.chunks:
            self._text.append(chunk)
        fixed = _fixed_width(keys, self._width)
        if fixed is None:
            self._uniform = self._uniform and len(keys) == 0
        else:
            self._width = fixed.dtype.itemsize
            self._fixed.append(fixed)

    def finish(self) -> _KeyLookup:
        if self._uniform and self._width is not None:
            self._text.clear()  # not needed: free it before sorting
            return _SortedKeys(np.concatenate(self._fixed), self._width)
        self._fixed.clear()
        text = pa.chunked_array(self._text, type=pa.string())
        self._text.clear()
        return _HashedKeys(text)


class _KeyLookup:
    def rows(self, wanted: pa.ChunkedArray) -> IntArray:
        """For each wanted key, the position of the last results row with it (-1: none)."""
        raise NotImplementedError


class _SortedKeys(_KeyLookup):
    def __init__(self, keys: npt.NDArray[np.bytes_], width: int) -> None:
        # stable: among equal keys (a retried task's rows) the last is the task's row
        self._order = np.argsort(keys, kind="stable")
        self._sorted = keys[self._order]
        self._width = width

    def rows(self, wanted: pa.ChunkedArray) -> IntArray:
        out = np.full(len(wanted), -1, dtype=np.int64)
        binary = wanted.cast(pa.binary())
        same = pc.equal(pc.binary_length(binary), self._width).fill_null(False)
        at = np.flatnonzero(_bools(same))  # a key of another length is no row's
        if len(at) == 0 or len(self._sorted) == 0:
            return out
        keys = np.asarray(
            binary.filter(same).to_numpy(zero_copy_only=False), dtype=f"S{self._width}"
        )
        last = np.searchsorted(self._sorted, keys, side="right") - 1
        found = (last >= 0) & (self._sorted[np.maximum(last, 0)] == keys)
        out[at[found]] = self._order[last[found]]
        return out


class _HashedKeys(_KeyLookup):
    def __init__(self, keys: pa.ChunkedArray) -> None:
        n = len(keys)
        self._n = n
        # last first: `index_in` finds the first match, which is then the last row
        self._keys = keys.take(pa.array(np.arange(n - 1, -1, -1, dtype=np.int64)))
        self._keys = self._keys.combine_chunks() if n else pa.array([], type=pa.string())

    def rows(self, wanted: pa.ChunkedArray) -> IntArray:
        found = pc.index_in(wanted, value_set=self._keys).to_numpy(zero_copy_only=False)
        found = np.nan_to_num(found.astype(np.float64), nan=-1.0).astype(np.int64)
        return np.where(found >= 0, self._n - 1 - found, -1)


def _fixed_width(keys: pa.ChunkedArray, width: int | None) -> npt.NDArray[np.bytes_] | None:
    """`keys` as fixed-width bytes when none is null and all have one length (`width`, if
    given); None otherwise."""
    if len(keys) == 0 or keys.null_count:
        return None
    binary = keys.cast(pa.binary())
    lengths = pc.min_max(pc.binary_length(binary))
    low, high = lengths["min"].as_py(), lengths["max"].as_py()
    if low != high or low == 0 or (width is not None and low != width):
        return None
    # numpy pads with NUL bytes: equal widths compare as the keys do
    return np.asarray(binary.to_numpy(zero_copy_only=False), dtype=f"S{low}")


def _combos(per_column: list[IntArray], combos: _Codes) -> npt.NDArray[np.int32]:
    """Each row's combination of the columns' codes, as a code of `combos`."""
    if not per_column or len(per_column[0]) == 0:
        return np.zeros(0, dtype=np.int32)
    radix = [int(c.max()) + 1 for c in per_column]
    key = np.zeros(len(per_column[0]), dtype=np.int64)
    for codes, size in zip(per_column, radix, strict=True):
        key = key * size + codes
    local, uniques = pd.factorize(key)
    tuples = []
    for value in uniques:
        parts = []
        for size in reversed(radix):
            value, part = divmod(int(value), size)
            parts.append(part)
        tuples.append(tuple(reversed(parts)))
    lookup = np.array([combos._code(t) for t in tuples], dtype=np.int32)
    return lookup[local]


def _status(column: pa.ChunkedArray) -> npt.NDArray[np.int8]:
    at = pc.index_in(column, value_set=pa.array(STATUS_CODES)).fill_null(len(STATUS_CODES))
    return at.to_numpy().astype(np.int8)


def _bools(column: pa.ChunkedArray) -> BoolArray:
    """True where true; null is false (as `fillna(False)`)."""
    return np.asarray(column.fill_null(False).to_numpy(zero_copy_only=False), dtype=np.bool_)


def _floats(column: pa.ChunkedArray) -> FloatArray:
    return np.asarray(column.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


def _joined(pieces: list[Any], dtype: Any) -> Any:
    if not pieces:
        return np.zeros(0, dtype=dtype)
    return np.concatenate(pieces).astype(dtype, copy=False)
