"""The type and range of every router setting, in one table.

`RetryPolicy`, `RouterOptions` and `ModelLimits` check their fields against it when built
from Python; a spec's `[routing]` table is checked against it key by key before they are
built, so its error names the key as the user wrote it. Without this, a string where a
number belongs passes every check that does not compare it, and the run dies with a
`TypeError` deep in the router when a model first fails.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

from orkit.errors import ConfigError

__all__ = ["OPTION_RULES", "Rule", "check_fields", "option_problem", "ruled_fields"]


@dataclass(frozen=True, slots=True)
class Rule:
    """What one setting accepts: its kind, a lower bound, and whether None (unset) is allowed."""

    kind: Literal["int", "number", "bool"]
    minimum: float | None = None
    above: bool = False
    """The minimum itself is excluded (`> minimum`, not `>= minimum`)."""
    optional: bool = False

    @property
    def requirement(self) -> str:
        if self.kind == "bool":
            text = "true or false"
        else:
            text = "an integer" if self.kind == "int" else "a number"
            if self.minimum is not None:
                bound = int(self.minimum) if self.minimum == int(self.minimum) else self.minimum
                text += f" {'>' if self.above else '>='} {bound}"
        return text + (" (or unset)" if self.optional else "")

    def problem(self, value: Any) -> str | None:
        """None if `value` is acceptable, else `must be <requirement>, got <value>`."""
        if value is None and self.optional:
            return None
        if not self._has_kind(value) or not self._in_range(value):
            return f"must be {self.requirement}, got {value!r}"
        return None

    def _has_kind(self, value: Any) -> bool:
        if self.kind == "bool":
            return isinstance(value, bool)
        # bool is an int to Python, never a count or a number of seconds to a user.
        if isinstance(value, bool):
            return False
        return isinstance(value, int) if self.kind == "int" else isinstance(value, int | float)

    def _in_range(self, value: Any) -> bool:
        if self.kind == "bool":
            return True
        if value != value:  # NaN compares false to everything, so no bound would catch it
            return False
        if self.minimum is None:
            return True
        return bool(value > self.minimum if self.above else value >= self.minimum)


_COUNT = Rule("int", 1)
_SECONDS = Rule("number", 0, above=True)

OPTION_RULES: dict[str, Rule] = {
    # RetryPolicy
    "max_attempts": _COUNT,
    "max_rate_limit_waits": Rule("int", 0),
    "base_backoff_s": _SECONDS,
    "max_backoff_s": _SECONDS,
    "max_hint_s": Rule("number", 0),
    "max_total_wait_s": Rule("number", 0),
    "task_timeout_s": Rule("number", 0, above=True, optional=True),
    # RouterOptions
    "max_concurrency": _COUNT,
    "max_concurrency_per_model": Rule("int", 1, optional=True),
    "adaptive": Rule("bool"),
    "initial_concurrency": _COUNT,
    "capacity_from_latency": Rule("bool"),
    "free_per_minute": _COUNT,
    "free_window_s": _SECONDS,
    # 0 is not "none": the router reads an unset or zero limit as OpenRouter's 50 a day.
    "free_per_day": Rule("int", 1, optional=True),
    "breaker_threshold": _COUNT,
    "breaker_cooldown_s": _SECONDS,
    "breaker_max_probes": _COUNT,
    "seed": Rule("int", optional=True),
    # ModelLimits
    "rpm": Rule("number", 0, above=True, optional=True),
    "tpm": Rule("number", 0, above=True, optional=True),
}
"""Every router setting that is a plain value, by field name (one name, one meaning)."""


def option_problem(name: str, value: Any) -> str | None:
    """What is wrong with `value` for the setting `name` (None: nothing, or not a plain value)."""
    rule = OPTION_RULES.get(name)
    return rule.problem(value) if rule is not None else None


def check_fields(owner: object, *names: str, where: str = "") -> None:
    """Raise ConfigError naming the first of `owner`'s fields `names` that breaks its rule.
    `where` prefixes the message (e.g. `limits: `) for settings nested under another."""
    for name in names:
        problem = option_problem(name, getattr(owner, name))
        if problem is not None:
            raise ConfigError(f"{where}{name}: {problem}")


def ruled_fields(cls: type) -> tuple[str, ...]:
    """The fields of dataclass `cls` that are plain values with a rule here: what it checks
    when built, and (for `RouterOptions`) the keys a spec may set."""
    return tuple(f.name for f in fields(cls) if f.name in OPTION_RULES)
