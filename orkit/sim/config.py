"""Emulator options: `SimConfig`, `ModelProfile`, `ProviderProfile`; the faults it injects
are `orkit.sim.fault_profile` (`FaultProfile`, `FaultBurst`).

All of them are frozen dataclasses that round-trip through plain dicts (`from_dict` / `to_dict`),
so a config can be written as TOML or JSON, or handed to a child process.

Two time scales apply (both multiply *emulated* seconds into *real* seconds; 0 = instant):

- `time_scale` for latency: time to first token, token pacing, keep-alive intervals,
  `Retry-After` hints of injected faults.
- `window_scale` (defaults to `time_scale`) for windows: the free-tier minute and day,
  upstream token buckets, outage windows, the `/generation` stats delay. A window of length 0
  never fills, so with a scale of 0 no limit and no outage ever applies. Tests that want
  instant answers *and* real limits set `time_scale=0, window_scale=1`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orkit.sim._checks import check_non_negative, check_probability
from orkit.sim._dictconv import SimConfigError, from_mapping, to_plain
from orkit.sim.fault_profile import FaultProfile

__all__ = [
    "CANCELLING_PROVIDERS",
    "SIM_API_KEY",
    "SIM_MANAGEMENT_KEY",
    "FaultProfile",
    "ModelProfile",
    "ProviderProfile",
    "SimConfig",
    "SimConfigError",
]

SIM_API_KEY = "sk-or-v1-" + hashlib.sha256(b"orkit offline OpenRouter emulator").hexdigest()
"""The fake key orkit uses for `--endpoint sim` (any key works unless `api_keys` is set)."""
SIM_MANAGEMENT_KEY = "sk-or-v1-" + hashlib.sha256(b"orkit offline emulator management").hexdigest()
"""The fake management key `orkit key --endpoint sim` gives the in-process emulator."""

_DATA_COLLECTION = ("allow", "deny")

CANCELLING_PROVIDERS = frozenset(
    {
        "openai",
        "azure",
        "anthropic",
        "fireworks",
        "together",
        "deepinfra",
        "novita",
        "deepseek",
        "xai",
    }
)
"""Provider slugs that stop generating (and billing) when the client aborts a stream, per
OpenRouter's list; the others (Bedrock, Groq, Google, Mistral, ...) bill the full answer."""


def _check_rpm_changes(
    model: str, changes: tuple[tuple[float, float], ...], start: Mapping[str, float]
) -> None:
    if model not in start:
        raise ValueError(f"upstream_rpm_changes.{model}: needs upstream_rpm.{model} to start from")
    previous = 0.0
    for at_s, rpm in changes:
        if not at_s > previous:
            raise ValueError(
                f"upstream_rpm_changes.{model}: times must be > 0 and increasing, got {at_s}"
            )
        if rpm <= 0:
            raise ValueError(f"upstream_rpm_changes.{model}: rpm must be > 0, got {rpm}")
        previous = at_s


