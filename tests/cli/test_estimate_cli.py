"""`orkit estimate`, the question `orkit run` asks before spending, `--pilot`, `--yes`, and
`orkit key`; offline, both `orkit models` and `orkit estimate` work from the snapshot and
say so."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from orkit.cli import main
from orkit.sim import SIM_API_KEY

A = "openai/gpt-4o-mini"


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    items = tmp_path / "items.jsonl"
    items.write_text(
        "".join(
            json.dumps({"id": f"q{i}", "question": f"What is {i} + 1?"}) + "\n" for i in range(6)
        )
    )
    path = tmp_path / "spec.toml"
    path.write_text(
        f'name = "t"\ndataset = "items.jsonl"\nmodels = ["{A}", "deepseek/deepseek-v3.2"]\n'
        f'endpoint = "sim"\nout = "{tmp_path / "runs"}"\ncache = false\n'
        '[prompt]\ntemplate = "{{ question }}"\n[params]\nmax_tokens = 16\n'
        "[sim]\ntime_scale = 0.0\n"
    )
    return path


def cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse, or a declined pilot
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_estimate_prints_a_table_with_prices_source_and_sends_nothing(capsys, spec: Path) -> None:
    code, out, err = cli(capsys, "estimate", str(spec))
    assert code == 0, err
    assert A in out and "TOTAL" in out and "expected" in out
    assert "prices: the emulator's prices (the bundled /models snapshot of 2026-08-19)" in out
    assert "nothing was sent" in out
    assert not (spec.parent / "runs").exists()


def test_estimate_json(capsys, spec: Path) -> None:
    code, out, _ = cli(capsys, "estimate", str(spec), "--json")
    assert code == 0
    body = json.loads(out)
    assert body["total"]["requests"] == 12
    assert [line["model"] for line in body["lines"]] == [A, "deepseek/deepseek-v3.2"]
    assert body["verdict"] == "no budget"


def test_estimate_of_an_unknown_model_is_one_line_with_close_matches(capsys, spec: Path) -> None:
    code, _, err = cli(capsys, "estimate", str(spec), "--model", "openai/gpt-4o-mni")
    assert code == 2
    assert "openai/gpt-4o-mini" in one_line(err)


def test_estimate_offline_uses_the_snapshot_and_says_so(capsys, spec: Path) -> None:
    code, out, _ = cli(capsys, "estimate", str(spec), "--endpoint", "openrouter", "--offline")
    assert code == 0
    assert "bundled /models snapshot of 2026-08-19" in out


@pytest.fixture
def unreachable(monkeypatch: pytest.MonkeyPatch) -> str:
    """OpenRouter's address replaced by a local port nothing listens on (no network)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/v1"
    import orkit.plan._endpoint as endpoint

    monkeypatch.setattr(endpoint, "OPENROUTER_BASE_URL", url)
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-" + "0" * 64)
    return url


def test_with_the_network_unreachable_estimate_and_models_fall_back(
    capsys, spec: Path, unreachable: str
) -> None:
    code, out, err = cli(capsys, "estimate", str(spec), "--endpoint", "openrouter")
    assert code == 0, err
    assert (
        "prices: the bundled /models snapshot of 2026-08-19 (could not fetch the model list" in out
    )
    code, out, err = cli(capsys, "models", "gpt-4o-mini")
    assert code == 0 and "prices from the bundled snapshot of 2026-08-19" in out


def test_run_over_the_threshold_without_a_terminal_refuses(capsys, spec: Path) -> None:
    code, _out, err = cli(capsys, "run", str(spec), "--confirm-above", "0", "--no-report")
    assert code == 2
    line = one_line(err)
    assert "could cost up to $" in line and "--yes" in line
    assert not (spec.parent / "runs").exists()


def test_run_with_yes_goes_ahead_and_keeps_the_estimate(capsys, spec: Path) -> None:
    code, _out, err = cli(
        capsys, "run", str(spec), "--confirm-above", "0", "--yes", "--no-report", "-q"
    )
    assert code == 0, err
    run_dir = next((spec.parent / "runs").iterdir())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["estimate"]["total"]["requests"] == 12
    assert manifest["cost"][A]["within_band"] is True


def test_run_under_the_threshold_shows_the_estimate_and_runs(capsys, spec: Path) -> None:
    code, out, err = cli(capsys, "run", str(spec), "--no-report")
    assert code == 0, err
    assert "TOTAL" in out and "run directory:" in out


def test_run_asks_on_a_terminal(capsys, spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    import orkit.cli._confirm as confirm

    monkeypatch.setattr(confirm, "_interactive", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    code, _, err = cli(capsys, "run", str(spec), "--confirm-above", "0", "--no-report")
    assert code == 1 and "Go ahead? [y/N]" in err and "nothing was sent" in err
    assert not (spec.parent / "runs").exists()


def test_pilot_needs_a_yes_then_runs_and_extrapolates(capsys, spec: Path) -> None:
    code, _, err = cli(capsys, "estimate", str(spec), "--pilot", "2")
    assert code == 2 and "pilot could cost" in one_line(err)
    assert not (spec.parent / "runs").exists()
    code, out, err = cli(capsys, "estimate", str(spec), "--pilot", "2", "--yes")
    assert code == 0, err
    assert "pilot: 2 items per model" in out
    assert "output lengths from a pilot of 4 requests" in out
    assert "output: pilot" in out
    assert any(p.name for p in (spec.parent / "runs").iterdir())


def test_key_shows_limits_and_free_counters_never_the_key(capsys) -> None:
    code, out, err = cli(capsys, "key", "--endpoint", "sim")
    assert code == 0, err
    assert "limit:         unlimited" in out
    assert "free models:   0 of 1,000 requests used today (1,000 left" in out
    assert SIM_API_KEY not in out
    code, out, _ = cli(capsys, "key", "--endpoint", "sim", "--json")
    body = json.loads(out)
    assert body["data"]["free_model_daily_requests"]["limit"] == 1000
    assert SIM_API_KEY not in out


def test_key_without_a_key_is_one_line(capsys) -> None:
    code, _, err = cli(capsys, "key")
    assert code == 2 and "OPENROUTER_API_KEY" in one_line(err)


def test_key_reads_the_local_free_quota_counter(
    capsys, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import time

    from orkit._settings import load_settings
    from orkit.router import DailyQuota, account_id
    from orkit.sim import SimConfig, serve_in_thread

    key = "sk-or-v1-" + "ab" * 32
    quota = DailyQuota(
        limit=50, path=load_settings().cache_dir / "free-quota" / f"{account_id(key)}.json"
    )
    for _ in range(7):
        quota.take(time.time())
    quota.save()
    monkeypatch.setenv("OPENROUTER_API_KEY", key)
    with serve_in_thread(SimConfig(time_scale=0.0)) as url:
        import orkit.plan._endpoint as endpoint

        monkeypatch.setattr(endpoint, "OPENROUTER_BASE_URL", url)
        code, out, err = cli(capsys, "key")
    assert code == 0, err
    assert "this machine:  7 of 50 free-model requests counted by orkit today" in out
    assert key not in out and key not in err
