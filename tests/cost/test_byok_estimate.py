"""BYOK in the estimate: the models a `byok` provider makes (or that it names) are priced at
OpenRouter's fee on the provider's price, the provider's bill is shown apart, and a BYOK run
teaches calibration the provider's price, not the fee."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from orkit import Sweep
from orkit._settings import load_settings
from orkit.cli import main
from orkit.cost import BYOK_FEE_RATE, Calibration, LineEstimate, is_byok_model
from orkit.errors import SpecError
from orkit.estimate._byok import byok_lines, byok_notes

A = "openai/gpt-4o-mini"
B = "deepseek/deepseek-v3.2"


def test_which_models_a_byok_list_covers() -> None:
    assert is_byok_model(A, ["openai"])
    assert is_byok_model(A, ["OpenAI"])
    assert is_byok_model(A + ":nitro", ["openai"])
    assert is_byok_model(B, [B])
    assert not is_byok_model(B, ["openai"])
    assert not is_byok_model("openai-ish/x", ["openai"])
    assert not is_byok_model(A, [])


def _line(model: str, *, free: bool = False) -> LineEstimate:
    return LineEstimate(model, "model", 10, 0, 100, 200, 1.0, 2.0, 4.0, free=free)


def test_byok_lines_charge_the_fee_and_keep_the_upstream() -> None:
    byok, other, free = byok_lines(
        [_line(A), _line(B), _line("openai/x:free", free=True)], ["openai"]
    )
    assert (byok.cost_low_usd, byok.cost_expected_usd, byok.cost_high_usd) == pytest.approx(
        (BYOK_FEE_RATE, 2 * BYOK_FEE_RATE, 4 * BYOK_FEE_RATE)
    )
    assert byok.byok_upstream_usd == 2.0
    assert other == _line(B) and free.byok_upstream_usd is None
    (note,) = byok_notes([byok, other])
    assert note.startswith(f"BYOK ({A}): the costs are OpenRouter's 5% fee")
    assert byok_notes([other]) == []


def sweep(tmp_path: Path, **kw: object) -> Sweep:
    items = [{"id": f"p{i}", "topic": f"topic {i}"} for i in range(20)]
    base: dict[str, object] = {
        "dataset": items,
        "models": [A, B],
        "prompt": "Write a note about {{ topic }}.",
        "params": {"max_tokens": 64},
        "endpoint": "sim",
        "sim": {"time_scale": 0.0, "seed": 2},
        "out": str(tmp_path / "runs"),
        "cache": False,
    }
    return Sweep(**{**base, **kw})  # type: ignore[arg-type]


def test_estimate_with_byok(tmp_path: Path) -> None:
    plain = sweep(tmp_path).estimate()
    mine = sweep(tmp_path, byok=["openai"]).estimate()
    assert mine.line(A).cost_expected_usd == pytest.approx(
        plain.line(A).cost_expected_usd * BYOK_FEE_RATE
    )
    assert mine.line(A).byok_upstream_usd == pytest.approx(plain.line(A).cost_expected_usd)
    assert mine.line(B) == plain.line(B)
    total = mine.to_dict()["total"]
    assert total["byok_upstream_usd"] == pytest.approx(plain.line(A).cost_expected_usd)
    assert plain.to_dict()["total"]["byok_upstream_usd"] is None  # none: null, never 0
    assert any(n.startswith("BYOK (openai/gpt-4o-mini)") for n in mine.notes)


def test_a_byok_run_lands_in_the_fee_band_and_calibration_learns_the_upstream(
    tmp_path: Path,
) -> None:
    s = sweep(
        tmp_path,
        byok=["openai"],
        models=[A],
        sim={"time_scale": 0.0, "seed": 2, "byok_providers": ["openai"]},
    )
    estimate = s.estimate()
    run = s.run(progress=False)
    totals = run.manifest["totals"]["all"]
    assert totals["byok_rows"] == 20
    line = estimate.line(A)
    assert line.cost_low_usd <= totals["cost_usd"] <= line.cost_high_usd
    cal = Calibration.load(load_settings().cache_dir).get("sim", A)
    assert cal is not None and cal.price_ratio == pytest.approx(1.0, abs=0.1)


def test_byok_from_the_spec_and_the_flag(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "items.jsonl").write_text(
        "".join(json.dumps({"id": f"q{i}", "q": f"Say {i}."}) + "\n" for i in range(8))
    )
    spec = tmp_path / "spec.toml"
    spec.write_text(
        f'dataset = "items.jsonl"\nmodels = ["{A}", "{B}"]\nendpoint = "sim"\n'
        'byok = ["openai"]\n[prompt]\ntemplate = "{{ q }}"\n'
    )
    assert main(["estimate", str(spec), "--offline", "--json"]) == 0
    lines = {x["model"]: x for x in json.loads(capsys.readouterr().out)["lines"]}
    assert lines[A]["byok_upstream_usd"] is not None and lines[B]["byok_upstream_usd"] is None
    assert main(["estimate", str(spec), "--offline", "--json", "--byok", "deepseek"]) == 0
    lines = {x["model"]: x for x in json.loads(capsys.readouterr().out)["lines"]}
    assert lines[A]["byok_upstream_usd"] is None and lines[B]["byok_upstream_usd"] is not None


def test_a_bad_byok_list_is_named(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="byok"):
        sweep(tmp_path, byok="openai").estimate()
    with pytest.raises(SpecError, match="byok"):
        dataclasses.replace(sweep(tmp_path), byok=[""]).estimate()
