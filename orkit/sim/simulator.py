"""`Simulator`: all state of one emulator instance (the app holds it as `app.state.sim`).

Immutable parts (catalog, model runtimes, solvers, fault slices) are built once; mutable
parts (accounts, counters, limiter buckets, generation records, seen-body counts) live in
plain attributes that `reset()` replaces.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import anyio

from orkit.sim._dictconv import SimConfigError
from orkit.sim.aborts import settlement
from orkit.sim.caching import PromptCache
from orkit.sim.catalog import Catalog
from orkit.sim.clock import SimClock
from orkit.sim.config import ModelProfile, SimConfig
from orkit.sim.errors import SimError, unauthorized, without_retry_hints
from orkit.sim.faults import FaultPlan
from orkit.sim.generation import GenerationFacts
from orkit.sim.ledger import Accounts, GenerationStore, Stats
from orkit.sim.limits import FreeTier, UpstreamBuckets
from orkit.sim.planner import ChatPlan, plan_chat
from orkit.sim.rich_answers import RichOptions
from orkit.sim.routing import Router
from orkit.sim.runtime import ProfileBook
from orkit.sim.solvers import Solvers

__all__ = ["Simulator"]


class Simulator:
    """One emulated OpenRouter: configuration, catalog, and everything requests change."""

    def __init__(
        self,
        config: SimConfig | None = None,
        *,
        catalog: Catalog | None = None,
        time_fn: Callable[[], float] | None = None,
    ) -> None:
        self.config = config = config or SimConfig()
        self.catalog = catalog or Catalog.bundled()
        self.clock = SimClock(
            time_scale=config.time_scale,
            window_scale=config.effective_window_scale,
            start_time=config.start_time,
            time_fn=time_fn,
        )
        _check_fault_models(config, self.catalog)
        self.book = ProfileBook(self.catalog, config.models)
        self.router = Router(self.catalog, self.book, self.config.is_byok)
        self.solvers = Solvers.load()
        self.rich_options = RichOptions(
            tool_args_invalid_rate=config.tool_args_invalid_rate,
            structured_invalid_rate=config.structured_invalid_rate,
            default_reasoning=config.default_reasoning,
        )
        self.faults = FaultPlan(config.faults, config.seed)
        self.free_tier = FreeTier(
            self.clock, config.free_per_minute, config.free_per_day, config.user_id
        )
        self.slots = anyio.Semaphore(config.max_concurrent) if config.max_concurrent else None
        """Serving slots of a server that answers N requests at a time (None: no limit)."""
        self.models_body: bytes | None = None
        """Cached `/models` body without filters (built on first request)."""
        self._new_state()

    def _new_state(self) -> None:
        self.stats = Stats()
        self.accounts = Accounts()
        self.generations = GenerationStore()
        self.upstream = UpstreamBuckets(
            self.clock, self.config.upstream_rpm, self.config.upstream_rpm_changes
        )
        self._seen: dict[str, int] = {}
        self._sequence = 0
        self.prompt_cache = PromptCache()

    def reset(self) -> None:
        """Forget every request: counters, accounts, limits, generations, prompt caches;
        restart the clock."""
        self.clock.restart()
        self._new_state()

    def occurrence(self, body_hash: str) -> int:
        """How many times this body was seen before (and count this one)."""
        seen = self._seen.get(body_hash, 0)
        self._seen[body_hash] = seen + 1
        return seen

    def next_sequence(self) -> int:
        """A counter that makes generation ids unique."""
        self._sequence += 1
        return self._sequence

    def authenticate(self, authorization: str | None) -> str:
        """The API key of an `Authorization` header, or raise the real 401."""
        scheme, _, key = (authorization or "").strip().partition(" ")
        key = key.strip()
        if self.config.local_server and self.config.api_keys is None:
            return key or "local"  # a local server started without --api-key takes anyone
        if scheme.lower() != "bearer" or not key:
            raise unauthorized("Missing Authentication header")
        if self.config.api_keys is not None and key not in self.config.api_keys:
            raise unauthorized("User not found.")
        return key

    def plan_chat(self, key: str, raw: bytes) -> ChatPlan:
        """Decide a chat completion (raises `SimError` for HTTP errors)."""
        try:
            return plan_chat(self, key, raw)
        except SimError as exc:
            if exc.status == 429 and not self.config.rate_limit_hints:
                raise without_retry_hints(exc) from None
            raise

    def window_elapsed(self) -> float | None:
        """Emulated seconds since start, the unit of outage and burst windows; None when
        windows are off (a window scale of 0)."""
        if self.clock.window_scale <= 0:
            return None
        return self.clock.emulated_since_start()

    def in_outage(self, model_id: str) -> bool:
        """Whether `model_id` is inside one of its configured outage windows now."""
        windows = self.config.outages.get(model_id)
        elapsed = self.window_elapsed()
        if not windows or elapsed is None:
            return False
        return any(start <= elapsed < end for start, end in windows)

    def settle(self, plan: ChatPlan, outcome: str, generated: int = 0) -> None:
        """Record how a planned completion ended, after `generated` completion tokens, and
        bill it as `aborts.settlement` says: a delivered answer, a truncated stream (it ran
        to its end upstream), and with `bill_aborted` every generation cut off on the way."""
        booked = settlement(plan, outcome, generated, bill_aborted=self.config.bill_aborted)
        delivered = outcome == "200"
        self.stats.by_status[outcome] += 1
        if delivered:
            self.stats.delivered_count += 1
            self.stats.delivered_by_body_hash[plan.request.body_hash] += 1
            self.stats.served_by_model[plan.model_id] += 1
        charge = booked.charge
        if charge is not None and (charge.cached_tokens or charge.cache_write_tokens):
            self.stats.cache(plan.account, charge.cached_tokens, charge.cache_write_tokens)
        if charge is not None and (not charge.insured or charge.total > 0):
            upstream = charge.upstream if charge.byok else None
            day = self.clock.emulated_day()
            plan.account.bill(charge.total, day, byok_upstream=upstream or Decimal(0))
            self.stats.bill(
                plan.request.body_hash, charge.total, aborted=not delivered, byok_upstream=upstream
            )
        ready = self.clock.now() + self.clock.window(self.config.generation_stats_delay_s)
        self.generations.add(ready, GenerationFacts.from_plan(plan, booked, outcome))

    def profile(self, model_id: str) -> ModelProfile:
        """The resolved behaviour profile of a snapshot model id (KeyError if unknown)."""
        return self.book.get(model_id).profile

    def stats_json(self) -> dict[str, Any]:
        """The `/_sim/stats` body."""
        return self.stats.to_json(self.accounts.all())


def _check_fault_models(config: SimConfig, catalog: Catalog) -> None:
    """A fault aimed at a model the emulator does not serve would never fire, and a typo
    would look like a run that weathered the fault: refuse it, naming the entry."""
    faults = config.faults
    if faults is None:
        return
    aimed = [("faults.models", faults.models)]
    aimed += [(f"faults.bursts[{i}].models", b.models) for i, b in enumerate(faults.bursts)]
    for where, models in aimed:
        for model in models or ():
            if model not in config.models and catalog.lookup(model) is None:
                raise SimConfigError(f"{where}: {model!r} is not a model this emulator serves")
