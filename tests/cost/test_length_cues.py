"""Length cues (`answer_length_cue`), the per-cue calibration samples and `mixed_band`."""

from __future__ import annotations

import pytest

from orkit.cost import (
    CUES,
    ModelCalibration,
    OutputBand,
    OutputSample,
    answer_length_cue,
    answer_length_cue_index,
    cue_key,
    mixed_band,
    output_band,
)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Answer in one word: is it blue?", "short"),
        ("Reply with a single word.", "short"),
        ("Give just the number.", "short"),
        ("Numbers only, please.", "short"),
        ("YES OR NO: is water wet?", "short"),
        ("True or false: owls fly.", "short"),
        ("Explain step-by-step how tides work.", "long"),
        ("Describe bees in great detail.", "long"),
        ("Write an essay on glass.", "long"),
        ("Be thorough.", "long"),
        ("Think step by step, then answer with one word.", "long"),
        ("Write about rivers.", "plain"),
        ("A word about owls.", "plain"),
        ("", "plain"),
    ],
)
def test_the_cue_a_request_text_gives(text: str, cue: str) -> None:
    assert answer_length_cue(text) == cue
    assert CUES[answer_length_cue_index(text)] == cue


def test_cue_keys_of_one_prompt_and_of_all() -> None:
    assert cue_key("short") == "cue:short"
    assert cue_key("short", "fp1") == "fp1|cue:short"


def test_cue_sample_prefers_the_prompt_own_then_every_prompt() -> None:
    own = OutputSample((5, 6), None)
    pooled = OutputSample((50, 60), None)
    cal = ModelCalibration(outputs={"fp|cue:long": own, "cue:long": pooled, "cue:short": own})
    assert cal.knows_cues
    assert cal.cue_sample("fp", "long") == (own, True)
    assert cal.cue_sample("other", "long") == (pooled, False)
    assert cal.cue_sample("other", "plain") == (None, False)
    assert not ModelCalibration(outputs={"fp": own, "*": pooled}).knows_cues


def test_mixed_band_weights_the_parts_by_their_requests() -> None:
    short = OutputBand(1.0, 2.0, 3.0, "calibration", 10)
    long = OutputBand(300.0, 400.0, 500.0, "calibration", 20)
    band = mixed_band([(3, short), (1, long)])
    assert band.low == pytest.approx((3 * 1 + 300) / 4)
    assert band.expected == pytest.approx((3 * 2 + 400) / 4)
    assert band.high == pytest.approx((3 * 3 + 500) / 4)
    assert band.source == "calibration" and band.samples == 30


def test_mixed_band_names_every_source_and_ignores_empty_parts() -> None:
    learnt = output_band(OutputSample((10, 12), None), own_prompt=True, cap=None, ceiling=100,
                         requests=5)  # fmt: skip
    unknown = output_band(None, own_prompt=False, cap=None, ceiling=100, requests=5)
    assert mixed_band([(5, learnt), (5, unknown)]).source == "mixed: calibration, default"
    assert mixed_band([(5, learnt), (0, unknown)]).source == "calibration"
    with pytest.raises(ValueError, match="no requests"):
        mixed_band([(0, learnt)])
