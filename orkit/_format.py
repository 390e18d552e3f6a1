"""How numbers read on screen: money, counts, plurals, and a cost that is partly unknown.

One module, so the CLI, the report and notebook reprs agree: money is a plain decimal
(`$0.000017`, `$0.0367`, `$12.40`; never `1.7e-05`), counts have thousands separators
(`1,000`), nouns agree with their count (`1 prompt`, `2 prompts`), and a cost nobody reported
reads "unknown", never `$0` (an unknown is not a zero: a local server that sends no cost has
not served for free). It depends on nothing in orkit, so every layer may use it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol

__all__ = [
    "RunSpend",
    "byok_text",
    "cache_savings_text",
    "cached_text",
    "cost_text",
    "count",
    "full_spend",
    "full_spend_text",
    "judges_spent",
    "known",
    "plural",
    "prompt_cache_text",
    "run_counts",
    "run_spend",
    "spend_text",
    "unscored_lines",
    "unscored_rows",
    "usd",
]

_SIGNIFICANT = 3
"""Digits shown of an amount under $1: enough to tell $0.0367 from $0.0371 (two models'
runs), few enough to read at a glance."""
_SMALLEST = 1e-9
"""Below this an amount is shown as `<$0.000000001` rather than a run of zeros."""


def usd(value: float | None) -> str:
    """Dollars as a plain decimal: `$12.40` from $1 up (thousands separated), three
    significant digits below (`$0.0367`, `$0.000017`), `$0` for zero, `unknown` for None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unknown"
    if value < 0:
        return "-" + usd(-value)
    if value == 0:
        return "$0"
    if value >= 1:
        return f"${value:,.2f}"
    if value < _SMALLEST:
        return f"<${_SMALLEST:.9f}"
    decimals = _SIGNIFICANT - 1 - math.floor(math.log10(value))
    text = f"{value:.{decimals}f}".rstrip("0")
    whole, _, fraction = text.partition(".")
    return f"${whole}.{fraction.ljust(2, '0')}"  # cents at least: $0.50, not $0.5


