"""`orkit run/estimate --concurrency` (the global cap) and `--per-model-concurrency`: both in
the help, both override the spec and are kept in the manifest's spec, and a bad value is
one line naming the flag, with nothing sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orkit.cli import main

MODEL = "openai/gpt-4o-mini"


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    items = tmp_path / "items.jsonl"
    items.write_text("".join(json.dumps({"question": f"q{i}?"}) + "\n" for i in range(3)))
    path = tmp_path / "s.toml"
    path.write_text(
        f'dataset = "{items}"\nmodels = ["{MODEL}"]\nendpoint = "sim"\n'
        f'out = "{tmp_path / "runs"}"\nconcurrency = 8\n'
        '[prompt]\ntemplate = "{{ question }}"\n[sim]\ntime_scale = 0\n'
    )
    return path


@pytest.mark.parametrize("command", ["run", "estimate"])
def test_the_help_says_what_each_setting_caps(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--concurrency N, -c N requests in flight at once, across all models" in text
    assert "--per-model-concurrency N requests in flight at once to any one model" in text


def test_the_flags_override_the_spec_and_are_kept(
    spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ["-c", "6", "--per-model-concurrency", "2", "-q", "--no-estimate", "--no-report"]
    assert main(["run", str(spec), *flags]) == 0
    capsys.readouterr()
    (manifest,) = (tmp_path / "runs").glob("*/manifest.json")
    stored = json.loads(manifest.read_text())["spec"]
    assert (stored["concurrency"], stored["per_model_concurrency"]) == (6, 2)


@pytest.mark.parametrize("command", ["run", "estimate"])
def test_a_bad_value_names_the_flag(
    spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    assert main([command, str(spec), "--per-model-concurrency", "0"]) == 2
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert out == "" and lines == [
        "orkit: error: --per-model-concurrency: must be an integer >= 1, got 0"
    ]
    assert not (tmp_path / "runs").exists()
