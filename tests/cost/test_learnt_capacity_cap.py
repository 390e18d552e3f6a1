"""What a run let one model have in flight, read from its stored spec: the calibration
takes a model's mean in-flight count for the server's capacity only when it stayed below
that (a lane held at `per_model_concurrency` is not a server with that many slots)."""

from __future__ import annotations

from typing import Any

import pytest

from orkit.cost._learn import _model_cap


@pytest.mark.parametrize(
    ("spec", "cap"),
    [
        ({"concurrency": 16}, 16),
        ({"concurrency": 16, "per_model_concurrency": 4}, 4),
        ({"concurrency": 4, "per_model_concurrency": 10}, 4),  # capped by the global
        ({}, None),  # unknown stays unknown
        ({"per_model_concurrency": 4}, None),
    ],
)
def test_the_cap_of_one_model(spec: dict[str, Any], cap: int | None) -> None:
    assert _model_cap(spec) == cap
