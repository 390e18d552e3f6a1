"""One cell of a summary as the number it must be.

pandas-stubs type `frame.loc[row, column]` as any scalar (a string, a date, ...), so a
test cannot compare it with `<` or pass it to `math.isnan` as it stands; `number` checks
the cell is a number and says which one is not."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd


def number(frame: pd.DataFrame, row: Hashable, column: str) -> float:
    """The cell at `row`, `column` as a float (NaN stays NaN); fails if it is no number."""
    value = frame.at[row, column]
    assert isinstance(value, int | float | np.integer | np.floating), (
        f"{row!r}, {column!r}: {value!r} is not a number"
    )
    return float(value)
