"""How long a sweep will take under the limits in force (layer 2).

Each model's lane is bound by the slowest of: its concurrency (for a local server, what it
was seen to serve at once) over its mean request time,
its known requests or tokens per minute, and (for `:free` models) the account-wide 20
requests a minute shared by every free model. All lanes share the run's concurrency, so
the run lasts at least the total request-seconds over that concurrency. Free-model
requests past today's daily quota wait for the next UTC day: they are counted in days.

A lane's own time includes what it shares, as the run's does: the free-model pace with
every free lane, the run's concurrency with every lane that is not paced by it. Lanes take
turns at a shared limit, so a lane ends once its own load and as much of each other lane's
(all of a smaller one's) went through it; the largest lane ends with the whole load. So
the run's duration is its longest lane's, and no row of an estimate is shorter than what
the total charges it (a `:free` row of 20 requests is a minute, as on the total). A free
lane is left out of the concurrency's turns: paced at a few requests a minute, it holds a
slot or two, not its share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "DEFAULT_TOKENS_PER_S",
    "DEFAULT_TTFT_S",
    "Duration",
    "FreeQuota",
    "LaneLoad",
    "plan_duration",
]

DEFAULT_TTFT_S = 0.8
"""Time to first token assumed for a model never measured (OpenRouter medians 0.3-1.5 s)."""
DEFAULT_TOKENS_PER_S = 60.0
"""Output speed assumed for a model never measured."""


@dataclass(frozen=True, slots=True)
class LaneLoad:
    model: str
    requests: float
    latency_s: float
    """Mean seconds from send to last byte."""
    max_concurrency: float
    """Requests in flight at once: the run's concurrency, or fewer (a known limit, or the
    learnt capacity of a server that serves fewer at once, e.g. 1.1 for one slot)."""
    rpm: float | None = None
    tpm: float | None = None
    tokens_per_request: float = 0.0
    """What a request books against `tpm` (prompt estimate + max_tokens)."""
    free: bool = False


@dataclass(frozen=True, slots=True)
class FreeQuota:
    per_minute: int = 20
    window_s: float = 60.0
    per_day: int = 50
    remaining_today: int = 50


@dataclass(frozen=True, slots=True)
class Duration:
    seconds: float
    """Wall time of the run (free requests past today's quota excluded: they wait)."""
    by_model: dict[str, float]
    quota_days: dict[str, float]
    """Per free model: its requests in days of the daily quota."""
    deferred: int
    """Free requests that will not fit in today's remaining quota."""


def _lane_seconds(lane: LaneLoad, requests: float) -> float:
    if requests <= 0:
        return 0.0
    bounds = [requests * lane.latency_s / max(1.0, lane.max_concurrency)]
    if lane.rpm:
        bounds.append(requests / (lane.rpm / 60.0))
    if lane.tpm and lane.tokens_per_request:
        bounds.append(requests * lane.tokens_per_request / (lane.tpm / 60.0))
    return max(bounds)


def _shared_through(load: float, loads: Sequence[float]) -> float:
    """What has gone through a limit that lanes take turns at when a lane with `load` of it
    ends: its own and, of each other lane's, as much (or all of a smaller one's)."""
    return sum(min(other, load) for other in loads)


def plan_duration(lanes: Sequence[LaneLoad], concurrency: int, quota: FreeQuota) -> Duration:
    """The run's duration and each lane's, with free models under their shared quota."""
    free_total = sum(lane.requests for lane in lanes if lane.free)
    fits_today = min(free_total, float(max(0, quota.remaining_today)))
    share = fits_today / free_total if free_total else 1.0
    sent = [lane.requests * share if lane.free else lane.requests for lane in lanes]
    # request-seconds of each lane (the run's concurrency) and free requests (the free pace)
    work = [n * lane.latency_s for n, lane in zip(sent, lanes, strict=True)]
    paid_work = [w for w, lane in zip(work, lanes, strict=True) if not lane.free]
    free_sent = [n for n, lane in zip(sent, lanes, strict=True) if lane.free]
    free_rate = quota.per_minute / quota.window_s
    by_model: dict[str, float] = {}
    quota_days: dict[str, float] = {}
    for lane, n, w in zip(lanes, sent, work, strict=True):
        bounds = [_lane_seconds(lane, n)]
        if n > 0 and lane.free:
            bounds.append(_shared_through(n, free_sent) / free_rate)
        elif n > 0:
            bounds.append(_shared_through(w, paid_work) / max(1, concurrency))
        by_model[lane.model] = max(bounds)
        if lane.free:
            quota_days[lane.model] = lane.requests / max(1, quota.per_day)
    free_s = fits_today / free_rate if fits_today else 0.0
    busy = sum(work) / max(1, concurrency)
    seconds = max([busy, free_s, *by_model.values()], default=0.0)
    return Duration(seconds, by_model, quota_days, round(free_total - fits_today))
