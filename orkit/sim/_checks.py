"""Range checks shared by the emulator's option types; each error names the field."""

from __future__ import annotations

__all__ = ["check_non_negative", "check_probability"]


def check_probability(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name}: must be a probability in [0, 1], got {value}")


def check_non_negative(name: str, value: float | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{name}: must be >= 0, got {value}")