@dataclass(frozen=True)
class ProviderProfile:
    """One provider endpoint serving a model (an entry of `/models/{id}/endpoints`)."""

    name: str
    """Display name as responses show it in `provider` (`"DeepInfra"`, `"Google AI Studio"`)."""
    slug: str
    """Slug used in `provider.order/only/ignore` and the endpoint `tag` (`"deepinfra"`)."""
    latency_factor: float = 1.0
    """Multiplies the model's time to first token on this provider."""
    speed_factor: float = 1.0
    """Multiplies the model's output tokens per second on this provider."""
    quantization: str = "unknown"
    """Weights precision reported by the endpoint (`fp8`, `bf16`, `int4`, `unknown`, ...)."""
    price_multiplier: float = 1.0
    """Multiplies the snapshot's per-token and per-request prices (first provider: 1.0)."""
    data_collection: str = "deny"
    """`"allow"` if the provider may store/train on prompts (dropped by `data_collection: deny`)."""
    zdr: bool = False
    """Zero-data-retention endpoint (kept by `provider.zdr: true`)."""
    supported_parameters: tuple[str, ...] | None = None
    """Parameters this endpoint honours; None = all of the model's `supported_parameters`."""
    uptime_pct: float = 99.5
    """Uptime shown in `/endpoints` (`uptime_last_30m`); cosmetic."""
    cancellation: bool | None = None
    """Whether an aborted stream stops the generation (and its billing) on this provider;
    None = as OpenRouter lists the slug (`CANCELLING_PROVIDERS`; unlisted: no). Matters only
    with `SimConfig.bill_aborted`."""

    @property
    def cancels(self) -> bool:
        """`cancellation`, or OpenRouter's list when unset."""
        if self.cancellation is not None:
            return self.cancellation
        return self.slug in CANCELLING_PROVIDERS

    def __post_init__(self) -> None:
        if not self.name or not self.slug:
            raise ValueError("name/slug: must not be empty")
        for attr in ("latency_factor", "speed_factor", "price_multiplier"):
            if getattr(self, attr) <= 0:
                raise ValueError(f"{attr}: must be > 0, got {getattr(self, attr)}")
        if self.data_collection not in _DATA_COLLECTION:
            raise ValueError(
                f"data_collection: must be 'allow' or 'deny', got {self.data_collection!r}"
            )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProviderProfile:
        """Build from a plain dict (unknown keys are an error naming the key)."""
        return from_mapping(cls, data)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form, the inverse of `from_dict`."""
        out: dict[str, Any] = to_plain(self)
        return out


@dataclass(frozen=True)
class ModelProfile:
    """Behaviour of one model. Every field left None is derived from a hash of the model id.

    Derived defaults: `ttft_s` 0.25-1.6 s, `tokens_per_s` 25-220, `skill` from the snapshot's
    `benchmarks.artificial_analysis.intelligence_index` when present (else hash-based), clamped
    to 0.35-0.97, `verbosity` 60-400 tokens, and 1-3 providers with real names and slugs.
    """

    ttft_s: float | None = None
    """Emulated seconds to the first token (before provider latency factor and jitter)."""
    tokens_per_s: float | None = None
    """Emulated output tokens per second (before the provider speed factor)."""
    skill: float | None = None
    """Probability that a solvable question (see `orkit.sim.solvers`) is answered correctly."""
    verbosity: int | None = None
    """Mean length in tokens of answers to open prompts without a length cue (drawn from 0.5x
    to 1.5x of it; 2x-4x for "step by step", a few tokens for "one word": `orkit.sim.lengths`)."""
    providers: tuple[ProviderProfile, ...] | None = None
    """Endpoints serving the model, in default preference order; the first has snapshot prices."""

    def __post_init__(self) -> None:
        if self.ttft_s is not None:
            check_non_negative("ttft_s", self.ttft_s)
        if self.tokens_per_s is not None and self.tokens_per_s <= 0:
            raise ValueError(f"tokens_per_s: must be > 0, got {self.tokens_per_s}")
        if self.skill is not None:
            check_probability("skill", self.skill)
        if self.verbosity is not None and self.verbosity < 1:
            raise ValueError(f"verbosity: must be >= 1, got {self.verbosity}")
        if self.providers is not None and not self.providers:
            raise ValueError("providers: must list at least one provider")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelProfile:
        """Build from a plain dict (unknown keys are an error naming the key)."""
        return from_mapping(cls, data)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form, the inverse of `from_dict`."""
        out: dict[str, Any] = to_plain(self)
        return out


