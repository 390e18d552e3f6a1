"""The paid spill of a free model's fallback chain, in numbers.

A `:free` model's requests past today's free-model quota are answered by the first paid
model of its fallback chain (its `models` list, then the sweep's client-side `fallbacks`)
and billed at that model's price: OpenRouter falls back on the quota's 429 as on any error,
and orkit sends such a request instead of leaving it for tomorrow
(`orkit.router.spills_to_paid`). The free models whose chain holds no paid model leave
theirs for a resume, as before.

Which requests are past the quota: the sweep's free models share what is left today, and
the engine spends it the way its lanes run, one lane per model, all waiting their turn in
one queue at the free-model pace: each free model takes the quota at the same pace until
it has sent all of its requests (an equal share, the rest going to the others). That is the
expected split; how the quota falls between two free models can differ a little from it
(lanes start and finish unevenly), so a model's low end assumes it got all the quota it
could, its high end the least it could. One free model alone spills exactly its requests
past the quota.

The per-minute limit: OpenRouter's `models` fallback fires on its 429 too, but orkit keeps
`:free` requests under it (20 in any minute, counted from its own sends), so none is
expected to spill that way; the high end prices every request at the dearest model of its
chain anyway (any error may fall back), which covers it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from orkit._format import count, usd
from orkit.cost import FreeQuota, LaneLoad, LineEstimate

__all__ = [
    "FallbackPricer",
    "SpillCount",
    "first_paid",
    "quota_shares",
    "spill_counts",
    "spill_notes",
    "with_spill",
]

FallbackPricer = Callable[[str, int, str], tuple[LineEstimate, float]]
"""(free model, params set index, paid model) → that model's line for the free model's
requests with those params, and how many of them are sent (cache hits excluded)."""


@dataclass(frozen=True, slots=True)
class SpillCount:
    """Requests of one free model past its part of today's quota."""

    low: float
    expected: float
    high: float


def first_paid(chain: Sequence[str], is_free: Callable[[str], bool]) -> str | None:
    """The model a request past the free quota goes to: the first paid one of its chain
    (a free fallback is refused by the same account-wide quota)."""
    return next((m for m in chain if not is_free(m)), None)


def quota_shares(sent: Mapping[str, float], remaining: float) -> dict[str, float]:
    """Each free model's expected part of the quota left today: equal shares, a model
    that sends fewer requests than its share leaving the rest to the others."""
    shares = dict.fromkeys(sent, 0.0)
    left = max(0.0, float(remaining))
    open_ = sorted((m for m in sent if sent[m] > 0), key=lambda m: sent[m])
    while open_ and left > 0:
        each = left / len(open_)
        model = open_[0]
        if sent[model] <= each:  # the smallest takes all it sends; the others share the rest
            shares[model] = sent[model]
            left -= sent[model]
            open_.pop(0)
            continue
        for model in open_:
            shares[model] = each
        left = 0.0
    return shares


def spill_counts(sent: Mapping[str, float], remaining: float) -> dict[str, SpillCount]:
    """Each free model's requests past its part of the quota: expected with equal shares,
    at least what is past all of it, at most what the others leave it."""
    total = sum(sent.values())
    over = max(0.0, total - max(0.0, float(remaining)))
    shares = quota_shares(sent, remaining)
    return {
        model: SpillCount(
            low=max(0.0, n - max(0.0, float(remaining))),
            expected=n - shares[model],
            high=min(n, over),
        )
        for model, n in sent.items()
    }


def with_spill(
    lines: Sequence[LineEstimate],
    lanes: Sequence[LaneLoad],
    quota: FreeQuota,
    paid: Mapping[str, Sequence[str | None]],
    price: FallbackPricer,
) -> tuple[list[LineEstimate], FreeQuota]:
    """The lines of free models with a paid fallback (`paid`: per params set, `first_paid`
    of its chain) with their spill priced in, and the quota the duration should plan with:
    the spilled requests are sent today (at the free pace: the router paces them as the
    free model's), so they are not deferred."""
    sent = {lane.model: lane.requests for lane in lanes if lane.free}
    counts = spill_counts(sent, quota.remaining_today)
    out = []
    spilled = 0.0
    for line in lines:
        chain = paid.get(line.model)
        if line.role != "model" or not chain or line.model not in counts or not any(chain):
            out.append(line)
            continue
        share = counts[line.model]
        n = sent[line.model]
        low = expected = high = requests = 0.0
        known = True  # a router's price (`openrouter/auto`) is that of the model it picks
        for k, model in enumerate(chain):
            if model is None:
                continue
            fallback, fallback_sent = price(line.model, k, model)
            known = known and fallback.price_known
            fraction = _fraction(share, n)
            low += fraction[0] * fallback.cost_low_usd
            expected += fraction[1] * fallback.cost_expected_usd
            high += fraction[2] * fallback.cost_high_usd
            requests += fraction[1] * fallback_sent
        spilled += requests
        others_high = (1.0 - _fraction(share, n)[2]) * line.cost_high_usd
        out.append(
            replace(
                line,
                cost_low_usd=line.cost_low_usd + low,
                cost_expected_usd=line.cost_expected_usd + expected,
                cost_high_usd=max(line.cost_high_usd, high + others_high),
                spill_requests=round(requests),
                spill_model=", ".join(dict.fromkeys(m for m in chain if m is not None)),
                spill_usd=expected if known else None,
            )
        )
    return out, replace(quota, remaining_today=quota.remaining_today + round(spilled))


def _fraction(share: SpillCount, sent: float) -> tuple[float, float, float]:
    """The low, expected and high share of a model's sent requests that spill."""
    if sent <= 0:
        return 0.0, 0.0, 0.0
    return share.low / sent, share.expected / sent, share.high / sent


def spill_notes(lines: Sequence[LineEstimate], quota: FreeQuota) -> list[str]:
    """A line per free model with a paid fallback: how many of its requests are expected
    to spill to it, and what they cost (none when it has none)."""
    mine = [line for line in lines if line.spill_requests is not None]
    out = []
    for line in mine:
        n = line.spill_requests or 0
        to = f"paid {line.spill_model}"
        if n:
            out.append(
                f"{line.model}: {count(n)} of {count(line.sent)} requests expected to spill "
                f"to {to}: {usd(line.spill_usd)}"
            )
        else:
            out.append(
                f"{line.model}: none of {count(line.sent)} requests expected to spill to {to} "
                "(today's free quota covers them)"
            )
    if mine:
        out.append(
            f"spill: {count(quota.remaining_today)} free-model requests are left today, shared "
            "by the free models; past them, a request goes to the first paid model of its "
            "fallback chain and is billed at its price. orkit keeps free requests under "
            f"{quota.per_minute} a minute, so that limit is not expected to spill; the high "
            "end prices every request at its chain's dearest (any error may fall back)"
        )
    return out
