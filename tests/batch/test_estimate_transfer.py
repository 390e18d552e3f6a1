"""A calibration learnt on one template and dataset prices another: answer lengths are learnt
per model and length cue, so a new mix of cues is priced from each cue's own lengths; and
`ORKIT_ESTIMATE_PROMPT_TOKENS=family` takes the tokenizer-family path on the emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orkit import Sweep
from orkit.cost import count_prompt_tokens
from orkit.cost._learn import Lessons
from orkit.errors import ConfigError
from orkit.results import Manifest, RunDir

A, B = "openai/gpt-4o-mini", "deepseek/deepseek-v3.2"
SHORT, LONG, PLAIN = "In one word, what is {t}?", "Explain {t} step by step.", "Tell me of {t}."


def _rows(asks: list[str], n: int, field: str = "request") -> list[dict[str, Any]]:
    return [{"id": f"r{i}", field: asks[i % len(asks)].format(t=f"thing {i}")} for i in range(n)]


def _sweep(tmp_path: Path, rows: list[dict[str, Any]], prompt: str, seed: int) -> Sweep:
    return Sweep(
        dataset=rows,
        models=[A, B],
        prompt=prompt,
        params={"temperature": 0.7},
        endpoint="sim",
        sim={"time_scale": 0.0, "seed": seed},
        out=str(tmp_path / "runs"),
        cache=False,
    )


def test_lessons_keep_lengths_per_cue_of_the_prompt_and_of_all_prompts(tmp_path: Path) -> None:
    lessons = Lessons()
    for tokens, text in [(2, "In one word?"), (3, "Yes or no?"), (400, "Explain step by step.")]:
        lessons.add(
            {
                "model": A,
                "status": "ok",
                "is_fallback": False,
                "prompt_id": "p",
                "params_json": "{}",
                "completion_tokens": tokens,
                "finish_reason": "stop",
                "messages_json": json.dumps([{"role": "user", "content": text}]),
            }
        )
    manifest = Manifest(run_id="r1", prompt_fingerprints={"p": "fp"}, name="x")
    (obs,) = lessons.observations(manifest, RunDir.create(tmp_path / "runs", "r1"))
    outputs = {key: sorted(sample.tokens) for key, sample in obs.outputs.items()}
    assert outputs == {
        "fp": [2, 3, 400],
        "*": [2, 3, 400],
        "fp|cue:short": [2, 3],
        "cue:short": [2, 3],
        "fp|cue:long": [400],
        "cue:long": [400],
    }


def test_a_calibration_on_short_cues_prices_long_ones_of_another_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORKIT_CACHE_DIR", str(tmp_path / "cache"))
    # learnt: mostly one-word answers, a few long ones, under template "{{ request }}"
    _sweep(tmp_path, _rows([SHORT, SHORT, SHORT, LONG, PLAIN], 60), "{{ request }}", 1).run(
        progress=False
    )
    # priced: mostly long answers, another template and another column
    target = _sweep(tmp_path, _rows([LONG, LONG, PLAIN, SHORT], 40, "q"), "Q: {{ q }}", 2)
    estimate = target.estimate()
    assert {line.output_source for line in estimate.lines} == {"calibration"}
    # per model only (every cue priced at the pooled lengths) would be far too low: the
    # learnt answers were mostly one word, the priced ones mostly long
    pooled = _pooled_only(target, tmp_path / "cache").cost_expected_usd
    actual = target.run(progress=False).manifest["totals"]["all"]["cost_usd"]
    assert estimate.cost_low_usd <= actual <= estimate.cost_high_usd
    assert abs(estimate.cost_expected_usd - actual) / actual < 0.15
    assert pooled < 0.7 * actual


def _pooled_only(sweep: Sweep, cache_dir: Path) -> Any:
    path = cache_dir / "calibration.json"
    raw = json.loads(path.read_text("utf-8"))
    for entry in raw["entries"].values():
        pooled = entry["outputs"]["*"]
        entry["outputs"] = {f"cue:{c}": pooled for c in ("plain", "short", "long")}
    path.write_text(json.dumps(raw), "utf-8")
    return sweep.estimate()


def test_a_cue_never_learnt_is_priced_with_the_wide_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORKIT_CACHE_DIR", str(tmp_path / "cache"))
    _sweep(tmp_path, _rows([SHORT], 20), "{{ request }}", 1).run(progress=False)
    line = _sweep(tmp_path, _rows([SHORT, LONG], 20), "{{ request }}", 2).estimate().line(A)
    assert line.output_source == "mixed: calibration, default"
    only_short = _sweep(tmp_path, _rows([SHORT], 20), "{{ request }}", 2).estimate().line(A)
    assert only_short.output_source == "calibration"
    assert line.cost_high_usd > 100 * only_short.cost_high_usd


def test_family_prompt_tokens_can_be_forced_on_the_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORKIT_CACHE_DIR", str(tmp_path / "cache"))
    sweep = _sweep(tmp_path, _rows([PLAIN], 30), "{{ request }}", 1)
    counted = sum(
        count_prompt_tokens([{"role": "user", "content": r["request"]}]) for r in sweep.dataset
    )
    assert sweep.estimate().line(A).prompt_tokens == counted
    monkeypatch.setenv("ORKIT_ESTIMATE_PROMPT_TOKENS", "family")
    assert sweep.estimate().line(A).prompt_tokens != counted
    monkeypatch.setenv("ORKIT_ESTIMATE_PROMPT_TOKENS", "tiktoken")
    with pytest.raises(ConfigError, match="ORKIT_ESTIMATE_PROMPT_TOKENS='tiktoken'"):
        sweep.estimate()
