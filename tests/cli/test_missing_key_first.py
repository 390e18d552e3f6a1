"""With `--endpoint openrouter` and no `OPENROUTER_API_KEY`, `orkit run` stops with the
missing-key line before anything else is printed (it printed the whole estimate table
first); `orkit estimate` needs only the catalog, so it works without a key and says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orkit.cli import main


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    items = tmp_path / "items.jsonl"
    items.write_text(
        "".join(json.dumps({"id": f"q{i}", "question": f"{i} + 1?"}) + "\n" for i in range(4))
    )
    path = tmp_path / "spec.toml"
    path.write_text(
        f'dataset = "items.jsonl"\nmodels = ["openai/gpt-4o-mini"]\nout = "{tmp_path / "runs"}"\n'
        '[prompt]\ntemplate = "{{ question }}"\n[params]\nmax_tokens = 16\n'
    )
    return path


@pytest.fixture
def nothing_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    import orkit.plan._assemble as runner

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a client was opened: something would have been sent")

    monkeypatch.setattr(runner, "open_client", forbidden)


@pytest.mark.parametrize(
    "extra", [[], ["--yes"], ["--pilot", "2"], ["--dry-run"]], ids=["run", "yes", "pilot", "dry"]
)
def test_run_without_a_key_says_so_before_any_estimate(
    spec: Path, capsys: pytest.CaptureFixture[str], nothing_sent: None, extra: list[str]
) -> None:
    code = main(["run", str(spec), "--endpoint", "openrouter", *extra])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""  # no estimate table, no summary: nothing but the error
    (line,) = err.splitlines()
    assert "no OpenRouter API key" in line and "OPENROUTER_API_KEY" in line
    assert not (spec.parent / "runs").exists()


def test_estimate_needs_no_key(
    spec: Path, capsys: pytest.CaptureFixture[str], nothing_sent: None
) -> None:
    code = main(["estimate", str(spec), "--endpoint", "openrouter"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "TOTAL" in out and "no OPENROUTER_API_KEY: OpenRouter was not asked" in out
