"""The errors that do not come from the API: the base, bad input found before sending, a
run that cannot go on, the budget, a scorer, and Ctrl-C (`orkit.errors` draws the tree)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ConfigError",
    "DatasetError",
    "MissingAPIKeyError",
    "OrkitError",
    "OverBudget",
    "PilotDeclined",
    "RunError",
    "RunInterrupted",
    "RunNotFoundError",
    "RunStoppedError",
    "ScorerError",
    "SpecError",
    "TemplateError",
    "UnknownModelError",
]


class OrkitError(Exception):
    """Base of every orkit error. `message` is one line, ready for a terminal."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- config / input


class ConfigError(OrkitError, ValueError):
    """Bad options or bad input, found before any request is sent."""


class MissingAPIKeyError(ConfigError):
    """No API key for an endpoint that needs one."""


class SpecError(ConfigError):
    """An invalid run spec (TOML file or Python `Sweep`)."""

    def __init__(self, message: str, *, path: str | None = None, field: str | None = None) -> None:
        where = ", ".join(p for p in (path, f"field {field!r}" if field else None) if p)
        super().__init__(f"{where}: {message}" if where else message)
        self.path = path
        self.field = field
        # what is wrong, without where: the CLI names a flag instead when a flag gave it
        self.reason = message


class DatasetError(ConfigError):
    """An unreadable or invalid dataset row. `line` is 1-based (a file line or row number)."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        parts = [p for p in (path, f"line {line}" if line is not None else None) if p]
        if field:
            parts.append(f"field {field!r}")
        super().__init__(f"{', '.join(parts)}: {message}" if parts else message)
        self.path = path
        self.line = line
        self.field = field


class TemplateError(ConfigError):
    """A prompt template that cannot be rendered for a row (e.g. a missing variable)."""

    def __init__(
        self,
        message: str,
        *,
        variable: str | None = None,
        row: int | None = None,
        item_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.variable = variable
        self.row = row
        self.item_id = item_id


class UnknownModelError(ConfigError):
    """A model id that is not in the catalog."""

    def __init__(self, model: str, suggestions: Sequence[str] = ()) -> None:
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown model id {model!r}{hint}")
        self.model = model
        self.suggestions = tuple(suggestions)


class PilotDeclined(ConfigError):
    """The pilot's cost was shown and not accepted (nothing was sent)."""


# --------------------------------------------------------------------------- runs


class RunError(OrkitError):
    """A run as a whole cannot go on."""

    def __init__(self, message: str, *, run_dir: str | None = None) -> None:
        super().__init__(message)
        self.run_dir = run_dir


class RunNotFoundError(RunError, ConfigError):
    """The path given as a run directory is not one: bad input like any other, found
    before anything is read or sent (still a RunError for code that catches those)."""


class RunStoppedError(RunError):
    """A run-level failure (bad key, no credits) stopped dispatch."""


class OverBudget(OrkitError):
    """A retry of a task could pass the budget, so it was not sent. Raised by the engine's
    attempt hooks inside the router and caught by the engine, which records the task as
    `skipped_budget`: a run never ends with it."""

    def __init__(self, message: str, *, worst_usd: float) -> None:
        super().__init__(message)
        self.worst_usd = worst_usd


class ScorerError(OrkitError):
    """A scorer raised; the original exception is `__cause__`."""

    def __init__(self, message: str, *, scorer: str) -> None:
        super().__init__(message)
        self.scorer = scorer


# --------------------------------------------------------------------------- interrupts


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C (or a notebook's stop button). `run_dir`: where its rows so
    far are (None when it was stopped before it began: nothing was sent); `hint`: what was
    printed about it ("" when nothing was)."""

    def __init__(self, hint: str, run_dir: str | None) -> None:
        super().__init__(*([run_dir] if run_dir else []))
        self.run_dir = run_dir
        self.hint = hint
