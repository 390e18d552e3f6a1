"""What a summary or report needs of every row of a run, as a few numbers per row.

A run's results and scores are read part by part, only the columns a summary uses, and each
row is kept as codes (11 bytes a results row, 17 a score row): its group of the grouping
columns (whose distinct values are kept once, in `groups`), its status, fallback and cache
flags, its item; a score's task row, scorer, score and pass. The float columns (latency,
cost, item position) are read one at a time when asked for (`FloatColumns`, 8 bytes a row
while held). Pandas frames of every row (what `read_summary_frames` gives) cost some 20
times that, and their groupbys as much again: at 200,000 tasks the end of a run grew the
process by some 600 bytes a row.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orkit.results._memory_pool import system_memory_pool
from orkit.results._read import part_files, with_columns_of
from orkit.results._rundir import RunDir
from orkit.results._schema import RESULTS_SCHEMA, SCORES_SCHEMA
from orkit.results._task_keys import KeyLookup, TaskKeys

__all__ = ["STATUS_CODES", "SUMMARY_FLOATS", "SummaryRows", "read_summary_rows"]

STATUS_CODES: tuple[str, ...] = ("ok", "error", "skipped_budget", "deferred")
"""`SummaryRows.status` is the position in this tuple; any other status (or none) is 4."""

SUMMARY_FLOATS = (
    "service_s",
    "ttft_s",
    "output_tokens_per_s",
    "cost_usd",
    "item_index",
    "reasoning_tokens",
    "is_byok",
    "upstream_cost_usd",
    "prompt_tokens",
    "cached_tokens",
    "cache_write_tokens",
    "cache_savings_usd",
    "cache_write_usd",
)
"""The per-row numbers a summary reads, as floats (NaN: unknown; `is_byok` as 1/0);
`rows_of_frames` reads the same from frames."""

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
    floats: Mapping[str, FloatArray]
    """service_s, ttft_s, output_tokens_per_s, cost_usd, item_index and reasoning_tokens per
    results row (NaN: null), each read from disk when asked for (`FloatColumns`): hold one
    at a time."""
    item: npt.NDArray[np.int32]
    """Per results row, its `item_id` as a position in `item_ids`."""
    item_ids: list[Any]
    score_row: npt.NDArray[np.integer[Any]]
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
        codes: npt.NDArray[np.int32] = np.array(local, dtype=np.int32)[indices]
        return codes

    def _code(self, value: Any) -> int:
        found = self.code.get(value)
        if found is None:
            found = self.code[value] = len(self.values)
            self.values.append(value)
        return found


def read_summary_rows(run: RunDir, group_columns: Sequence[str]) -> SummaryRows:
    """`run`'s rows as `SummaryRows`, grouped by the results columns `group_columns`."""
    names = list(dict.fromkeys([*group_columns, "model"]))
    with system_memory_pool():
        results, task_keys = _read_results(part_files(run.results_dir), names)
        rows = len(results["group"])
        scores = _read_scores(part_files(run.scores_dir), task_keys.finish(), rows)
    return SummaryRows(**results, **scores)


class FloatColumns(Mapping[str, FloatArray]):
    """The results' float columns, each read from the part files when asked for: a summary
    goes through them one after the other, so it never holds more than one (8 bytes a row)
    beside its codes."""

    def __init__(self, parts: list[Path], rows: int) -> None:
        self._parts = parts
        self._rows = rows

    def __getitem__(self, name: str) -> FloatArray:
        if name not in SUMMARY_FLOATS:
            raise KeyError(name)
        out = np.empty(self._rows, dtype=np.float64)
        at = 0
        with system_memory_pool():
            for path in self._parts:  # bounded by the parts on disk
                values = _floats(_read(path, RESULTS_SCHEMA, [name])[name])
                out[at : at + len(values)] = values
                at += len(values)
        return out

    def __iter__(self) -> Iterator[str]:
        return iter(SUMMARY_FLOATS)

    def __len__(self) -> int:
        return len(SUMMARY_FLOATS)


class _Filled:
    """Columns of a known number of rows, filled part by part. Each is allocated whole at
    the start: arrays grown part by part and joined at the end left the heap fragmented,
    and a large run's process some 200 bytes a row bigger than the arrays."""

    def __init__(self, rows: int, dtypes: dict[str, Any]) -> None:
        self.columns = {name: np.empty(rows, dtype=dtype) for name, dtype in dtypes.items()}
        self.at = 0

    def put(self, **values: Any) -> None:
        n = 0
        for name, array in values.items():
            n = len(array)
            self.columns[name][self.at : self.at + n] = array
        self.at += n


_RESULT_COLUMNS = ("status", "is_fallback", "cost_source", "item_id")
_RESULT_DTYPES = {"group": np.int32, "status": np.int8, "is_fallback": np.bool_}
_RESULT_DTYPES |= {"cached": np.bool_, "item": np.int32}


