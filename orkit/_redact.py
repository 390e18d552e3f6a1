"""Scrub anything that looks like an API key from text bound for files (layer 0).

The key never reaches orkit's own outputs by construction (it is a `Secret`), but prompts,
dataset fields and model outputs are user data and may contain one; reports redact them.
"""

from __future__ import annotations

import re

__all__ = ["redact_secrets"]

_KEY_PATTERNS = re.compile(
    r"sk-or-v1-[0-9a-fA-F]{16,}"  # OpenRouter
    r"|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}"  # OpenAI / Anthropic style
    r"|AIza[0-9A-Za-z_-]{35}"  # Google (Gemini, Vertex) API keys
)


def redact_secrets(text: str) -> str:
    """Replace API-key-looking substrings with a marker that keeps their prefix."""
    return _KEY_PATTERNS.sub(lambda m: m.group(0)[:6] + "…[redacted]", text)
