"""Which faults an emulator injects: `FaultProfile` (seeded rates per request) and
`FaultBurst` (windows of correlated errors). The draw itself is `orkit.sim.faults`.

Both are frozen dataclasses that round-trip through plain dicts, like the rest of
`orkit.sim.config` (`SimConfig.faults` holds a `FaultProfile`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orkit.sim._checks import check_non_negative, check_probability
from orkit.sim._dictconv import from_mapping, to_plain

__all__ = ["FAULT_STATUSES", "STREAM_FAULT_KINDS", "FaultBurst", "FaultProfile"]

FAULT_STATUSES = frozenset({400, 401, 402, 403, 404, 408, 429, 500, 502, 503, 504, 524, 529})
"""HTTP statuses a `FaultProfile` can inject, each with its real OpenRouter error body."""

STREAM_FAULT_KINDS = (
    "mid_stream_error",
    "drop_connection",
    "stall",
    "empty_completion",
    # Later additions go last: the draw's slices are laid out in this order, so appending
    # keeps every existing seed meeting the same faults.
    "truncated_stream",
    "garbage_body",
    "stall_after_headers",
)
"""`FaultProfile` fields of faults acted out on an HTTP 200, in the order of their slices."""


def _check_status_rates(status: Mapping[int, float]) -> None:
    """Each `{status: probability}` entry: an injectable status at a probability. (Whether
    they sum to at most 1 is each owner's check: a profile adds its other faults.)"""
    for code, p in status.items():
        if code not in FAULT_STATUSES:
            raise ValueError(f"status.{code}: cannot inject status {code}")
        check_probability(f"status.{code}", p)


@dataclass(frozen=True)
class FaultBurst:
    """A window of correlated HTTP errors: from `start_s` to `end_s` (emulated seconds since
    the emulator started, scaled by `window_scale` like outages), requests to the listed
    models (and providers) meet `status` at these rates, drawn apart from the profile's own
    faults, so a retry inside the window is as likely to fail as the first try. Several
    bursts may cover one model (the first that draws a fault wins); list a model and its
    fallback in one burst to make both fail together."""

    start_s: float
    end_s: float
    status: Mapping[int, float]
    """`{status: probability}` inside the window (1.0 = every request fails)."""
    models: tuple[str, ...] | None = None
    """Model ids (as served) the burst hits; None = every model."""
    providers: tuple[str, ...] | None = None
    """Provider slugs the burst hits; None = every provider."""
    retry_after_s: float | None = None
    """Emulated seconds its 429/503 advertise; None = the profile's `retry_after_s`."""

    def __post_init__(self) -> None:
        # Named relative to the burst: a config file's loader puts `faults.bursts[i]` first.
        if not 0 <= self.start_s < self.end_s:
            raise ValueError(
                f"start_s: need 0 <= start_s < end_s, got {self.start_s} and {self.end_s}"
            )
        _check_status_rates(self.status)
        if sum(self.status.values()) > 1.0 + 1e-9:
            raise ValueError(f"status: probabilities sum to {sum(self.status.values()):.3f} > 1")
        check_non_negative("retry_after_s", self.retry_after_s)

    def covers(self, elapsed_s: float, model_id: str, provider_slug: str) -> bool:
        """Whether a request at `elapsed_s` to this model on this provider is in the burst."""
        return (
            self.start_s <= elapsed_s < self.end_s
            and (self.models is None or model_id in self.models)
            and (self.providers is None or provider_slug in self.providers)
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultBurst:
        """Build from a plain dict (status keys may be strings, as in TOML/JSON)."""
        return from_mapping(cls, data)


@dataclass(frozen=True)
class FaultProfile:
    """Seeded fault injection for `POST /chat/completions`.

    Each request draws one uniform number from (seed, hash of the body, how many times this
    same body was seen before), so a retry of the same body draws again and can succeed, and
    the same request sequence always meets the same faults. Probabilities are cumulative
    slices of [0, 1): their sum must not exceed 1.
    """

    status: Mapping[int, float] = field(default_factory=dict)
    """`{status: probability}` of answering with that HTTP error and its real body."""
    mid_stream_error: float = 0.0
    """HTTP 200, then failure after some content: streams end with an `error` event and no
    `[DONE]`; JSON bodies carry `finish_reason: "error"` and a choice `error` (cost 0)."""
    drop_connection: float = 0.0
    """Close the connection in the middle of the body (client sees a protocol error)."""
    stall: float = 0.0
    """Stop sending mid-body and hold the connection (up to `SimConfig.max_stall_s`)."""
    empty_completion: float = 0.0
    """HTTP 200 with empty content, 0 completion tokens and a null finish reason (cost 0)."""
    truncated_stream: float = 0.0
    """HTTP 200, then the connection is cut right after the first chunk (the role chunk of a
    stream, which carries the generation id; the first half of a JSON body). Broken on the
    way, not cancelled by the client: the generation runs to its end upstream and is billed
    in full, and `/generation` reports its cost, as OpenRouter does."""
    garbage_body: float = 0.0
    """HTTP 200 with an HTML body (`text/html`), as a misconfigured proxy or captive portal
    answers, whether or not the request streamed. Not billed."""
    stall_after_headers: float = 0.0
    """HTTP 200 headers, then not a byte, held up to `SimConfig.max_stall_s`, then dropped
    (the stall a read timeout on the whole response cannot tell from a slow model). Not
    billed: the client's disconnect cancels the generation."""
    models: tuple[str, ...] | None = None
    """Model ids (as served) the faults apply to; None = every model."""
    retry_after_s: float = 2.0
    """Emulated seconds advertised by injected 429/503 (`Retry-After`, scaled by time_scale)."""
    bursts: tuple[FaultBurst, ...] = ()
    """Windows of correlated HTTP errors (`FaultBurst`), checked before the rates above."""

    def __post_init__(self) -> None:
        _check_status_rates(self.status)
        bursts = tuple(
            FaultBurst.from_dict(b) if isinstance(b, Mapping) else b for b in self.bursts
        )
        object.__setattr__(self, "bursts", bursts)
        for name in STREAM_FAULT_KINDS:
            check_probability(name, getattr(self, name))
        if self.total_probability() > 1.0 + 1e-9:
            raise ValueError(f"probabilities: sum to {self.total_probability():.3f} > 1")
        check_non_negative("retry_after_s", self.retry_after_s)

    def total_probability(self) -> float:
        """Sum of all fault probabilities (the chance that a request meets some fault)."""
        extra: float = sum(getattr(self, name) for name in STREAM_FAULT_KINDS)
        return sum(self.status.values()) + extra

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultProfile:
        """Build from a plain dict (status keys may be strings, as in TOML/JSON)."""
        return from_mapping(cls, data)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form, the inverse of `from_dict`."""
        out: dict[str, Any] = to_plain(self)
        return out