def _read_results(parts: list[Path], names: list[str]) -> tuple[dict[str, Any], TaskKeys]:
    """The results fields of `SummaryRows`, and the rows' task keys."""
    rows = sum(pq.read_metadata(p).num_rows for p in parts)
    filled = _Filled(rows, _RESULT_DTYPES)
    task_keys = TaskKeys(rows)
    codes = {name: _Codes() for name in names}
    items, combos = _Codes(), _Codes()
    has_cached = False
    for path in parts:  # bounded by the parts on disk
        columns = ["task_key", *names, *_RESULT_COLUMNS]
        table = _read(path, RESULTS_SCHEMA, columns, plain=("task_key",))
        task_keys.add(table["task_key"])
        has_cached = has_cached or table["cost_source"].null_count < table.num_rows
        per_column = [codes[n].of(table[n]).astype(np.int64) for n in names]
        filled.put(
            group=_combos(per_column, combos),
            status=_status(table["status"]),
            is_fallback=_bools(table["is_fallback"]),
            cached=_bools(pc.equal(table["cost_source"], "cached")),
            item=items.of(table["item_id"]),
        )
        del table, per_column
    groups = {
        n: pd.Series([codes[n].values[c[i]] for c in combos.values], dtype=object)
        for i, n in enumerate(names)
    }
    out = filled.columns
    fields = {
        "groups": pd.DataFrame(groups, columns=names),
        "group": out["group"],
        "status": out["status"],
        "is_fallback": out["is_fallback"],
        "cached": out["cached"] if has_cached else None,
        "floats": FloatColumns(parts, rows),
        "item": out["item"],
        "item_ids": items.values,
    }
    return fields, task_keys


_SCORE_COLUMNS = ("task_key", "scorer", "score", "passed", "judge_model", "judge_cost_usd")
_SCORE_DTYPES = {"scorer": np.int32, "score": np.float64, "passed": np.int8}


def _read_scores(parts: list[Path], keys: KeyLookup, results_rows: int) -> dict[str, Any]:
    """The scores fields of `SummaryRows`."""
    rows = sum(pq.read_metadata(p).num_rows for p in parts)
    row_type = np.int32 if results_rows < 2**31 else np.int64
    filled = _Filled(rows, {**_SCORE_DTYPES, "score_row": row_type})
    judge_cost: FloatArray | None = None  # allocated at the first judged row
    scorers = _Codes()
    for path in parts:  # bounded by the parts on disk
        table = _read(path, SCORES_SCHEMA, _SCORE_COLUMNS, plain=("task_key",))
        start = filled.at
        scorer = scorers.of(table["scorer"])
        null = scorers.code.get(None)
        filled.put(
            score_row=keys.rows(table["task_key"]),
            scorer=scorer if null is None else np.where(scorer == null, -1, scorer),
            score=_floats(table["score"]),
            passed=_passed(table["passed"]),
        )
        if judge_cost is None and table["judge_model"].null_count < table.num_rows:
            judge_cost = np.full(rows, np.nan)
        if judge_cost is not None:
            judge_cost[start : filled.at] = _floats(table["judge_cost_usd"])
        del table
    out = filled.columns
    return {
        "score_row": out["score_row"],
        "scorer": out["scorer"],
        "scorers": [str(s) for s in scorers.values],
        "score": out["score"],
        "passed": out["passed"],
        "judge_cost": judge_cost,
    }


def _passed(column: pa.ChunkedArray) -> npt.NDArray[np.int8]:
    """1 true, 0 false, -1 null."""
    if len(column) == 0:
        return np.zeros(0, dtype=np.int8)
    known = np.asarray(column.fill_null(False).to_numpy(zero_copy_only=False), dtype=np.int8)
    return np.where(_bools(pc.is_null(column)), np.int8(-1), known).astype(np.int8)


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
    for combined in uniques.tolist():
        parts = []
        for size in reversed(radix):
            combined, part = divmod(combined, size)
            parts.append(part)
        tuples.append(tuple(reversed(parts)))
    lookup = np.array([combos._code(t) for t in tuples], dtype=np.int32)
    return lookup[local]


def _status(column: pa.ChunkedArray) -> npt.NDArray[np.int8]:
    at = pc.index_in(column, value_set=pa.array(STATUS_CODES)).fill_null(len(STATUS_CODES))
    codes: npt.NDArray[np.int8] = at.to_numpy().astype(np.int8)
    return codes


def _bools(column: pa.ChunkedArray) -> BoolArray:
    """True where true; null is false (as `fillna(False)`)."""
    return np.asarray(column.fill_null(False).to_numpy(zero_copy_only=False), dtype=np.bool_)


def _floats(column: pa.ChunkedArray) -> FloatArray:
    return np.asarray(column.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
