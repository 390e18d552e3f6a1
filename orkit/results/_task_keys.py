"""The results rows' task keys, to find the row of each score's task without holding every
key as a Python string: orkit's keys (32 hex digits) as 16 bytes each, sorted; any other
keys as Arrow strings, looked up by hash."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["KeyLookup", "TaskKeys"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class TaskKeys:
    """The results rows' task keys, to find the row of a score's task. orkit's keys are all
    32 hex digits: they are kept as 16 bytes each, sorted (36 bytes a row with the sort
    order); other keys are kept as Arrow strings and looked up by hash."""

    def __init__(self, rows: int) -> None:
        self._rows = rows
        self._fixed: npt.NDArray[np.bytes_] | None = None
        self._width: int | None = None
        self._at = 0
        self._text: list[pa.Array] | None = None  # once the keys are not all one length

    def add(self, keys: pa.ChunkedArray) -> None:
        if len(keys) == 0:
            return
        fixed = _fixed_width(keys, self._width) if self._text is None else None
        if fixed is not None:
            packed, hex_ok = _packed(fixed)
            if hex_ok.all():
                self._width = fixed.dtype.itemsize
                if self._fixed is None:
                    self._fixed = np.empty(self._rows, dtype=packed.dtype)
                self._fixed[self._at : self._at + len(packed)] = packed
                self._at += len(packed)
                return
        if self._text is None:  # the keys so far, back as text
            so_far = (
                [] if self._fixed is None else _unpacked(self._fixed[: self._at], self._width or 0)
            )
            self._text = [pa.array(so_far, type=pa.binary()).cast(pa.string())]
            self._fixed = None
        self._text.extend(keys.chunks)

    def finish(self) -> KeyLookup:
        if self._text is None:
            fixed = self._fixed if self._fixed is not None else np.zeros(0, dtype="S1")
            self._fixed = None
            return _SortedKeys(fixed, self._width or 0)
        text, self._text = pa.chunked_array(self._text, type=pa.string()), None
        return _HashedKeys(text)


class KeyLookup:
    def rows(self, wanted: pa.ChunkedArray) -> IntArray:
        """For each wanted key, the position of the last results row with it (-1: none)."""
        raise NotImplementedError


class _SortedKeys(KeyLookup):
    def __init__(self, keys: npt.NDArray[np.bytes_], width: int) -> None:
        # stable: among equal keys (a retried task's rows) the last is the task's row
        order = np.argsort(keys, kind="stable")
        self._order = order.astype(np.int32) if len(order) < 2**31 else order
        del order
        self._sorted = keys[self._order]
        self._width = width

    def rows(self, wanted: pa.ChunkedArray) -> IntArray:
        out = np.full(len(wanted), -1, dtype=np.int64)  # (copied into int32 by the caller)
        binary = wanted.cast(pa.binary())
        same = pc.equal(pc.binary_length(binary), self._width).fill_null(False)
        at = np.flatnonzero(_bools(same))  # a key of another length is no row's
        if len(at) == 0 or len(self._sorted) == 0:
            return out
        keys, hex_ok = _packed(
            np.asarray(binary.filter(same).to_numpy(zero_copy_only=False), f"S{self._width}")
        )
        at, keys = at[hex_ok], keys[hex_ok]  # a key of other digits is no row's
        last = np.searchsorted(self._sorted, keys, side="right") - 1
        found = (last >= 0) & (self._sorted[np.maximum(last, 0)] == keys)
        out[at[found]] = self._order[last[found]]
        return out


class _HashedKeys(KeyLookup):
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


_HEX = np.full(256, 255, dtype=np.uint8)
_HEX[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16, dtype=np.uint8)
_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _packed(keys: npt.NDArray[np.bytes_]) -> tuple[npt.NDArray[np.bytes_], BoolArray]:
    """Keys of an even number of lowercase hex digits (orkit's: 32) two digits to a byte,
    half the memory, and which keys were hex (the others' packed bytes mean nothing)."""
    width = keys.dtype.itemsize
    if width % 2:
        return keys[:0], np.zeros(len(keys), dtype=bool)
    digits = _HEX[keys.view(np.uint8).reshape(len(keys), width)]
    hex_ok = ~(digits == 255).any(axis=1)
    packed = np.ascontiguousarray((digits[:, 0::2] << 4) | digits[:, 1::2])
    return packed.view(f"S{width // 2}").ravel(), hex_ok


def _unpacked(packed: npt.NDArray[np.bytes_], width: int) -> list[bytes]:
    """The hex keys `_packed` packed."""
    raw = packed.view(np.uint8).reshape(len(packed), width // 2)
    digits = np.empty((len(packed), width), dtype=np.uint8)
    digits[:, 0::2], digits[:, 1::2] = _DIGITS[raw >> 4], _DIGITS[raw & 15]
    return [bytes(row) for row in digits]


def _bools(column: pa.ChunkedArray | pa.Array) -> BoolArray:
    """True where true; null is false."""
    return np.asarray(column.fill_null(False).to_numpy(zero_copy_only=False), dtype=np.bool_)
