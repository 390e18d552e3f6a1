"""What a model can take: the 404s of requests its endpoints cannot serve, and the prompt
tokens that tools, images and files add.

OpenRouter answers a request no endpoint of the model can serve with a 404 naming what is
missing (these are its real wordings): tools offered to a model none of whose endpoints
takes `tools` -> `No endpoints found that support tool use. Try disabling "<first tool>".
To learn more about provider routing, visit: <docs>`; image parts to a model without
`image` input -> `No endpoints found that support image input`; files read natively by a
model without `file` input -> `No endpoints found that support file input`
(`orkit.sim.media`). Each is a candidate's error, so `models` fallbacks still apply.
"""

from __future__ import annotations

from orkit.sim.errors import SimError, no_endpoints
from orkit.sim.extras import Extras
from orkit.sim.media import check_modalities
from orkit.sim.request import ChatRequest
from orkit.sim.runtime import ModelRuntime
from orkit.sim.tokenizer import tool_tokens

__all__ = ["extra_prompt_tokens", "refusal"]

_ROUTING_DOCS = "https://openrouter.ai/docs/guides/routing/provider-selection"


def extra_prompt_tokens(request: ChatRequest) -> int:
    """Prompt tokens of the request's offered tools, images and files."""
    extras = request.extras
    if extras is None:
        return 0
    total = tool_tokens(request.body.get("tools")) if extras.tools is not None else 0
    if extras.media is not None:
        total += extras.media.tokens
    return total


def refusal(extras: Extras, runtime: ModelRuntime, user_id: str) -> SimError | None:
    """The 404 a model gives to a request it cannot serve, None when it can."""
    if extras.tools is not None and "tools" not in runtime.supported:
        first = extras.tools.tools[0].name
        return no_endpoints(
            f'No endpoints found that support tool use. Try disabling "{first}". '
            f"To learn more about provider routing, visit: {_ROUTING_DOCS}",
            user_id,
        )
    if extras.media is not None:
        architecture = runtime.entry.get("architecture") or {}
        modalities = architecture.get("input_modalities") or ("text",)
        return check_modalities(extras.media, modalities, user_id)
    return None