@dataclass(frozen=True)
class SimConfig:
    """Everything that shapes one emulator. Same config + seed + requests = same answers."""

    seed: int = 0
    """Seeds answers (right or wrong), filler text, provider picks and faults."""
    time_scale: float = 1.0
    """Real seconds per emulated second of latency (TTFT, token pacing); 0 = instant."""
    window_scale: float | None = None
    """Real seconds per emulated second of rate-limit/outage/stats windows; None = time_scale."""
    start_time: float | None = None
    """Emulated UTC epoch seconds at start (decides the free-tier day); None = real now."""
    api_keys: tuple[str, ...] | None = None
    """Accepted bearer keys (each its own account); None = accept any non-empty key."""
    credits_usd: float | None = None
    """Credits of each account; None = unlimited (no 402). Balance = credits - billed usage."""
    lifetime_purchases_usd: float | None = None
    """>= 10 unlocks 1000 free-model requests/day, else 50; None = credits_usd, else 10."""
    free_per_minute: int = 20
    """Requests per (scaled) minute across all `:free` models, per key."""
    keepalive_comment_every_s: float = 1.0
    """Emulated seconds between `: OPENROUTER PROCESSING` comments / JSON whitespace padding."""
    json_padding: bool = True
    """Non-stream bodies start with whitespace keep-alive padding, as real OpenRouter's do."""
    generation_stats_delay_s: float = 0.5
    """Emulated seconds after completion during which `GET /generation` still answers 404."""
    report_usage_cost: bool = True
    """Put `cost` (and `cost_details`) in each response's `usage`; False leaves them out, as
    some proxies and older OpenRouter paths do, so clients must ask `GET /generation`."""
    bill_aborted: bool = False
    """Bill generations the client never received whole, as OpenRouter does: a stream the
    client closes, or whose connection drops, stalls or is truncated, is billed for the
    completion tokens generated before the abort on a provider with cancellation
    (`ProviderProfile.cancellation`), and in full on one without; a non-streamed answer is
    billed in full. Zero-completion insurance holds (nothing generated yet, or a mid-stream
    error: no charge). `/generation` and the ledger show the charge. False: only answers
    delivered whole and truncated streams (in full) are billed."""
    models: Mapping[str, ModelProfile] = field(default_factory=dict)
    """Per-model behaviour overrides, keyed by model id (fields left None stay derived)."""
    faults: FaultProfile | None = None
    """Seeded fault injection; None = no faults."""
    upstream_rpm: Mapping[str, float] = field(default_factory=dict)
    """Per-model upstream limit in requests per emulated minute (token bucket, burst rpm/6)."""
    upstream_rpm_changes: Mapping[str, tuple[tuple[float, float], ...]] = field(
        default_factory=dict
    )
    """Per-model `[(at_s, rpm), ...]`: from `at_s` emulated seconds since start the model's
    upstream limit is `rpm` (a limit that moves mid-run, as a provider's does under load;
    the model needs an `upstream_rpm` to start from)."""
    rate_limit_hints: bool = True
    """429s say when to come back (`Retry-After`, `retry_after_seconds(_raw)`,
    `X-RateLimit-Reset`), as OpenRouter's usually do; False sends them bare, as some
    providers' pass-through 429s are, so a client must find the pace on its own."""
    outages: Mapping[str, tuple[tuple[float, float], ...]] = field(default_factory=dict)
    """Per-model `[(start_s, end_s), ...]` emulated seconds since start: requests fail with 502."""
    max_stall_s: float = 30.0
    """Real seconds a stall fault holds the connection before dropping it."""
    latency_jitter: float = 1.25
    """Each answer's time to first token is the endpoint's times a factor drawn in
    [1/latency_jitter, latency_jitter] (seeded); 1.0 = every answer exactly on time."""
    user_id: str = "user_2sim0rk1tEmu1at0rAcc0unt00"
    """Opaque account id echoed as top-level `user_id` in error bodies."""
    local_server: bool = False
    """Act as a local OpenAI-compatible server (llama.cpp, vLLM, Ollama) rather than
    OpenRouter: `/models` lists only the models of `models`, in OpenAI's shape (no prices),
    and OpenRouter's own endpoints (`/key`, `/auth/key`, `/credits`, `/generation`, the
    per-model endpoint lists) answer 404. No key is needed unless `api_keys` is set,
    answers name no `provider`, and `usage` has token counts only (no `cost`)."""
    stream_usage: bool = True
    """Send the `usage` chunk at the end of streams; False leaves it out even when the
    request asks for it (`stream_options.include_usage`), as llama.cpp, vLLM and Ollama
    often do."""
    json_usage: bool = True
    """Put `usage` in non-streamed answers; False leaves it out (some servers never count)."""
    max_concurrent: int | None = None
    """Serve at most this many chat requests at a time and queue the rest in arrival
    order, as llama.cpp does with its slots (1 by default there); None = no limit. The
    latency of a queued request includes its wait, as on the real server."""
    tool_args_invalid_rate: float = 0.0
    """Fraction of tool calls whose arguments break the tool's `parameters` schema (a
    required property left out, else one of the wrong type; malformed JSON when the schema
    takes anything): negative cases for argument-validity scorers. Seeded per call."""
    structured_invalid_rate: float = 0.0
    """Fraction of json_schema answers that break their schema the same way (the answer's
    value is still in it when it can be): negative cases for schema scorers."""
    default_reasoning: bool = False
    """Reason without being asked on models whose catalog entry makes reasoning mandatory or
    on by default, as OpenRouter does; False (the default) reasons only when the request
    asks (`reasoning`, `reasoning_effort`, `include_reasoning`), so plain requests stay plain."""
    management_keys: tuple[str, ...] = ()
    """Management (provisioning) keys of the account: only they may call `/keys` (create,
    list, change and delete inference keys), `/activity` and, once any is set, `/credits`;
    inference endpoints refuse them (401). Keys they create are inference keys of the
    account with their own spending `limit` (`orkit.sim.keys`). Empty: no key management
    (and `/credits` answers any key, as before)."""
    byok_providers: tuple[str, ...] = ()
    """Providers (slug like `"openai"` or display name like `"OpenAI"`, any case) the account
    has its own key for (BYOK): their answers say `usage.is_byok: true`, the provider's price
    is `cost_details.upstream_inference_cost`, and `usage.cost` (what OpenRouter bills, and
    what the ledger counts as spend) is only the BYOK fee on it (`pricing.BYOK_FEE_RATE`).
    The ledger keeps the upstream cost apart (`byok_upstream_usd`)."""

    def __post_init__(self) -> None:
        # Accept plain dicts for the nested options, as from_dict does.
        faults: object = self.faults
        if isinstance(faults, Mapping):
            object.__setattr__(self, "faults", FaultProfile.from_dict(faults))
        models = {
            k: ModelProfile.from_dict(v) if isinstance(v, Mapping) else v
            for k, v in self.models.items()
        }
        object.__setattr__(self, "models", models)
        for name in ("time_scale", "window_scale", "credits_usd", "lifetime_purchases_usd"):
            check_non_negative(name, getattr(self, name))
        for name in ("generation_stats_delay_s", "max_stall_s"):
            check_non_negative(name, getattr(self, name))
        for name in ("tool_args_invalid_rate", "structured_invalid_rate"):
            check_probability(name, getattr(self, name))
        if self.latency_jitter < 1.0:
            raise ValueError(f"latency_jitter: must be >= 1, got {self.latency_jitter}")
        if self.keepalive_comment_every_s <= 0:
            raise ValueError("keepalive_comment_every_s: must be > 0")
        if self.free_per_minute < 0:
            raise ValueError(f"free_per_minute: must be >= 0, got {self.free_per_minute}")
        if self.max_concurrent is not None and self.max_concurrent < 1:
            raise ValueError(f"max_concurrent: must be >= 1, got {self.max_concurrent}")
        if self.local_server and not self.models:
            raise ValueError("local_server: needs `models`, the models the server serves")
        if not all(isinstance(k, str) and k for k in self.management_keys):
            raise ValueError("management_keys: keys must be non-empty strings")
        if self.api_keys is not None and not all(self.api_keys):
            raise ValueError("api_keys: keys must be non-empty strings")
        for model, rpm in self.upstream_rpm.items():
            if rpm <= 0:
                raise ValueError(f"upstream_rpm.{model}: must be > 0, got {rpm}")
        for model, changes in self.upstream_rpm_changes.items():
            _check_rpm_changes(model, changes, self.upstream_rpm)
        for model, windows in self.outages.items():
            for start, end in windows:
                if not 0 <= start < end:
                    raise ValueError(f"outages.{model}: need 0 <= start < end, got {start}, {end}")

    @property
    def usage_has_cost(self) -> bool:
        """Whether `usage` carries `cost`: OpenRouter's does (unless `report_usage_cost` is
        off); a local server's never does, it bills nobody."""
        return self.report_usage_cost and not self.local_server

    def is_byok(self, provider_slug: str, provider_name: str) -> bool:
        """Whether a provider is served with the user's own key (`byok_providers`)."""
        names = {p.casefold() for p in self.byok_providers}
        return provider_slug.casefold() in names or provider_name.casefold() in names

    @property
    def effective_window_scale(self) -> float:
        """The scale applied to windows (`window_scale`, or `time_scale` when unset)."""
        return self.time_scale if self.window_scale is None else self.window_scale

    @property
    def effective_lifetime_purchases(self) -> float:
        """Lifetime purchases deciding the free daily limit (see `lifetime_purchases_usd`)."""
        if self.lifetime_purchases_usd is not None:
            return self.lifetime_purchases_usd
        return self.credits_usd if self.credits_usd is not None else 10.0

    @property
    def free_per_day(self) -> int:
        """Free-model requests per day: 1000 with >= 10 USD lifetime purchases, else 50."""
        return 1000 if self.effective_lifetime_purchases >= 10 else 50

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SimConfig:
        """Build from a plain dict, e.g. a parsed TOML/JSON file; errors name the field."""
        return from_mapping(cls, data)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-serialisable), the inverse of `from_dict`."""
        out: dict[str, Any] = to_plain(self)
        return out
