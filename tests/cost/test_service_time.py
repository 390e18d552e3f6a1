"""`ModelCalibration.service_time`: a URL endpoint's time per request is learnt as a fixed
part plus seconds per output token, so an estimate prices its own answers' length."""

from __future__ import annotations

from pathlib import Path

import pytest

from orkit.cost import DEFAULT_TOKENS_PER_S, DEFAULT_TTFT_S, Calibration, Observation

URL = "http://127.0.0.1:8080/v1"
MODEL = "llama3.2"
FIXED_S, PER_TOKEN_S = 0.6, 0.03  # the server: 0.63 s for 1 token, 2.52 s for 64


def _seconds(tokens: float) -> float:
    return FIXED_S + PER_TOKEN_S * tokens


def _observation(lengths: list[int]) -> Observation:
    xs = [float(x) for x in lengths]
    ys = [_seconds(x) for x in xs]
    return Observation(
        model=MODEL,
        service_s=sum(ys) / len(ys),
        service_sums={
            "service_n": float(len(xs)),
            "service_x": sum(xs),
            "service_y": sum(ys),
            "service_xx": sum(x * x for x in xs),
            "service_xy": sum(x * y for x, y in zip(xs, ys, strict=True)),
        },
        rows=len(xs),
    )


def _learnt(tmp_path: Path, *runs: list[int]) -> Calibration:
    calibration = Calibration(tmp_path / "calibration.json")
    for lengths in runs:
        calibration.update(URL, _observation(lengths))
    calibration.save()
    return Calibration.load(tmp_path)  # and it survives the file


def test_answers_of_several_lengths_give_the_fixed_part_and_the_time_per_token(
    tmp_path: Path,
) -> None:
    cal = _learnt(tmp_path, [20, 30, 40, 50, 60]).get(URL, MODEL)
    assert cal is not None
    assert cal.service_time(1) == pytest.approx(_seconds(1))
    assert cal.service_time(500) == pytest.approx(_seconds(500))


def test_one_length_per_run_is_fitted_across_runs(tmp_path: Path) -> None:
    # 1-token runs, then a 64-token run: together they tell the two parts apart, however
    # much the older runs have faded
    cal = _learnt(tmp_path, [1] * 40, [1] * 40, [64] * 10).get(URL, MODEL)
    assert cal is not None
    assert cal.service_time(1) == pytest.approx(_seconds(1))
    assert cal.service_time(64) == pytest.approx(_seconds(64))


@pytest.mark.parametrize(("learnt", "asked"), [(1, 64), (64, 1)])
def test_one_length_only_scales_the_prior_to_the_learnt_mean(
    tmp_path: Path, learnt: int, asked: int
) -> None:
    cal = _learnt(tmp_path, [learnt] * 40).get(URL, MODEL)
    assert cal is not None
    # the length it was learnt at is exact; another length follows the prior's shape
    assert cal.service_time(learnt) == pytest.approx(_seconds(learnt))
    shape = (DEFAULT_TTFT_S + asked / DEFAULT_TOKENS_PER_S) / (
        DEFAULT_TTFT_S + learnt / DEFAULT_TOKENS_PER_S
    )
    assert cal.service_time(asked) == pytest.approx(_seconds(learnt) * shape)


def test_noise_that_makes_longer_answers_look_faster_is_not_a_negative_time_per_token(
    tmp_path: Path,
) -> None:
    calibration = Calibration(tmp_path / "calibration.json")
    obs = _observation([10, 20])
    sums = dict(obs.service_sums)
    sums["service_y"] = 2.0
    sums["service_xy"] = 10 * 1.2 + 20 * 0.8  # 1.2 s for 10 tokens, 0.8 s for 20
    calibration.update(URL, Observation(model=MODEL, service_s=1.0, service_sums=sums, rows=2))
    cal = calibration.get(URL, MODEL)
    assert cal is not None
    assert cal.service_time(1000) == pytest.approx(1.0)


def test_a_file_from_before_the_fit_uses_its_mean(tmp_path: Path) -> None:
    calibration = Calibration(tmp_path / "calibration.json")
    calibration.update(URL, Observation(model=MODEL, service_s=0.7, rows=3))
    cal = calibration.get(URL, MODEL)
    assert cal is not None
    assert cal.service_time(64) == 0.7
