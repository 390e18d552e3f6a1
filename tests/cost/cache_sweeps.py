"""The sweep the prompt-cache estimate tests run on the emulator: a long system prompt
(about 1,700 tokens) every item shares, on an Anthropic model (explicit caching) and an
OpenAI one (implicit)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orkit import Sweep

__all__ = ["ANTHROPIC", "OPENAI", "SYSTEM", "cache_sweep"]

ANTHROPIC, OPENAI = "anthropic/claude-haiku-4.5", "openai/gpt-4o-mini"
SYSTEM = " ".join(
    f"House rule {i}: answer the question asked, in as few words as fit." for i in range(120)
)


def cache_sweep(tmp_path: Path, items: int, **kw: Any) -> Sweep:
    """`items` arithmetic questions under `SYSTEM` on the in-process emulator, with `kw`
    replacing any field."""
    base: dict[str, Any] = {
        "dataset": [{"id": f"q{i}", "q": f"What is {i} + {i}?"} for i in range(items)],
        "models": [ANTHROPIC, OPENAI],
        "prompt": "{{ q }}",
        "system": SYSTEM,
        "params": {"max_tokens": 16, "temperature": 0.5},
        "endpoint": "sim",
        "sim": {"time_scale": 0.0, "seed": 4},
        "out": str(tmp_path / "runs"),
        "cache": False,
    }
    return Sweep(**{**base, **kw})
