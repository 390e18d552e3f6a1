"""How the report's numbers are written into its JSON: unknown (NaN, None) is null, never
0; seconds to the millisecond, money to 4 significant digits, shares and scores to 4
decimals. Rounding is what keeps a 10,000-item payload small: `0.1234567891234` costs 15
bytes a cell, `0.123` five."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["count", "money", "money_list", "ratio", "seconds", "seconds_list", "whole_list"]


def _known(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def seconds(value: Any) -> float | None:
    """Seconds to the millisecond (null: unknown)."""
    number = _known(value)
    return None if number is None else round(number, 3)


def money(value: Any) -> float | None:
    """US dollars as recorded (null: unknown; 0 stays 0: free or cached): totals are not
    rounded, so the page shows what `orkit runs` and the summary show, to the digit."""
    return _known(value)


def ratio(value: Any) -> float | None:
    """A share, mean score, interval bound or p-value as computed (null: unknown): a few
    numbers per contestant or pair, and rounding them here and again on the page showed
    70.2% where `orkit compare` says 70.1%."""
    return _known(value)


def count(value: Any) -> int | None:
    """A count (null: unknown)."""
    number = _known(value)
    return None if number is None else int(number)


def seconds_list(values: npt.NDArray[np.float64]) -> list[float | None]:
    """`seconds` of each value, vectorised (the drill-down has one per cell)."""
    rounded = np.round(values.astype(np.float64), 3)
    return [None if v != v else v for v in rounded.tolist()]


def money_list(values: Iterable[Any]) -> list[float | None]:
    """Each cell's cost to 4 significant digits (the page shows 3): 100,000 cells' costs
    at full precision would be a megabyte of digits nobody reads."""
    out = []
    for value in values:
        number = _known(value)
        out.append(None if number is None else float(f"{number:.4g}"))
    return out


def whole_list(values: npt.NDArray[np.float64]) -> list[int | None]:
    """Whole numbers (token counts) from floats, null for NaN."""
    return [None if v != v else int(v) for v in np.asarray(values, dtype=np.float64).tolist()]
