"""Small wording found by issue 18's new-user trial: a bad value from a flag names the flag
even when the plan's checks find it (not the spec file); a spec's `true` is shown as the
file wrote it; a cache TTL without caching is said to do nothing; an unknown output
modality is an error with a did-you-mean, not `0 models match`."""

from __future__ import annotations

from pathlib import Path

import pytest

from orkit.cli import main
from orkit.cli._exit import ExitCode

from .first_contact_runs import write_items


def spec(folder: Path, extra: str = "") -> Path:
    write_items(folder)
    path = folder / "spec.toml"
    path.write_text(
        f'dataset = "items.jsonl"\nmodels = ["openai/gpt-4o-mini"]\nendpoint = "sim"\n{extra}'
        f'out = "{folder / "runs"}"\n[prompt]\ntemplate = "{{{{ question }}}}"\n'
        "[sim]\ntime_scale = 0.0\n"
    )
    return path


def error_of(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    return err


def test_a_message_index_from_the_flag_blames_the_flag(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = spec(tmp_path)
    err = error_of(capsys, ["run", str(path), "--prompt-cache", "message:2", "--dry-run"])
    assert err.startswith("orkit: error: --prompt-cache: 'message:2': prompt 'default' has 1")
    path.write_text(path.read_text().replace("[prompt]", 'prompt_cache = "message:2"\n[prompt]'))
    err = error_of(capsys, ["run", str(path), "--dry-run"])
    assert err.startswith(f"orkit: error: {path}, field 'prompt_cache': 'message:2'")


def test_a_spec_true_is_shown_as_toml_writes_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    err = error_of(capsys, ["run", str(spec(tmp_path, "prompt_cache = true\n")), "--dry-run"])
    assert err.endswith("0-based), got true")


def test_a_ttl_without_caching_is_a_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = spec(tmp_path, 'prompt_cache = "none"\ncache_ttl = "1h"\n')
    assert main(["run", str(path), "--dry-run"]) == 0
    warning = "warning: cache_ttl = '1h' has no effect with prompt_cache = 'none'"
    assert warning in capsys.readouterr().err
    cached = spec(tmp_path, 'prompt_cache = "system"\ncache_ttl = "1h"\n')
    assert main(["run", str(cached), "--dry-run"]) == 0
    assert "cache_ttl" not in capsys.readouterr().err


def test_an_unknown_output_modality_is_an_error_with_a_did_you_mean(
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = error_of(capsys, ["models", "--output-modality", "embedding"])
    assert err == (
        "orkit: error: unknown --output-modality 'embedding'; choose from audio, embeddings, "
        "image, text; did you mean embeddings?"
    )
    assert "did you mean" not in error_of(capsys, ["models", "--output-modality", "foo"])
    assert main(["models", "--output-modality", "embeddings"]) == 0
    assert "openai/text-embedding-3-small" in capsys.readouterr().out
