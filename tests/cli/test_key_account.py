"""`orkit key`'s account half: credit balance and recent activity by model with a management
key (`OPENROUTER_PROVISIONING_KEY`); one line saying what is missing without one, when it
is refused, or on a server without those routes."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from orkit.cli import main
from orkit.cli._exit import ExitCode
from orkit.cli._key_account import AccountView, account_lines, activity_by_model, fetch_account
from orkit.client import KeyManager
from orkit.sim import SIM_API_KEY, ModelProfile, SimConfig, create_app, serve_in_thread

MANAGER = "sk-or-v1-" + "7" * 64
A, B = "openai/gpt-4o-mini", "deepseek/deepseek-v3.2"
DAY = 86_400.0


class Clock:
    """The emulator's wall clock, from real now on, moved by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def yesterday_sim() -> Iterator[str]:
    """An emulator with a management key whose account billed 2 requests of A and 1 of B
    yesterday (its clock is then moved a day on: `/activity` has completed days only)."""
    clock = Clock()
    config = SimConfig(time_scale=0, window_scale=1.0, management_keys=(MANAGER,))
    app = create_app(config, time_fn=clock)
    with serve_in_thread(app=app) as url:
        auth = {"Authorization": f"Bearer {SIM_API_KEY}"}
        for model, question in ((A, "1 + 1?"), (A, "2 + 2?"), (B, "3 + 3?")):
            body = {"model": model, "messages": [{"role": "user", "content": question}]}
            assert httpx.post(f"{url}/chat/completions", json=body, headers=auth).status_code == 200
        # The emulator bills a request after its last byte is sent, so the client can hold
        # the answer first: move the clock only once all three are billed (on today's date).
        wait_until(lambda: app.state.sim.stats.delivered_count == 3)
        clock.now += DAY
        yield url


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", SIM_API_KEY)
    monkeypatch.setenv("OPENROUTER_PROVISIONING_KEY", MANAGER)


def wait_until(done: Callable[[], bool]) -> None:
    """Poll the emulator thread's state until `done` (bounded: 30 s, far beyond a bill)."""
    for _ in range(3000):
        if done():
            return
        time.sleep(0.01)
    raise AssertionError("the emulator never billed the requests")


def run_key(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = int(main(["key", *args]))
    out = capsys.readouterr().out
    assert MANAGER not in out and SIM_API_KEY not in out
    return code, out


def test_credits_and_activity_by_model_with_a_management_key(
    yesterday_sim: str, keys: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_key(["--endpoint", yesterday_sim], capsys)
    assert code == ExitCode.OK
    lines = out.splitlines()
    assert any(line.startswith("credits:") and "left" in line for line in lines)
    assert any("last 7 completed days, by model" in line for line in lines)
    model_lines = [line.split() for line in lines if line.startswith("  ")]
    assert {(row[0], row[1]) for row in model_lines} == {(A, "2"), (B, "1")}

    code, out = run_key(["--endpoint", yesterday_sim, "--json"], capsys)
    body = json.loads(out)
    credits = body["credits"]
    assert credits["balance"] == pytest.approx(credits["total_credits"] - credits["total_usage"])
    assert credits["total_usage"] > 0
    by_model = {row["model"]: row for row in body["activity_by_model"]}
    assert by_model[A]["requests"] == 2 and by_model[B]["requests"] == 1
    assert sum(r["usage_usd"] for r in by_model.values()) == pytest.approx(credits["total_usage"])
    assert body["account"] is None


def test_without_a_management_key_one_line_says_what_is_missing(
    yesterday_sim: str,
    keys: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("OPENROUTER_PROVISIONING_KEY")
    code, out = run_key(["--endpoint", yesterday_sim], capsys)
    assert code == ExitCode.OK
    assert out.splitlines()[-1] == (
        "credits and activity: need a management key in OPENROUTER_PROVISIONING_KEY"
    )
    assert "limit:" in out  # what the inference key sees is still shown
    body = json.loads(run_key(["--endpoint", yesterday_sim, "--json"], capsys)[1])
    assert body["credits"] is None and body["activity_by_model"] is None
    assert "OPENROUTER_PROVISIONING_KEY" in body["account"]


def test_a_refused_management_key_is_a_line_not_a_failure(
    yesterday_sim: str,
    keys: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPENROUTER_PROVISIONING_KEY", SIM_API_KEY)  # an inference key
    code, out = run_key(["--endpoint", yesterday_sim], capsys)
    assert code == ExitCode.OK
    assert "refused the management key" in out.splitlines()[-1]


def test_the_in_process_emulator_shows_its_credits(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_key(["--endpoint", "sim"], capsys)
    assert code == ExitCode.OK
    assert "credits:" in out and "no billed requests in the last 7 completed days" in out
    body = json.loads(run_key(["--endpoint", "sim", "--json"], capsys)[1])
    assert body["credits"]["total_usage"] == 0 and body["activity_by_model"] == []


async def test_a_server_without_credits_routes_says_so() -> None:
    config = SimConfig(time_scale=0, local_server=True, models={"llama-3.2-1b": ModelProfile()})
    with serve_in_thread(config) as url:
        async with KeyManager(MANAGER, base_url=url) as managed:
            view = await fetch_account(managed)
    assert view.missing == "credits and activity: this server has no /credits"
    assert account_lines(view) == [view.missing]


def test_activity_is_summed_per_model_over_the_last_seven_days_by_spend() -> None:
    now = 1_786_000_000.0  # 2026-08-06
    rows: list[dict[str, Any]] = [
        {"date": "2026-08-05", "model": A, "requests": 3, "usage": 0.01},
        {"date": "2026-08-01", "model": A, "requests": 2, "usage": 0.02},
        {"date": "2026-08-04", "model": B, "requests": 1, "usage": 0.5},
        {"date": "2026-07-20", "model": B, "requests": 9, "usage": 9.0},  # too old
    ]
    assert activity_by_model(rows, now) == [
        {"model": B, "requests": 1, "usage_usd": 0.5},
        {"model": A, "requests": 5, "usage_usd": pytest.approx(0.03)},
    ]
    lines = account_lines(
        AccountView(credits={"total_credits": 10, "total_usage": 2.5}, activity=rows), now
    )
    assert lines[0].startswith("credits:") and "$7.50" in lines[0]
