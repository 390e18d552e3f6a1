"""`kill -9` of a run that provisions its key leaves the key alive; `orkit resume` deletes
that orphan by the hash the manifest kept, goes on with a fresh key holding what is left of
the limit, and deletes that one too."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from orkit.sim import SIM_API_KEY, SimConfig, serve_in_thread
from tests.cli.journal_rows import wait_for_rows
from tests.sim_http import reset, stats

pytestmark = [pytest.mark.subprocess, pytest.mark.slow, pytest.mark.integration]

MANAGER = "sk-or-v1-" + "6" * 64
LIMIT = 5.0
ENV = {**os.environ, "OPENROUTER_API_KEY": SIM_API_KEY, "OPENROUTER_PROVISIONING_KEY": MANAGER}


@pytest.fixture(scope="module")
def slow_keyed_sim() -> Iterator[str]:
    """Answers in ~0.1-0.3 s, so 120 tasks at concurrency 4 take several seconds."""
    with serve_in_thread(SimConfig(time_scale=0.2, seed=4, management_keys=(MANAGER,))) as url:
        yield url


def spec(tmp_path: Path, url: str) -> Path:
    data = tmp_path / "items.jsonl"
    data.write_text(
        "".join(
            json.dumps({"id": f"q{i}", "question": f"What is {i} + 7?", "answer": str(i + 7)})
            + "\n"
            for i in range(60)
        )
    )
    path = tmp_path / "spec.toml"
    path.write_text(
        f'dataset = "{data}"\nmodels = ["openai/gpt-4o-mini", "deepseek/deepseek-v3.2"]\n'
        f'endpoint = "{url}"\nconcurrency = 4\nout = "{tmp_path / "runs"}"\ncache = false\n'
        '[prompt]\ntemplate = "{{ question }}"\n[params]\nmax_tokens = 8\n'
    )
    return path


def manager_get(url: str, path: str) -> Any:
    return httpx.get(url + path, headers={"Authorization": f"Bearer {MANAGER}"}).json()


def test_resume_after_kill_9_deletes_the_orphan_and_goes_on_with_what_is_left(
    tmp_path: Path, slow_keyed_sim: str
) -> None:
    url = slow_keyed_sim
    reset(url)
    command = [sys.executable, "-m", "orkit"]
    run_args = ["run", str(spec(tmp_path, url)), "--provision-key", str(LIMIT), "-y", "-q"]
    proc = subprocess.Popen(
        [*command, *run_args, "--no-report"],
        env=ENV,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    run_dir = wait_for_rows(tmp_path / "runs", at_least=12)
    proc.kill()
    proc.communicate(timeout=30)

    recorded = json.loads((run_dir / "manifest.json").read_text())["provisioned_key"]
    orphan = recorded["hash"]
    assert recorded["limit_usd"] == LIMIT and orphan
    (alive,) = manager_get(url, "/keys")["data"]
    assert alive["hash"] == orphan  # the kill left it behind

    result = subprocess.run(
        [*command, "resume", str(run_dir), "-q", "--no-report"],
        env=ENV,
        text=True,
        capture_output=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert manager_get(url, "/keys") == {"data": []}
    first, second = stats(url)["created_keys"]
    assert first["hash"] == orphan and first["deleted"] and second["deleted"]
    # the fresh key holds the limit less what the run had spent (at most what the orphan
    # was billed: requests in flight at the kill were billed but never journaled)
    orphan_usage = stats(url)["keys"][alive["label"]]["usage_usd"]
    assert orphan_usage > 0
    assert LIMIT - orphan_usage - 1e-9 <= second["limit"] < LIMIT
    rows = pd.read_parquet(run_dir / "results")
    assert len(rows) == 120 and (rows["status"] == "ok").all()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["provisioned_key"] == {"limit_usd": LIMIT, "hash": None}


def test_ctrl_c_deletes_the_key_before_the_process_ends(
    tmp_path: Path, slow_keyed_sim: str
) -> None:
    url = slow_keyed_sim
    reset(url)
    args = ["run", str(spec(tmp_path, url)), "--provision-key", str(LIMIT), "-y", "-q"]

    def default_sigint() -> None:  # a test runner may start us with SIGINT ignored
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    proc = subprocess.Popen(
        [sys.executable, "-m", "orkit", *args, "--no-report"],
        env=ENV,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=default_sigint,
    )
    run_dir = wait_for_rows(tmp_path / "runs", at_least=12)
    assert len(manager_get(url, "/keys")["data"]) == 1
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert manager_get(url, "/keys") == {"data": []}
    (created,) = stats(url)["created_keys"]
    assert created["deleted"]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "cancelled"
    assert manifest["provisioned_key"] == {"limit_usd": LIMIT, "hash": None}
