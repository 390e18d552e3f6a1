"""Prompt caching shown after a run on the emulator: a long system prompt shared by every
item, `prompt_cache = "system"` on an Anthropic model (explicit) beside an OpenAI one
(implicit). The end-of-run `cache:` line, `orkit runs` (table and `--json`), the report's
run card and leaderboard and `run.summary()` say what was read, saved and written; the
estimate made before the run predicted the reads, and a run without a cached prefix says
nothing of caching."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orkit import Run
from orkit._format import prompt_cache_text, usd
from orkit.cli import main
from orkit.stats._prompt_cache import CACHE_COLUMNS
from tests.report.page_data import page_data

from .first_contact_runs import write_spec

ANTHROPIC, OPENAI = "anthropic/claude-haiku-4.5", "openai/gpt-4o-mini"
SYSTEM = " ".join(
    f"House rule {i}: answer the question asked, in as few words as fit." for i in range(120)
)


def cached_spec(folder: Path) -> Path:
    spec = write_spec(folder, judges=False, models=f'models = ["{ANTHROPIC}", "{OPENAI}"]\n')
    text = spec.read_text().replace(
        "[prompt]\n", f'prompt_cache = "system"\n[prompt]\nsystem = "{SYSTEM}"\n'
    )
    spec.write_text(text)
    return spec


def test_a_cached_run_says_what_it_read_saved_and_wrote(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "report.html"
    assert main(["run", str(cached_spec(tmp_path)), "--yes", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    run = Run(next((tmp_path / "runs").iterdir()))
    totals = run.manifest["totals"]["all"]
    assert totals["cached_tokens"] > 0 and totals["cache_write_tokens"] > 0
    assert totals["cache_savings_usd"] > 0 and totals["cache_write_usd"] > 0
    (line,) = [x for x in out.splitlines() if x.startswith("cache: ")]
    assert line == prompt_cache_text(totals)
    assert usd(totals["cache_savings_usd"]) in line
    # the estimate printed first predicted reads for both models
    assert sum("prompt cache: " in x for x in out.splitlines()) == 2
    for model in (ANTHROPIC, OPENAI):
        predicted = run.manifest["estimate"]["lines"]
        (mine,) = [x for x in predicted if x["model"] == model and x["role"] == "model"]
        assert mine["cache_hit_rate"] > 0.5

    summary = run.summary().set_index("model")
    figures = {m: summary.loc[m, list(CACHE_COLUMNS)].astype(float) for m in (ANTHROPIC, OPENAI)}
    assert 0.5 < figures[ANTHROPIC]["cache_hit_rate"] < 1
    assert figures[ANTHROPIC]["cache_write_usd"] > 0
    assert figures[OPENAI]["cache_write_usd"] == 0  # gpt-4o-mini writes for free
    assert summary["cache_savings_usd"].sum() == pytest.approx(totals["cache_savings_usd"])

    assert main(["runs", str(tmp_path / "runs"), "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    rate = totals["cached_tokens"] / totals["cache_prompt_tokens"]
    assert entry["cache_hit_rate"] == pytest.approx(rate)
    assert entry["cache_savings_usd"] == pytest.approx(totals["cache_savings_usd"])
    assert main(["runs", str(tmp_path / "runs")]) == 0
    saved = usd(totals["cache_savings_usd"])
    assert f"(cache {rate:.0%}, saved {saved} net)" in capsys.readouterr().out

    again = tmp_path / "again.html"
    assert main(["report", str(run.path), "-o", str(again)]) == 0
    assert prompt_cache_text(totals) in capsys.readouterr().out.splitlines()

    page = page_data(report.read_text())
    (header,) = page["runs"]
    assert header["prompt_cache"] == str(prompt_cache_text(totals)).removeprefix("cache: ")
    shown = {c["model"]: c for c in page["contestants"]}
    assert shown[ANTHROPIC]["cache_hit_rate"] == pytest.approx(
        figures[ANTHROPIC]["cache_hit_rate"], abs=1e-3
    )
    assert shown[OPENAI]["cache_write_usd"] == 0


def test_no_cache_line_without_a_cached_prefix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spec = write_spec(tmp_path, judges=False, models=f'models = ["{ANTHROPIC}"]\n')
    assert main(["run", str(spec), "--no-estimate", "--no-report"]) == 0
    assert "cache: " not in capsys.readouterr().out
    run = Run(next((tmp_path / "runs").iterdir()))
    assert "cache_hit_rate" not in run.summary().columns
    assert main(["runs", str(tmp_path / "runs"), "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["cache_hit_rate"] == 0.0  # every row said it read nothing: known, 0
    assert main(["runs", str(tmp_path / "runs")]) == 0
    assert "(cache " not in capsys.readouterr().out
