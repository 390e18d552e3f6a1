"""Seeded fault decisions: which injected fault (if any) a request meets.

One uniform draw u = hash(seed, body hash, occurrence, model) per candidate model; the fault
probabilities are laid out as consecutive slices of [0, 1) in a fixed order (status codes
ascending, then the HTTP 200 faults in `STREAM_FAULT_KINDS` order). The draw
depends only on the request body and how often that body was seen, so a retry of the same
body draws anew, and reruns of the same request sequence meet the same faults. An injected
HTTP error on one model of a `models` fallback list falls through to the next model.
"""

from __future__ import annotations

from dataclasses import dataclass

from orkit.sim._hashing import unit
from orkit.sim.config import STREAM_FAULT_KINDS, FaultProfile

__all__ = ["Fault", "FaultPlan"]


@dataclass(frozen=True)
class Fault:
    """A decided fault: `kind` is `status` (with `status`) or one of the stream kinds."""

    kind: str
    status: int = 0


class FaultPlan:
    """Decides faults for a `FaultProfile` under one seed."""

    def __init__(self, profile: FaultProfile | None, seed: int) -> None:
        self.profile = profile
        self.seed = seed
        self._slices: list[tuple[float, Fault]] = []
        if profile is None:
            return
        edge = 0.0
        for status in sorted(profile.status):
            edge += profile.status[status]
            self._slices.append((edge, Fault("status", status)))
        for kind in STREAM_FAULT_KINDS:
            edge += getattr(profile, kind)
            self._slices.append((edge, Fault(kind)))

    def decide(self, body_hash: str, occurrence: int, model_id: str) -> Fault | None:
        """The fault for this request, or None."""
        profile = self.profile
        if profile is None or (profile.models is not None and model_id not in profile.models):
            return None
        draw = unit(self.seed, "fault", body_hash, occurrence, model_id)
        for edge, fault in self._slices:
            if draw < edge:
                return fault
        return None
