"""The shortest makespan the emulator's rate limits allow: a true lower bound, computed from
the rules `orkit/sim/limits.py` enforces (not measured), for `bench_ratelimit`.

Every task is ready at time 0 (the run's start) and each limited scope (one upstream model,
or the account's free models together) is independent of the others, so the bound is the
latest of the scopes' earliest possible last admissions, plus the latency of that last
answer. Times are real seconds; limits are in requests per *emulated* minute, which lasts
`60 × window_scale` real seconds.

- **Upstream token bucket** (`SimConfig.upstream_rpm`): it holds `max(1, rpm / 6)` requests
  and starts full at the first request, then refills at rpm per emulated minute. Sending
  each request the moment a token is there (greedy) is optimal: the k-th admission can come
  no sooner than when the k-th token exists, since a rejected request takes none and a
  full bucket wastes refill. Under greedy the bucket never holds a whole spare token after
  the first burst, so a capacity that shrinks with the rate never clips it, and the k-th
  admission (past the first burst) is when the refill since the start reaches k − capacity.
  `upstream_rpm_changes` make the refill rate piecewise constant.
- **Free-model window** (`SimConfig.free_per_minute`): a window opens at the first request
  arriving once the previous window has ended (not at clock minutes) and admits
  `per_minute` requests; the earliest windows open at 0, W, 2W, … The per-day limit is left
  out of the model: a request the day refuses still opens a window, so probes could shift
  the alignment; the bound refuses runs where the day could bind at all (more free tasks
  than `per_day`), where none of this arises.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

__all__ = [
    "bucket_admission_times",
    "free_admission_times",
    "makespan_bound_s",
]

_MINUTE = 60.0


def _bucket_capacity(rpm: float) -> float:
    return max(1.0, rpm / 6.0)


def bucket_admission_times(
    n: int,
    rpm: float,
    window_scale: float,
    changes: Sequence[tuple[float, float]] = (),
) -> list[float]:
    """Earliest real times (seconds from the first request) at which an upstream token bucket
    of `rpm` (changing to `rpm_i` at emulated second `at_i` for each `(at_i, rpm_i)` in
    `changes`) can admit its 1st, 2nd, … `n`-th request."""
    _check(n, window_scale)
    capacity = _bucket_capacity(rpm)
    first_burst = min(n, math.floor(capacity))
    times = [0.0] * first_burst
    # Refill segments: (real start, real end or inf, tokens per real second).
    starts = [0.0, *(window_scale * at for at, _ in changes)]
    rates = [r / (_MINUTE * window_scale) for r in (rpm, *(r for _, r in changes))]
    ends = [*starts[1:], math.inf]
    segment, refilled_before = 0, 0.0  # refill accumulated before the current segment starts
    for k in range(first_burst + 1, n + 1):
        need = k - capacity  # the refill the k-th admission needs
        while True:  # bounded: at most one step per segment, and the last one never ends
            length = ends[segment] - starts[segment]
            if refilled_before + length * rates[segment] >= need:
                break
            refilled_before += length * rates[segment]
            segment += 1
        times.append(starts[segment] + (need - refilled_before) / rates[segment])
    return times


def free_admission_times(n: int, per_minute: int, per_day: int, window_scale: float) -> list[float]:
    """Earliest real times (seconds from the first request) of `n` free-model requests: full
    windows of `per_minute`, each opening the moment the previous one ends."""
    _check(n, window_scale)
    if per_minute < 1:
        raise ValueError(f"per_minute: a window must admit at least one request, got {per_minute}")
    if n > per_day:
        raise ValueError(
            f"{n} free requests exceed the day's {per_day}: the bound does not model the day"
        )
    window = _MINUTE * window_scale
    return [(k // per_minute) * window for k in range(n)]


def makespan_bound_s(last_admissions: Iterable[float], latency_s: float) -> float:
    """The run cannot end before its latest scope's last admission plus one answer's latency."""
    return max(last_admissions) + latency_s


def _check(n: int, window_scale: float) -> None:
    if n < 1:
        raise ValueError(f"n: need at least one request, got {n}")
    if not window_scale > 0:
        raise ValueError(f"window_scale: limits need windows of some length, got {window_scale}")
