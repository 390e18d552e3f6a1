"""`orkit run` against a local server (the emulator in local-server mode on 127.0.0.1):
an unknown model is one line naming the served ones, exit 2, nothing sent; `--no-stream`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pandas as pd
import pytest

from orkit.cli import main
from orkit.sim import ModelProfile, SimConfig, create_app, serve_in_thread

if TYPE_CHECKING:
    from .conftest import RunArgs

MODEL = "openai/gpt-4o-mini"
FLAGS = ("--no-report", "--quiet", "--yes")


def _stats(url: str) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(url.rsplit("/api/v1", 1)[0] + "/_sim/stats").json()
    return stats


def test_unknown_model_is_one_line_naming_the_served_models_and_exit_2(
    tmp_path: Path, no_usage_url: str, run_args: RunArgs, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(run_args(no_usage_url, *FLAGS, model="meta-llama/llama-3.1-8b-instruct"))
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert code == 2
    assert err == [
        f"orkit: error: {no_usage_url} does not serve 'meta-llama/llama-3.1-8b-instruct': "
        f"its /models lists {MODEL}"
    ]
    assert _stats(no_usage_url)["requests"] == 0


def test_a_run_whose_costs_nobody_reported_does_not_say_it_cost_0(
    tmp_path: Path, no_usage_url: str, run_args: RunArgs, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [a for a in run_args(no_usage_url, *FLAGS, model=MODEL) if a != "--quiet"]
    assert main([*args, "--no-estimate"]) == 0
    out = capsys.readouterr().out
    assert "completed: 4 tasks, 0 errors, cost unknown in " in out  # not $0
    assert "$0.0000" not in out


def test_no_stream_flag_sends_plain_requests(
    tmp_path: Path, no_usage_url: str, run_args: RunArgs, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(run_args(no_usage_url, *FLAGS, "--no-stream", model=MODEL)) == 0
    run_dir = next((tmp_path / "runs").iterdir())
    rows = pd.read_parquet(run_dir / "results")
    assert rows["ttft_s"].isna().all() and rows["completion_tokens"].notna().all()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["spec"]["stream"] is False


def test_a_close_model_name_gets_a_did_you_mean_and_no_estimate_table(
    tmp_path: Path, no_usage_url: str, run_args: RunArgs, capsys: pytest.CaptureFixture[str]
) -> None:
    # not --quiet: the estimate would be printed, were the check after it
    args = [a for a in run_args(no_usage_url, *FLAGS, model="openai/gpt-4o-mni") if a != "--quiet"]
    code = main(args)
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert [ln for ln in captured.err.splitlines() if ln.strip()] == [
        f"orkit: error: {no_usage_url} does not serve 'openai/gpt-4o-mni'; did you mean {MODEL}?"
    ]
    assert _stats(no_usage_url)["requests"] == 0


def test_estimate_of_an_unknown_model_on_a_url_endpoint_is_the_error_alone(
    tmp_path: Path, no_usage_url: str, run_args: RunArgs, capsys: pytest.CaptureFixture[str]
) -> None:
    args = run_args(no_usage_url, *FLAGS, model="meta-llama/llama-3.1-8b-instruct")
    code = main(["estimate", *args[1:11]])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert "does not serve 'meta-llama/llama-3.1-8b-instruct': its /models lists" in captured.err


def test_a_wrong_base_url_stops_before_anything_is_sent(
    tmp_path: Path,
    run_args: RunArgs,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = SimConfig(time_scale=0.0, local_server=True, models={MODEL: ModelProfile()})
    app = create_app(config)
    paths: Counter[str] = Counter()

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            paths[scope["path"]] += 1
        await app(scope, receive, send)

    with serve_in_thread(app=counting) as url:
        root = url.removesuffix("/api/v1")
        wrong = root  # llama.cpp's address pasted without its /v1
        args = [a for a in run_args(wrong, *FLAGS, "--no-estimate", model=MODEL) if a != "--quiet"]
        code = main(args)
    err = capsys.readouterr().err
    # the same server answers under /v1: the URL is certainly wrong, so the preflight stops
    # the run before anything is sent or a run directory is made (exit 2: bad input)
    assert code == 2
    assert err.strip() == (
        f"orkit: error: {wrong}/models answered 404: the base URL is wrong; "
        f"{root}/v1/models answers: use --endpoint {root}/v1"
    )
    assert paths["/chat/completions"] == 0
    assert paths["/v1/chat/completions"] == paths["/api/v1/chat/completions"] == 0
    assert not (tmp_path / "runs").exists()


def test_the_estimate_of_a_wrong_base_url_says_so(
    tmp_path: Path, no_usage_url: str, run_args: RunArgs, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = no_usage_url.removesuffix("/api/v1")  # the server serves /v1 and /api/v1
    code = main(["estimate", *run_args(wrong, *FLAGS, model=MODEL)[1:11]])
    assert code == 0
    out = capsys.readouterr().out
    assert f"{wrong}/models answered 404: the base URL is wrong" in out
    assert f"use --endpoint {wrong}/v1" in out
