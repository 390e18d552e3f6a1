"""orkit: evaluate prompts across many LLMs through OpenRouter."""

from __future__ import annotations

from orkit.errors import OrkitError
from orkit.types import ChatRequest, ChatResponse, Secret, Usage

__all__ = ["ChatRequest", "ChatResponse", "OrkitError", "Secret", "Usage"]