def known(value: Any) -> float | None:
    """A number a table may lack as a float, None when missing (None, or NaN as pandas
    gives it): what `usd` and `cost_text` take."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def count(n: int | float) -> str:
    """A count with thousands separators: `1,000`."""
    return f"{int(n):,}"


def plural(n: int | float, noun: str, nouns: str | None = None) -> str:
    """`1 prompt`, `2 prompts`, `1,000 tasks` (`nouns` for an irregular plural)."""
    word = noun if int(n) == 1 else (nouns or noun + "s")
    return f"{count(n)} {word}"


def cost_text(known_usd: float | None, unknown: int = 0, *, nothing: str = "$0") -> str:
    """A total whose parts may be unknown: `$0.0123`, `$0.0123 + 20 unknown` when 20 of its
    parts had no cost, `unknown` when none had one. `known_usd` is None when no part's cost
    is known; with no unknown part either, that reads `nothing` (a run's totals: nothing was
    spent, `$0`; a summary's row of failures alone: `–`)."""
    if unknown <= 0:
        missing = known_usd is None or (isinstance(known_usd, float) and math.isnan(known_usd))
        return nothing if missing else usd(known_usd)
    if known_usd is None or (isinstance(known_usd, float) and math.isnan(known_usd)):
        return "unknown"
    return f"{usd(known_usd)} + {count(unknown)} unknown"


def cached_text(cached: int, total: int) -> str:
    """How many rows the response cache answered: `300 cached, $0`, or `all 300 from the
    cache, $0` when every row was (so a re-run's missing latency is explained)."""
    if cached <= 0:
        return ""
    if cached >= total:
        return f"all {count(cached)} from the cache, $0"
    return f"{count(cached)} cached, $0"


def billed_attempts_text(totals: Mapping[str, Any]) -> str | None:
    """What a run paid for attempts that failed after they began (a stream cut short, an
    error mid-stream: OpenRouter bills the generation) and that no row's cost holds: the
    per-contestant cost sums rows, the run's total includes these. None when there were
    none."""
    usd = float(totals.get("billed_attempts_usd") or 0.0)
    unknown = int(totals.get("billed_attempts_unknown") or 0)
    if usd <= 0 and not unknown:
        return None
    amount = spend_text(usd if usd > 0 else None, unknown)
    return (
        f"failed attempts billed: {amount} (streams cut short or failed after they began); "
        "in the run's total, not in the cost column"
    )


def run_spend(totals: Mapping[str, Any], *, none_known: str = "cost unknown") -> str:
    """A run's (or one model's) spend from its manifest totals: the known cost, plus how many
    costs are unknown (rows' and billed attempts'); `none_known` when none is known (a
    labelled cell says just `unknown`)."""
    unknown = int(totals.get("cost_unknown_rows") or 0)
    unknown += int(totals.get("billed_attempts_unknown") or 0)
    return spend_text(totals.get("cost_usd"), unknown, none_known=none_known)


def spend_text(
    known_usd: float | None, unknown: int = 0, *, none_known: str = "cost unknown"
) -> str:
    """`cost_text` for a spend standing on its own: `none_known` (`cost unknown`) when no
    part's cost is known (a labelled cell says just `unknown`)."""
    text = cost_text(known_usd, unknown)
    return none_known if text == "unknown" else text


class RunSpend(Protocol):
    """The spend lines of a run's manifest (`orkit.results.Manifest` is one; this layer
    names only what it reads)."""

    @property
    def totals_all(self) -> Mapping[str, Any]: ...
    @property
    def judges(self) -> Mapping[str, Any] | None: ...
    @property
    def judges_replaced(self) -> Mapping[str, Any] | None: ...


def judges_spent(manifest: RunSpend) -> tuple[float | None, int]:
    """What a run's LLM judges spent, from its manifest: those behind the current scores
    (`judges`) and those whose scores a re-score replaced (`judges_replaced`: spent all the
    same). (Known USD, None when no part's cost is known; how many costs are unknown.)"""
    return _spent([manifest.judges or {}, manifest.judges_replaced or {}])


def full_spend(manifest: RunSpend) -> tuple[float | None, int]:
    """All a run spent: its answers (`totals.all`) and its LLM judges (`judges_spent`)."""
    judges = [manifest.judges or {}, manifest.judges_replaced or {}]
    return _spent([manifest.totals_all, *judges])


def _spent(parts: list[Mapping[str, Any]]) -> tuple[float | None, int]:
    known = [float(p["cost_usd"]) for p in parts if p.get("cost_usd") is not None]
    unknown = sum(
        int(p.get("cost_unknown_rows") or 0) + int(p.get("billed_attempts_unknown") or 0)
        for p in parts
    )
    return (sum(known) if known else None), unknown


def full_spend_text(manifest: RunSpend, *, none_known: str = "cost unknown") -> str:
    """`full_spend` as text: `$0.00406`, `$0.0123 + 20 unknown`, `none_known`."""
    return spend_text(*full_spend(manifest), none_known=none_known)


def byok_text(totals: Mapping[str, Any]) -> str | None:
    """`BYOK: 12 rows, OpenRouter's fee $0.00012 (in the spend), $0.0024 billed by your own
    provider keys` from manifest totals; None when no row was served with your own key."""
    rows = int(totals.get("byok_rows") or 0)
    if not rows:
        return None
    fee, upstream = totals.get("byok_fee_usd"), totals.get("byok_upstream_usd")
    return (
        f"BYOK: {plural(rows, 'row')}, OpenRouter's fee {usd(fee)} (in the spend), "
        f"{usd(upstream)} billed by your own provider keys"
    )


def prompt_cache_text(totals: Mapping[str, Any]) -> str | None:
    """`cache: 91% of prompt tokens read from cache; saved $0.84 net (after $0.05 of cache
    writes)` from manifest totals; None when no row read or wrote the providers' prompt
    cache. The savings are already net of the writes' premium: the words say so, lest the
    writes read as a cost still to subtract."""
    cached = int(totals.get("cached_tokens") or 0)
    if not cached and not totals.get("cache_write_tokens"):
        return None
    base = int(totals.get("cache_prompt_tokens") or 0)
    share = f"{cached / base:.0%}" if base else "some"
    return f"cache: {share} of prompt tokens read from cache; {cache_savings_text(totals)}"


def cache_savings_text(totals: Mapping[str, Any]) -> str:
    """`saved $0.84 net (after $0.05 of cache writes)`, `cost $0.01 more (after ...)` when
    the writes at their dearer price outweighed the reads, without the brackets when
    nothing was written (or writes were free)."""
    savings, writes = totals.get("cache_savings_usd"), totals.get("cache_write_usd")
    if savings is None or savings >= 0:
        said = f"saved {usd(savings)} net"
    else:
        said = f"cost {usd(-savings)} more than without it"
    if writes == 0 or (writes is None and not totals.get("cache_write_tokens")):
        return said  # free writes (OpenAI's implicit cache) or none: nothing to explain
    return f"{said} (after {usd(writes)} of cache writes)"


def unscored_lines(judges: Mapping[str, Any] | None) -> list[str]:
    """`similar: 20 of 24 rows not scored: over budget (could cost $0.00012)`, one per
    scorer whose judge or embedding requests the budget did not send (the manifest's
    `judges`, `over_budget_rows`); empty when the budget left every row scored."""
    lines = []
    for scorer, line in ((judges or {}).get("by_scorer") or {}).items():
        left = int(line.get("over_budget_rows") or 0)
        if not left:
            continue
        worst = line.get("over_budget_usd")
        could = f" (could cost {usd(worst)})" if worst else ""
        lines.append(
            f"{scorer}: {count(left)} of {plural(line.get('rows') or 0, 'row')} not scored: "
            f"over budget{could}"
        )
    return lines


def unscored_rows(judges: Mapping[str, Any] | None) -> int:
    """Score rows the budget left unscored, all scorers together (0 when none)."""
    return int((judges or {}).get("over_budget_rows") or 0)


def run_counts(totals: Mapping[str, Any], planned: int | None = None) -> str:
    """`1,200 tasks (300 cached, $0), 2 errors` from manifest totals. A run that left tasks
    for a resume says how many it did of how many (`planned`, the run's tasks), and why the
    rest wait: `1,020 of 1,500 tasks done (480 skipped by the budget), 0 errors` (a task the
    budget skipped has a row, but no outcome yet)."""
    rows = int(totals.get("tasks") or 0)
    skipped = int(totals.get("skipped_budget") or 0)
    deferred = int(totals.get("deferred") or 0)
    done = rows - skipped - deferred
    cached = cached_text(int(totals.get("cached") or 0), int(totals.get("ok") or 0))
    errors = plural(totals.get("errors") or 0, "error")
    planned = max(planned or 0, rows)
    if done >= planned:
        return f"{plural(rows, 'task')}" + (f" ({cached})" if cached else "") + f", {errors}"
    why = [cached] if cached else []
    if skipped:
        why.append(f"{count(skipped)} skipped by the budget")
    if deferred:
        why.append(f"{count(deferred)} deferred to the quota reset")
    notes = f" ({'; '.join(why)})" if why else ""
    return f"{count(done)} of {plural(planned, 'task')} done{notes}, {errors}"
