"""Correlated faults: bursts of HTTP errors on chosen models and providers for a window of
emulated seconds (on a fake clock), drawn apart from the profile's independent faults."""

from __future__ import annotations

import re

import pytest

from orkit.sim import FaultProfile, ModelProfile, ProviderProfile, SimConfig, SimConfigError
from orkit.sim.fault_profile import FaultBurst
from orkit.sim.faults import Fault, FaultPlan
from orkit.sim.simulator import Simulator

from .sim_testkit import START, FakeTime, chat_body

PRIMARY = "openai/gpt-4o-mini"
FALLBACK = "mistralai/mistral-small-3.2-24b-instruct"
HEALTHY = "deepseek/deepseek-v3.2"


def _config(*bursts: FaultBurst, **changes: object) -> SimConfig:
    base: dict[str, object] = {
        "time_scale": 0,
        "window_scale": 1.0,
        "start_time": START,
        "faults": FaultProfile(bursts=bursts),
    }
    return SimConfig(**{**base, **changes})  # type: ignore[arg-type]


async def test_a_burst_fails_every_retry_of_its_models_inside_its_window(make_sim) -> None:
    clock = FakeTime()
    burst = FaultBurst(5.0, 15.0, {503: 1.0}, models=(PRIMARY, FALLBACK), retry_after_s=7.0)
    # real-time latency (Retry-After is scaled by it), of answers that take no time
    instant = ModelProfile(ttft_s=0.0, tokens_per_s=1e6)
    models = dict.fromkeys((PRIMARY, FALLBACK, HEALTHY), instant)
    sim = await make_sim(_config(burst, time_scale=1.0, models=models), time_fn=clock)
    assert (await sim.chat(chat_body("q", PRIMARY))).status_code == 200  # before the window
    clock.advance(6)
    for model in (PRIMARY, FALLBACK):
        for _ in range(5):  # the same body again and again: retries draw anew, and fail
            failed = await sim.chat(chat_body("q", model))
            assert failed.status_code == 503
            assert failed.headers["retry-after"] == "7"  # the burst's own hint
    assert (await sim.chat(chat_body("q", HEALTHY))).status_code == 200  # not in the burst
    clock.advance(9)  # 15 s: the window is over
    assert (await sim.chat(chat_body("q", PRIMARY))).status_code == 200


async def test_a_burst_rate_below_one_fails_about_that_share(make_sim) -> None:
    clock = FakeTime()
    sim = await make_sim(_config(FaultBurst(0.0, 60.0, {429: 0.3, 500: 0.3})), time_fn=clock)
    codes = [(await sim.chat(chat_body(f"q{i}", PRIMARY))).status_code for i in range(300)]
    failed = sum(code != 200 for code in codes)
    assert 0.45 * 300 < failed < 0.75 * 300  # 60% expected; binomial sd is under 3%
    assert {429, 500} <= set(codes)


async def test_a_burst_on_one_provider_spares_the_model_elsewhere(make_sim) -> None:
    clock = FakeTime()
    model = ModelProfile(
        ttft_s=0.1,
        providers=(ProviderProfile("OpenAI", "openai"), ProviderProfile("Azure", "azure")),
    )
    burst = FaultBurst(0.0, 60.0, {502: 1.0}, providers=("openai",))
    sim = await make_sim(_config(burst, models={PRIMARY: model}), time_fn=clock)
    hit = await sim.chat(chat_body("q", PRIMARY, provider={"only": ["openai"]}))
    spared = await sim.chat(chat_body("q", PRIMARY, provider={"only": ["azure"]}))
    assert (hit.status_code, spared.status_code) == (502, 200)


def test_bursts_leave_the_independent_draws_where_they_were() -> None:
    # Outside a burst's window (or with windows off) a request meets exactly the fault it
    # met before bursts existed: adding a burst moves no seed's independent faults.
    plain = FaultPlan(FaultProfile(status={500: 0.3}, drop_connection=0.2), seed=3)
    with_burst = FaultPlan(
        FaultProfile(
            status={500: 0.3}, drop_connection=0.2, bursts=(FaultBurst(10.0, 20.0, {429: 1.0}),)
        ),
        seed=3,
    )
    for i in range(200):
        body = f"body-{i}"
        before = plain.decide(body, 0, PRIMARY)
        assert with_burst.decide(body, 0, PRIMARY, elapsed_s=5.0) == before
        assert with_burst.decide(body, 0, PRIMARY, elapsed_s=None) == before
        assert with_burst.decide(body, 0, PRIMARY, elapsed_s=12.0) == Fault("status", 429)


async def test_windows_off_means_no_burst(make_sim) -> None:
    sim = await make_sim(_config(FaultBurst(0.0, 60.0, {500: 1.0}), window_scale=0.0))
    assert (await sim.chat(chat_body("q", PRIMARY))).status_code == 200


@pytest.mark.parametrize(
    ("burst", "message"),
    # the whole path, once: `faults.bursts[0].bursts.status…` said "bursts" twice
    [
        ({"start_s": 5, "end_s": 5, "status": {"500": 1}}, "faults.bursts[0].start_s: need 0 <="),
        ({"start_s": 0, "end_s": 5, "status": {"200": 1}}, "faults.bursts[0].status.200: cannot"),
        (
            {"start_s": 0, "end_s": 5, "status": {"500": 0.7, "429": 0.7}},
            "faults.bursts[0].status: probabilities sum to 1.400 > 1",
        ),
        (
            {"start_s": 0, "end_s": 5, "status": {}, "retry_after_s": -1},
            "faults.bursts[0].retry_after_s: must be >= 0",
        ),
    ],
)
def test_a_bad_burst_names_its_field(burst: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        SimConfig.from_dict({"faults": {"bursts": [burst]}})


@pytest.mark.parametrize(
    ("faults", "where"),
    [
        (
            {"bursts": [{"start_s": 0, "end_s": 5, "status": {"500": 1}, "models": ["x/typo"]}]},
            "faults.bursts[0].models",
        ),
        ({"status": {"500": 0.5}, "models": ["x/typo"]}, "faults.models"),
    ],
)
def test_a_fault_aimed_at_a_model_the_emulator_does_not_serve_is_refused(
    faults: dict[str, object], where: str
) -> None:
    # it would never fire, and the run would look as if it had weathered the fault
    with pytest.raises(SimConfigError, match=re.escape(f"{where}: 'x/typo' is not a model")):
        Simulator(SimConfig.from_dict({"faults": faults}))
