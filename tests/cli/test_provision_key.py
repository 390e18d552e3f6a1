"""`orkit run --provision-key LIMIT`: a key of the run's own, with a server-enforced limit,
deleted at the end; its 403 stops the run; bad input sends nothing; the key is never
written anywhere."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from orkit.cli import main
from orkit.cli._exit import ExitCode
from orkit.sim import SIM_API_KEY, SimConfig, create_app, serve_in_thread
from tests.sim_http import reset, stats

MANAGER = "sk-or-v1-" + "5" * 64
A = "openai/gpt-4o-mini"


@pytest.fixture(scope="module")
def keyed_sim() -> Iterator[tuple[str, Any]]:
    """An emulator on a port (so every client of a run meets the same one) with a
    management key; its app, to read the keys it issued."""
    app = create_app(SimConfig(time_scale=0, management_keys=(MANAGER,)))
    with serve_in_thread(app=app) as url:
        yield url, app


@pytest.fixture
def sim_url(keyed_sim: tuple[str, Any], monkeypatch: pytest.MonkeyPatch) -> str:
    url = keyed_sim[0]
    reset(url)
    monkeypatch.setenv("OPENROUTER_API_KEY", SIM_API_KEY)
    monkeypatch.setenv("OPENROUTER_PROVISIONING_KEY", MANAGER)
    return url


def spec(
    tmp_path: Path, url: str, items: int = 6, concurrency: int = 2, judge: bool = False
) -> Path:
    data = tmp_path / "items.jsonl"
    data.write_text(
        "".join(
            json.dumps({"id": f"q{i}", "question": f"What is {i} + 7?", "answer": str(i + 7)})
            + "\n"
            for i in range(items)
        )
    )
    path = tmp_path / "spec.toml"
    path.write_text(
        f'dataset = "{data}"\nmodels = ["{A}"]\nendpoint = "{url}"\n'
        f'concurrency = {concurrency}\nout = "{tmp_path / "runs"}"\ncache = false\n'
        '[prompt]\ntemplate = "{{ question }}"\n[params]\nmax_tokens = 8\n'
        '[[scorers]]\nkind = "exact"\n'
        + (f'[[scorers]]\nkind = "judge_reference"\nmodel = "{A}"\n' if judge else "")
    )
    return path


def code(args: list[str]) -> int:
    try:
        return int(main(args))
    except SystemExit as exc:
        return int(exc.code or 0)


def live_keys(url: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{url}/keys", headers={"Authorization": f"Bearer {MANAGER}"})
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


def manifest(tmp_path: Path) -> dict[str, Any]:
    (run_dir,) = (tmp_path / "runs").iterdir()
    data: dict[str, Any] = json.loads((run_dir / "manifest.json").read_text())
    return data


def test_a_run_spends_through_its_own_key_and_deletes_it(
    tmp_path: Path,
    sim_url: str,
    keyed_sim: tuple[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.chdir(tmp_path)  # the report goes to ./reports
    caplog.set_level(logging.DEBUG)
    path = spec(tmp_path, sim_url, judge=True)
    assert code(["run", str(path), "--provision-key", "2", "-y"]) == 0
    out, err = capsys.readouterr()
    assert live_keys(sim_url) == []
    (created,) = stats(sim_url)["created_keys"]
    assert created["limit"] == 2.0 and created["deleted"] is True
    assert created["name"].startswith("orkit run ")
    assert manifest(tmp_path)["provisioned_key"] == {"limit_usd": 2.0, "hash": None}
    # every request of the run, its judge's too, went with the provisioned key, none with
    # OPENROUTER_API_KEY
    keys = stats(sim_url)["keys"]
    default_label = f"sk-or-v1-{SIM_API_KEY[9:12]}...{SIM_API_KEY[-3:]}"
    assert sum(k["requests"] for label, k in keys.items() if label != default_label) == 12
    assert keys.get(default_label, {"requests": 0})["requests"] == 0

    (provisioned,) = keyed_sim[1].state.sim.keys.deleted_keys()
    texts = [out, err, caplog.text]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" for p in files)  # the report was written, and is searched
    for secret in (provisioned, provisioned[9:], MANAGER, MANAGER[9:]):
        assert not any(secret in text for text in texts)
        assert not [p for p in files if secret.encode() in p.read_bytes()]


def test_the_key_limit_stops_the_run_and_keeps_its_rows(
    tmp_path: Path, sim_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # each answer costs ~$0.0000026: the key is spent after four, and the run stops
    path = spec(tmp_path, sim_url, items=40, concurrency=1)
    args = ["run", str(path), "--provision-key", "0.00001", "-y", "-q", "--no-report"]
    assert code(args) == ExitCode.FAILED
    err = capsys.readouterr().err
    assert "spending limit is reached" in err and "Key limit exceeded" in err
    assert live_keys(sim_url) == []
    data = manifest(tmp_path)
    assert data["status"] == "stopped"
    (run_dir,) = (tmp_path / "runs").iterdir()
    rows = pd.read_parquet(run_dir / "results")
    assert 0 < (rows["status"] == "ok").sum() < 40
    # not retried (the policy would send each task again, then fail it as a row) and not
    # sent on: one 403 stops the run (a second task already handed out may meet one too)
    assert stats(sim_url)["by_status"]["403"] <= 2

    # nothing is left of the run's limit: resume says so; a larger limit finishes the run
    resume = ["resume", str(run_dir), "-q", "--no-report"]
    assert code(resume) == ExitCode.FAILED
    assert "is spent" in capsys.readouterr().err
    assert code([*resume, "--provision-key", "1"]) == ExitCode.OK
    assert live_keys(sim_url) == []
    limits = [k["limit"] for k in stats(sim_url)["created_keys"]]
    assert limits[0] == 0.00001 and 1 - 0.0001 < limits[-1] < 1  # 1 less what was spent
    assert (pd.read_parquet(run_dir / "results")["status"] == "ok").all()


@pytest.mark.parametrize(
    ("limit", "said"),
    [
        ("abc", "must be a number"),
        ("0", "more than 0"),
        ("-1", "more than 0"),
        ("nan", "must be a finite amount"),
        ("inf", "must be a finite amount"),
        ("1e-9", "limit of 1e-9 USD is less than one request costs; give at least 0.000001"),
    ],
)
def test_a_bad_limit_is_one_line_and_sends_nothing(
    tmp_path: Path, sim_url: str, capsys: pytest.CaptureFixture[str], limit: str, said: str
) -> None:
    args = ["run", str(spec(tmp_path, sim_url)), "--provision-key", limit, "-y", "-q"]
    assert code(args) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--provision-key" in err and said in err
    assert stats(sim_url)["requests"] == 0 and stats(sim_url)["created_keys"] == []


def test_no_management_key_is_one_line_and_sends_nothing(
    tmp_path: Path,
    sim_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("OPENROUTER_PROVISIONING_KEY")
    args = ["run", str(spec(tmp_path, sim_url)), "--provision-key", "1", "-y", "-q"]
    assert code(args) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "OPENROUTER_PROVISIONING_KEY" in err
    assert stats(sim_url)["requests"] == 0
    assert not (tmp_path / "runs").exists()


def test_a_refused_management_key_is_bad_input_and_nothing_is_sent(
    tmp_path: Path,
    sim_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPENROUTER_PROVISIONING_KEY", "sk-or-v1-" + "9" * 64)  # not one
    args = ["run", str(spec(tmp_path, sim_url)), "--provision-key", "1", "-y", "-q"]
    assert code(args) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "refused the management key" in err
    assert "9" * 20 not in err
    assert stats(sim_url)["requests"] == 0 and stats(sim_url)["created_keys"] == []


def test_the_in_process_emulator_is_refused_with_what_to_do(
    tmp_path: Path, sim_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = spec(tmp_path, "sim")
    assert code(["run", str(path), "--provision-key", "1", "-y", "-q"]) == ExitCode.BAD_INPUT
    assert "orkit sim" in capsys.readouterr().err


def test_the_python_twin_provisions_and_deletes_too(tmp_path: Path, sim_url: str) -> None:
    from orkit import load_spec

    run = load_spec(spec(tmp_path, sim_url)).run(progress=False, provision_key=1.0)
    assert run.status == "completed"
    assert run.manifest.provisioned_key == {"limit_usd": 1.0, "hash": None}
    assert live_keys(sim_url) == []
    with pytest.raises(Exception, match="more than 0"):
        load_spec(spec(tmp_path, sim_url)).run(progress=False, provision_key=-2)
