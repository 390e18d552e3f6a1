"""Seeded fault decisions: which injected fault (if any) a request meets.

One uniform draw u = hash(seed, body hash, occurrence, model) per candidate model; the fault
probabilities are laid out as consecutive slices of [0, 1) in a fixed order (status codes
ascending, then the HTTP 200 faults in `STREAM_FAULT_KINDS` order). The draw
depends only on the request body (as the model reads it: prompt-cache markers aside,
`orkit.sim.seeding`) and how often that body was seen, so a retry of the same body draws
anew, and reruns of the same request sequence meet the same faults. An injected
HTTP error on one model of a `models` fallback list falls through to the next model.

Bursts (`FaultBurst`) are checked first, each with a draw of its own: inside its window a
request to a model it covers fails at the burst's rates however often it is retried, which
is what correlated failures look like to a client (a model, and maybe its fallback, down
for seconds at once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orkit.sim._hashing import unit
from orkit.sim.fault_profile import STREAM_FAULT_KINDS, FaultBurst, FaultProfile

__all__ = ["Fault", "FaultPlan"]


@dataclass(frozen=True)
class Fault:
    """A decided fault: `kind` is `status` (with `status`) or one of the stream kinds."""

    kind: str
    status: int = 0
    retry_after_s: float | None = None
    """Emulated seconds its 429/503 advertise (a burst's own); None = the profile's."""


_Slices = list[tuple[float, Fault]]


def _status_slices(status: Mapping[int, float], retry_after_s: float | None = None) -> _Slices:
    slices: _Slices = []
    edge = 0.0
    for code in sorted(status):
        edge += status[code]
        slices.append((edge, Fault("status", code, retry_after_s)))
    return slices


def _pick(slices: _Slices, draw: float) -> Fault | None:
    for edge, fault in slices:
        if draw < edge:
            return fault
    return None


class FaultPlan:
    """Decides faults for a `FaultProfile` under one seed."""

    def __init__(self, profile: FaultProfile | None, seed: int) -> None:
        self.profile = profile
        self.seed = seed
        self._slices: _Slices = []
        self._bursts: list[tuple[FaultBurst, _Slices]] = []
        if profile is None:
            return
        self._slices = _status_slices(profile.status)
        edge = self._slices[-1][0] if self._slices else 0.0
        for kind in STREAM_FAULT_KINDS:
            edge += getattr(profile, kind)
            self._slices.append((edge, Fault(kind)))
        self._bursts = [(b, _status_slices(b.status, b.retry_after_s)) for b in profile.bursts]

    def decide(
        self,
        body_hash: str,
        occurrence: int,
        model_id: str,
        *,
        provider_slug: str = "",
        elapsed_s: float | None = None,
    ) -> Fault | None:
        """The fault for this request, or None. `elapsed_s` (emulated seconds since the
        emulator started; None = windows do not apply) decides which bursts are on."""
        profile = self.profile
        if profile is None:
            return None
        if elapsed_s is not None:
            for index, (burst, slices) in enumerate(self._bursts):
                if burst.covers(elapsed_s, model_id, provider_slug):
                    draw = unit(self.seed, "burst", index, body_hash, occurrence, model_id)
                    fault = _pick(slices, draw)
                    if fault is not None:
                        return fault
        if profile.models is not None and model_id not in profile.models:
            return None
        return _pick(self._slices, unit(self.seed, "fault", body_hash, occurrence, model_id))
