"""bench_crash's bookkeeping: which billings a kill is charged with, its targets, and the
kill delays spread over both halves of a phase."""

from __future__ import annotations

import random
from collections import Counter

import bench_crash as bc


def _kill(before: dict[str, int], at_kill: dict[str, int], received: set[str]) -> bc.Kill:
    return bc.Kill(
        "resume", "answering", len(received), Counter(before), Counter(at_kill), received
    )


def test_a_kill_is_charged_only_with_what_its_own_process_had_billed() -> None:
    hashes = {"k1": "h1", "k2": "h2", "k3": "h3", "k4": "h4"}
    # h1 was billed by the process before (an earlier kill); this one billed h2, h3, h4
    kill = _kill({"h1": 1}, {"h1": 1, "h2": 1, "h3": 1, "h4": 1}, received={"k1", "k3"})
    final = Counter({"h1": 2, "h2": 2, "h3": 2, "h4": 1})  # h1, h2, h3 billed again later
    bc.count_double_billing(kill, final, hashes)
    assert kill.double_billed == 2  # h2 and h3; h1 is the earlier kill's
    assert kill.double_billed_received == 1  # h3's answer was in the journal: a violation
    assert kill.in_flight_at_kill == 2  # h2 and h4: billed, never recorded


def _result(**changes: object) -> dict[str, object]:
    clean: dict[str, object] = {
        "mismatched_trials": 0,
        "duplicate_rows": 0,
        "double_billed_received": 0,
        "failed_rows_after_resume": 0,
        "reference_double_billed": 0,
        "resumes_refused_unclearly": 0,
        "reports_missing_after_resume": 0,
        "kills_by_phase": dict.fromkeys(bc.PHASES, bc.KILLS_PER_PHASE),
        "double_billed_per_kill_max": 40,
        "in_flight_cap": 64,
    }
    return clean | changes


def test_a_clean_result_misses_no_target() -> None:
    assert bc.missed_targets(_result()) == []


def test_each_broken_invariant_is_a_missed_target() -> None:
    assert bc.missed_targets(_result(duplicate_rows=3)) == ["duplicate_rows = 3 (target 0)"]
    assert bc.missed_targets(_result(mismatched_trials=1)) == ["mismatched_trials = 1 (target 0)"]
    assert bc.missed_targets(_result(double_billed_received=2)) == [
        "double_billed_received = 2 (target 0)"
    ]
    assert bc.missed_targets(_result(reports_missing_after_resume=1)) == [
        "reports_missing_after_resume = 1 (target 0)"
    ]
    (over,) = bc.missed_targets(_result(double_billed_per_kill_max=65))
    assert "65 > in_flight_cap 64" in over


def test_a_phase_without_its_kills_is_a_missed_target() -> None:
    short = {**dict.fromkeys(bc.PHASES, bc.KILLS_PER_PHASE), "end_writes": 0}
    (missed,) = bc.missed_targets(_result(kills_by_phase=short))
    assert "'end_writes': 0" in missed


def test_end_kill_delays_alternate_between_before_and_after_the_manifest() -> None:
    times = bc.PhaseTimes(run_dir_s=1.0, startup_s=1.2, answering_s=5.0, manifest_s=0.05, end_s=0.9)
    rng = random.Random(1)
    before = [times.end_delay(rng, n) for n in range(0, 40, 2)]
    after = [times.end_delay(rng, n) for n in range(1, 40, 2)]
    assert all(0.0 <= d <= 0.05 for d in before) and all(0.05 <= d <= 0.9 for d in after)


def test_an_unclear_refusal_to_resume_is_a_missed_target() -> None:
    (missed,) = bc.missed_targets(_result(resumes_refused_unclearly=1))
    assert missed.startswith("resumes_refused_unclearly = 1")
