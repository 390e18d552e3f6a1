"""A breakpoint on a message that differs per item (issue 18's trial): `prompt_cache =
"message:1"` on each item's own user message. An explicit-cache model's cacheable prefix
ends at the breakpoint, so no item reads another's entry: every request writes (only an
item's own repeats could read it), the writes are in the band and a note says what they
cost. An implicit model still reads the system prompt every item shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from orkit import Sweep
from orkit.estimate._prompt_cache import _own_band
from tests.cost.cache_sweeps import ANTHROPIC, OPENAI, cache_sweep


def sweep(tmp_path: Path, **kw: Any) -> Sweep:
    return cache_sweep(tmp_path, 30, **{"prompt_cache": "message:1", **kw})


def test_each_request_writes_its_own_entry_and_the_run_lands_in_the_band(
    tmp_path: Path,
) -> None:
    s = sweep(tmp_path)
    estimate = s.estimate()
    marked, implicit = estimate.line(ANTHROPIC), estimate.line(OPENAI)
    assert marked.cached_tokens == 0
    assert marked.cache_write_tokens == marked.prompt_tokens  # the whole prompt, every time
    assert (marked.cache_savings_usd or 0.0) < 0  # the writes cost more than plain prompts
    extra = f"${-(marked.cache_savings_usd or 0.0):.3g}"
    note = (
        "prompt_cache = message:1 marks a message that differs per item: every request "
        "writes its own cache entry and none is read; the writes cost "
    )
    assert any(n.startswith(note) and extra in n for n in estimate.notes), estimate.notes
    assert (implicit.cached_tokens or 0) > 0  # it still reads the shared system prompt
    rows = pd.read_parquet(s.run(progress=False).path / "results")
    mine = rows[rows["model"] == ANTHROPIC]
    assert mine["cached_tokens"].sum() == 0 and (mine["cache_write_tokens"] > 0).all()
    for model, line in ((ANTHROPIC, marked), (OPENAI, implicit)):
        spent = rows[rows["model"] == model]["cost_usd"].sum()
        assert line.cost_low_usd <= spent <= line.cost_high_usd, model
    assert rows[rows["model"] == OPENAI]["cached_tokens"].sum() > 0


def test_a_breakpoint_the_items_share_has_no_such_note(tmp_path: Path) -> None:
    estimate = sweep(tmp_path, prompt_cache="system").estimate()
    assert not any("differs per item" in n for n in estimate.notes)
    assert (estimate.line(ANTHROPIC).cached_tokens or 0) > 0


def test_an_items_own_entry_is_read_only_by_its_repeats_after_the_first_wave() -> None:
    # 10 rows sent 4 times each (40 requests) of a 2,000-token prefix
    low, expected, high = _own_band(2000.0, 40.0, 4.0, 1.0, 300.0, 0.1)
    assert (low.writes, expected.writes, high.writes) == (10.0, 10.0, 40.0)
    assert expected.read == 30 * 2000.0 and high.read == 0.0
    assert low.written == pytest.approx(10 * 1800.0)
    # repeats that go out together (a wave of 8) all write: none reads
    _, together, _ = _own_band(2000.0, 40.0, 4.0, 8.0, 300.0, 0.0)
    assert together.writes == 40.0 and together.read == 0.0
