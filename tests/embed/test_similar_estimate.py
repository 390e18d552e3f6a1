"""The estimate of the `similar` scorer's embeddings (issue 18's trial: ~2x high, the run
below the band): each distinct expected text is embedded once per run, at its own length,
whatever the number of models and repeats that compare against it; the answers once each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orkit import Sweep
from orkit.catalog import Catalog
from orkit.cost import COUNTED_PROMPT_ERROR, count_text_tokens
from orkit.estimate._embed_texts import expected_text_tokens
from orkit.plan import plan_sweep
from orkit.scorers import similar

A, B = "openai/gpt-4o-mini", "deepseek/deepseek-v3.2"
EMBED = "openai/text-embedding-3-small"
LONG = "The sum is {n}, because adding five to the number gives exactly that value. " * 3


def sweep(tmp_path: Path, **kw: Any) -> Sweep:
    rows = [
        # two items share each expected text: it is embedded once for both
        {"id": f"q{i}", "question": f"What is {i} + 5?", "answer": LONG.format(n=i // 2 + 5)}
        for i in range(12)
    ]
    base: dict[str, Any] = {
        "dataset": rows,
        "models": [A, B],
        "prompt": "{{ question }}",
        "params": {"max_tokens": 8, "temperature": 0.7},
        "repeats": 2,
        "endpoint": "sim",
        "sim": {"time_scale": 0.0, "seed": 4},
        "out": str(tmp_path / "runs"),
        "cache": False,
        "scorers": [similar("answer", threshold=0.8)],
    }
    return Sweep(**{**base, **kw})


def test_each_distinct_expected_text_is_counted_once_at_its_length(tmp_path: Path) -> None:
    s = sweep(tmp_path)
    info = Catalog.bundled(all_modalities=True).get(EMBED)
    assert info is not None
    plan = plan_sweep(s, validate=False)
    tokens = expected_text_tokens(plan, s.scorer_objects[0], info, counted=True)
    assert tokens is not None
    distinct = sorted({LONG.format(n=i // 2 + 5) for i in range(12)})
    assert tokens.tolist() == [count_text_tokens(t) for t in distinct]  # 6, not 48
    estimated = expected_text_tokens(plan, s.scorer_objects[0], info, counted=False)
    assert estimated is not None and estimated.size == 6
    assert estimated.sum() == pytest.approx(tokens.sum(), rel=0.3)


def _spent(s: Sweep) -> float:
    scores = s.run(progress=False).scores()
    return float(scores[scores["scorer"] == "similar"]["judge_cost_usd"].sum())


def test_the_embeddings_line_holds_what_the_run_spends(tmp_path: Path) -> None:
    s = sweep(tmp_path)
    line = next(ln for ln in s.estimate().lines if ln.role == "judge")
    assert line.model == EMBED and line.requests == 48
    spent = _spent(s)
    assert 0 < line.cost_low_usd <= spent <= line.cost_high_usd
    # once the answers' lengths are learnt (the first run), the expected figure is the bill
    # within the error of orkit's own token count (the emulator counts its own way); each
    # expected text counted per task as long as a (one-token) answer was a quarter of it
    again = sweep(tmp_path, out=str(tmp_path / "again"))
    line = next(ln for ln in again.estimate().lines if ln.role == "judge")
    spent = _spent(again)
    assert line.cost_low_usd <= spent <= line.cost_high_usd
    assert line.cost_expected_usd == pytest.approx(spent, rel=COUNTED_PROMPT_ERROR)
