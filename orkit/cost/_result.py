"""The estimate of a sweep as a value: one line per model (and per judge model), a total,
the duration, the budget verdict and where the prices came from (layer 2).

`Estimate.to_pandas()` is the DataFrame form, `to_dict()` what manifests and `--json` hold,
and `str()` the table `orkit estimate` prints.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from orkit._format import count, usd

__all__ = ["Estimate", "LineEstimate", "budget_verdict", "format_duration", "format_usd"]


@dataclass(frozen=True, slots=True)
class LineEstimate:
    """One model's requests (or one judge model's) in the estimate."""

    model: str
    role: str
    """`model` (the sweep's own requests) or `judge` (LLM-judge scorer calls)."""
    requests: int
    """Requests in the grid, cache hits included."""
    cache_hits: int
    """Requests expected to be answered by the response cache (free, nothing sent)."""
    prompt_tokens: int
    completion_tokens: int
    """Expected completion tokens (reasoning included)."""
    cost_low_usd: float
    cost_expected_usd: float
    cost_high_usd: float
    duration_s: float | None = None
    quota_days: float | None = None
    """Free models: these requests in days of the daily free-model quota."""
    price_source: str = "catalog"
    output_source: str = "default"
    free: bool = False
    scorer: str | None = None
    """A judge line's scorer: two judges on one model are two lines, each named by it."""
    price_known: bool = True
    """False for a model the catalog lists without a price (a router such as
    `openrouter/auto` bills the model it picks per request): its costs are unknown, shown so
    and null in `to_dict()`, and the totals say they leave it out."""
    reasoning_tokens: int | None = None
    """Expected reasoning tokens: part of `completion_tokens`, billed as output (None:
    unknown; judges' lines say nothing of it)."""
    byok_upstream_usd: float | None = None
    """BYOK (`Sweep.byok`): what the provider is expected to bill your own key, not in the
    costs above (they are OpenRouter's fee on it); None for a line OpenRouter bills in full."""
    cached_tokens: int | None = None
    """Prompt caching: the prompt tokens expected to be read from the provider's cache (None:
    the model cannot cache, or a judge's line); the costs above include it."""
    cache_write_tokens: int | None = None
    """The prompt tokens expected to be written to the cache at its write price."""
    cache_hit_rate: float | None = None
    """`cached_tokens` over `prompt_tokens`."""
    cache_savings_usd: float | None = None
    """What caching is expected to save against plain prompt prices (negative: writes cost
    more than reads save)."""
    cache_write_usd: float | None = None
    """What the expected cache writes cost."""
    spill_requests: int | None = None
    """A `:free` model with a paid fallback: its requests expected past today's free quota,
    answered and billed by `spill_model` (`orkit.estimate._spill`); None for other lines."""
    spill_model: str | None = None
    """The paid fallback those requests spill to (the first paid model of the chain)."""
    spill_usd: float | None = None
    """The expected cost of the spilled requests, inside `cost_expected_usd`."""

    @property
    def sent(self) -> int:
        return self.requests - self.cache_hits


def budget_verdict(budget_usd: float | None, expected: float, high: float) -> str:
    """`fits` (even the high estimate), `may exceed` (expected fits, high does not),
    `exceeds` (expected does not), or `no budget`."""
    if budget_usd is None:
        return "no budget"
    if high <= budget_usd:
        return "fits"
    if expected <= budget_usd:
        return "may exceed"
    return "exceeds"


@dataclass(frozen=True)
class Estimate:
    """A sweep's cost and duration before it runs."""

    lines: Sequence[LineEstimate]
    duration_s: float
    budget_usd: float | None
    prices: str
    """Where prices came from: `OpenRouter /models fetched ...`, `the bundled snapshot of ...`."""
    notes: Sequence[str] = field(default_factory=tuple)
    deferred_free_requests: int = 0
    """Free-model requests past today's daily quota (a run leaves them for a resume)."""
    pilot: dict[str, Any] | None = None
    """The pilot run behind the output lengths, if any: run dir, requests, cost."""
    seconds_to_estimate: float | None = None
    compared_items: int = 0
    """Items two models are compared on (rows × prompt variants × params sets)."""
    detectable_difference: float | None = None
    """The smallest difference in accuracy between two models that a paired test on
    `compared_items` detects with 80% power at α = 0.05 (`orkit.stats`), in the widest
    case (independent errors at 50% accuracy); None with fewer than two models."""
    prices_known: bool = True
    """False when the server lists no prices (a self-hosted model): the costs are then
    unknown, shown as such and null in `to_dict()`, though 0 is all that can be compared
    against a budget or `--confirm-above`."""

    @property
    def cost_low_usd(self) -> float:
        return sum(line.cost_low_usd for line in self.lines)

    @property
    def cost_expected_usd(self) -> float:
        return sum(line.cost_expected_usd for line in self.lines)

    @property
    def cost_high_usd(self) -> float:
        return sum(line.cost_high_usd for line in self.lines)

    @property
    def requests(self) -> int:
        return sum(line.requests for line in self.lines)

    @property
    def verdict(self) -> str:
        if not self.prices_known and self.budget_usd is not None:
            return "cost unknown"
        return budget_verdict(self.budget_usd, self.cost_expected_usd, self.cost_high_usd)

    def line(self, model: str, role: str = "model", *, scorer: str | None = None) -> LineEstimate:
        """The line of `model` in `role`; of the judge `scorer` when several use `model`."""
        for line in self.lines:
            if line.model == model and line.role == role and scorer in (None, line.scorer):
                return line
        raise KeyError(model)

    def to_dict(self) -> dict[str, Any]:
        out = self._as_dict()
        if not self.prices_known:  # unknown is null, never 0
            for part in (*out["lines"], out["total"]):
                part.update(dict.fromkeys(_COST_KEYS))
        for part in out["lines"]:
            if not part["price_known"]:
                part.update(dict.fromkeys(_COST_KEYS))
        return out

    def _as_dict(self) -> dict[str, Any]:
        return {
            "lines": [asdict(line) for line in self.lines],
            "total": {
                "requests": self.requests,
                "cache_hits": sum(line.cache_hits for line in self.lines),
                "prompt_tokens": sum(line.prompt_tokens for line in self.lines),
                "completion_tokens": sum(line.completion_tokens for line in self.lines),
                "reasoning_tokens": _known_sum(line.reasoning_tokens for line in self.lines),
                "byok_upstream_usd": _known_sum(line.byok_upstream_usd for line in self.lines),
                "cached_tokens": _known_sum(line.cached_tokens for line in self.lines),
                "cache_write_tokens": _known_sum(line.cache_write_tokens for line in self.lines),
                "cache_savings_usd": _known_sum(line.cache_savings_usd for line in self.lines),
                "cache_write_usd": _known_sum(line.cache_write_usd for line in self.lines),
                "spill_requests": _known_sum(line.spill_requests for line in self.lines),
                "spill_usd": _known_sum(line.spill_usd for line in self.lines),
                "cost_low_usd": self.cost_low_usd,
                "cost_expected_usd": self.cost_expected_usd,
                "cost_high_usd": self.cost_high_usd,
                "duration_s": self.duration_s,
            },
            "budget_usd": self.budget_usd,
            "verdict": self.verdict,
            "prices": self.prices,
            "notes": list(self.notes),
            "deferred_free_requests": self.deferred_free_requests,
            "pilot": self.pilot,
            "compared_items": self.compared_items,
            "detectable_difference": self.detectable_difference,
            "prices_known": self.prices_known,
        }

    def to_pandas(self) -> Any:
        """One row per line plus a `TOTAL` row."""
        # Imported on first use: pandas takes a second or more to import, and an estimate
        # is built and printed without it.
        import pandas as pd

        rows = [asdict(line) for line in self.lines]
        total = self.to_dict()["total"]
        rows.append({"model": "TOTAL", "role": "total", **total})
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        frame = self.to_pandas()
        money = {c: usd for c in frame.columns if str(c).endswith("_usd")}
        html: str = frame.to_html(formatters=money)  # plain decimals, not 1.7e-05
        return html + f"<p>{_escape(self.footer())}</p>"

    def __str__(self) -> str:
        return self.table() + "\n" + self.footer()

    def table(self) -> str:
        header: tuple[str, ...] = ("model", "requests", "cached", "prompt tok", "output tok")
        header = (*header, "low", "expected", "high", "duration", "notes")
        money = usd if self.prices_known else _unknown
        rows = [_row(line, money if line.price_known else _unknown) for line in self.lines]
        # lines without a price of their own (routers), when the others have one
        unpriced = sum(not line.price_known for line in self.lines) if self.prices_known else 0
        total = money if not unpriced else (lambda v: f"{money(v)} + {unpriced} unknown")
        rows.append(
            (
                "TOTAL",
                f"{self.requests:,}",
                f"{sum(line.cache_hits for line in self.lines):,}",
                f"{sum(line.prompt_tokens for line in self.lines):,}",
                f"{sum(line.completion_tokens for line in self.lines):,}",
                total(self.cost_low_usd),
                total(self.cost_expected_usd),
                total(self.cost_high_usd),
                format_duration(self.duration_s),
                "",
            )
        )
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
        out = []
        for r in (header, *rows):
            cells = [r[0].ljust(widths[0])]
            cells += [r[i].rjust(widths[i]) for i in range(1, len(r) - 1)]
            cells.append(r[-1])
            out.append("  ".join(cells).rstrip())
        return "\n".join(out)

    def footer(self) -> str:
        parts = [f"prices: {self.prices}"]
        if self.budget_usd is not None:
            parts.append(f"budget {usd(self.budget_usd)}: {_VERDICT_SAYS[self.verdict]}")
        if self.deferred_free_requests:
            parts.append(
                f"{self.deferred_free_requests:,} free-model requests are past today's quota "
                "(a run leaves them for `orkit resume` after the UTC-midnight reset)"
            )
        if self.pilot:
            parts.append(
                f"output lengths from a pilot of {self.pilot['requests']} requests "
                f"({usd(self.pilot['cost_usd'])}, {self.pilot['run_dir']})"
            )
        if self.detectable_difference is not None:
            parts.append(
                f"comparing two contestants (models or variants) on "
                f"{count(self.compared_items)} items (paired, 80% power, "
                f"α = 0.05) detects accuracy differences of {self.detectable_difference:.1%} "
                "or more (a pilot's disagreement rate narrows this: orkit.stats)"
            )
        return "\n".join([*parts, *self.notes])


_COST_KEYS = ("cost_low_usd", "cost_expected_usd", "cost_high_usd")


_VERDICT_SAYS = {
    "fits": "fits (even the high estimate)",
    "may exceed": "may exceed (the expected cost fits, the high estimate does not); tasks that "
    "would pass it are left skipped_budget, for a resume",
    "exceeds": "exceeds (even the expected cost is above it); tasks that would pass it are left "
    "skipped_budget, for a resume",
    "cost unknown": "cost unknown (the server lists no prices)",
    "no budget": "no budget",
}
"""The budget line in words: the verdict alone (`exceeds`) read as a sentence cut off."""


def _unknown(value: float) -> str:
    return "unknown"


def _known_sum(values: Iterable[float | None]) -> float | None:
    """The sum of the known values (None: none known)."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _row(line: LineEstimate, money: Callable[[float], str]) -> tuple[str, ...]:
    notes = [f"output: {line.output_source}"]
    if line.reasoning_tokens:  # its own figure, inside the output tokens
        notes.append(f"reasoning ~{line.reasoning_tokens:,} of the output tokens")
    if line.cache_hit_rate:  # only when something is read: a model that could cache says nothing
        saved = line.cache_savings_usd or 0.0
        notes.append(
            f"prompt cache: {line.cache_hit_rate:.0%} of prompt tokens read, "
            f"{'saves' if saved >= 0 else 'costs'} {money(abs(saved))}"
        )
    if line.price_source != "catalog":
        notes.append(line.price_source)
    if not line.price_known and line.price_source == "catalog":  # a router (openrouter/auto)
        notes.append("price: that of the model it picks")
    if line.spill_requests:
        notes.append(f"spill ~{line.spill_requests:,} to paid {line.spill_model}")
    if line.quota_days is not None:
        days = line.quota_days
        notes.append(f"free quota: {'<0.1' if 0 < days < 0.05 else f'{days:,.1f}'} days")
    name = line.model
    if line.role == "judge":
        name += f" (judge: {line.scorer})" if line.scorer else " (judge)"
    return (
        name,
        f"{line.requests:,}",
        f"{line.cache_hits:,}",
        f"{line.prompt_tokens:,}",
        f"{line.completion_tokens:,}",
        money(line.cost_low_usd),
        money(line.cost_expected_usd),
        money(line.cost_high_usd),
        format_duration(line.duration_s),
        ", ".join(notes),
    )


format_usd = usd
"""Dollars as everywhere else: `orkit._format.usd` (plain decimals, `unknown` for None),
under the name `orkit.cost` has always exported."""


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 1 else "<1 s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _escape(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")
