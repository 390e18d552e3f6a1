"""Response bodies and SSE events, byte-compatible in shape with real OpenRouter captures.

Key order follows the 2026 captures (`tests/fixtures/wire/`): `id, object, created, model,
provider, system_fingerprint, choices, usage` for JSON bodies; chunks carry `id, object,
created, model, provider, choices` (+ `system_fingerprint` for OpenAI-hosted endpoints)
and the final usage chunk has `"choices": []`. JSON is compact, as on the wire.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orkit.sim.planner import ChatPlan

__all__ = [
    "COMMENT",
    "DONE",
    "PADDING",
    "ChunkWriter",
    "completion_body",
    "dumps",
    "usage_object",
]

COMMENT = b": OPENROUTER PROCESSING\n\n"
"""SSE keep-alive comment sent while the model has not produced a token yet."""
DONE = b"data: [DONE]\n\n"
PADDING = b"\n         \n"
"""Whitespace OpenRouter writes before a non-stream JSON body while it waits."""


def dumps(value: Any) -> str:
    """Compact JSON, UTF-8 kept as is."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _money(value: Decimal) -> float | int:
    # Real bodies write a zero cost as `0`, anything else as a float.
    return float(value) if value else 0


def usage_object(plan: ChatPlan, *, with_cost: bool = True) -> dict[str, Any]:
    """The `usage` object of a completion (tokens, cost, details); `with_cost=False` leaves
    out `cost` and `cost_details` (`SimConfig.report_usage_cost`)."""
    charge = plan.charge
    usage: dict[str, Any] = {
        "prompt_tokens": plan.prompt_tokens,
        "completion_tokens": plan.completion_tokens,
        "total_tokens": plan.prompt_tokens + plan.completion_tokens,
        "cost": _money(charge.total),
        "is_byok": charge.byok,
        "prompt_tokens_details": {
            "cached_tokens": charge.cached_tokens,
            "cache_write_tokens": charge.cache_write_tokens,
            "audio_tokens": 0,
            "video_tokens": 0,
        },
        "cost_details": {
            "upstream_inference_cost": _money(charge.upstream),
            "upstream_inference_prompt_cost": _money(charge.prompt),
            "upstream_inference_completions_cost": _money(charge.completion),
        },
        "completion_tokens_details": {
            "reasoning_tokens": plan.answer.reasoning_tokens,
            "image_tokens": 0,
            "audio_tokens": 0,
        },
    }
    if charge.web_search:
        usage["server_tool_use_details"] = {"web_search_requests": 1}
    if not with_cost:
        del usage["cost"], usage["cost_details"]
    return usage


def completion_body(
    plan: ChatPlan, *, with_cost: bool = True, with_usage: bool = True, with_provider: bool = True
) -> dict[str, Any]:
    """The non-stream `chat.completion` body (`with_usage=False`: no `usage` at all;
    `with_provider=False`: no `provider`, as from a server that is its own provider)."""
    answer = plan.answer
    choice: dict[str, Any] = {
        "index": 0,
        "logprobs": None,
        "finish_reason": answer.finish_reason,
        "native_finish_reason": plan.native_finish,
        "message": {
            "role": "assistant",
            "content": answer.content,
            "refusal": None,
            "reasoning": None,
        },
    }
    if answer.reasoning is not None or answer.tool_calls:
        _add_extras(choice["message"], plan)
    if answer.finish_reason == "error":
        choice["error"] = {
            "code": 502,
            "message": "Provider disconnected unexpectedly",
            "metadata": {"error_type": "provider_unavailable"},
        }
    body = {
        "id": plan.gen_id,
        "object": "chat.completion",
        "created": plan.created,
        "model": plan.model_id,
        "provider": plan.endpoint.provider.name,
        "system_fingerprint": plan.endpoint.fingerprint,
        "choices": [choice],
    }
    if with_usage:
        body["usage"] = usage_object(plan, with_cost=with_cost)
    if not with_provider:
        del body["provider"]
    return body


def reasoning_format(model_id: str) -> str:
    """`reasoning_details[].format` of a model's reasoning, by its lab."""
    return _FORMATS.get(model_id.split("/")[0], "unknown")


_FORMATS = {
    "anthropic": "anthropic-claude-v1",
    "openai": "openai-responses-v1",
    "google": "google-gemini-v1",
}


def _add_extras(message: dict[str, Any], plan: ChatPlan) -> None:
    """Reasoning text and details, tool calls (content null when only calls came back)."""
    answer = plan.answer
    reasoning = answer.reasoning
    if reasoning is not None and reasoning.text is not None:
        message["reasoning"] = reasoning.text
        message["reasoning_details"] = [
            {
                "type": "reasoning.text",
                "text": reasoning.text,
                "format": reasoning_format(plan.model_id),
                "index": 0,
            }
        ]
    if answer.tool_calls:
        if not answer.content:
            message["content"] = None
        message["tool_calls"] = [call.to_json(i) for i, call in enumerate(answer.tool_calls)]


class ChunkWriter:
    """Builds the SSE events of one stream by string assembly (no per-chunk dict dumps)."""

    def __init__(
        self, plan: ChatPlan, *, with_cost: bool = True, with_provider: bool = True
    ) -> None:
        self.plan = plan
        self.with_cost = with_cost
        provider = f',"provider":{dumps(plan.endpoint.provider.name)}' if with_provider else ""
        self._head = (
            f'{{"id":"{plan.gen_id}","object":"chat.completion.chunk","created":{plan.created},'
            f'"model":{dumps(plan.model_id)}{provider}'
        )
        fingerprint = plan.endpoint.fingerprint
        self._tail = f',"system_fingerprint":"{fingerprint}"}}' if fingerprint else "}"

    def _event(self, choices: str, extra: str = "") -> bytes:
        return f'data: {self._head},"choices":{choices}{extra}{self._tail}\n\n'.encode()

    def delta(self, content: str) -> bytes:
        """A content chunk (the first one, with `content: ""`, is the role chunk)."""
        return self._event(
            '[{"index":0,"delta":{"role":"assistant","content":'
            f'{dumps(content)}}},"finish_reason":null,"native_finish_reason":null,"logprobs":null}}]'
        )

    def reasoning(self, text: str) -> bytes:
        """A reasoning chunk: `delta.reasoning` and its `reasoning_details` entry."""
        detail = dumps(
            [
                {
                    "type": "reasoning.text",
                    "text": text,
                    "format": reasoning_format(self.plan.model_id),
                    "index": 0,
                }
            ]
        )
        return self._event(
            '[{"index":0,"delta":{"role":"assistant","content":"","reasoning":'
            f'{dumps(text)},"reasoning_details":{detail}}},"finish_reason":null,'
            '"native_finish_reason":null,"logprobs":null}]'
        )

    def tool_call(self, index: int, call: dict[str, Any]) -> bytes:
        """A tool-call chunk: the call's opening (`id`, `type`, `name`, empty arguments) or
        a piece of its arguments, as the captured streams send them."""
        delta = dumps([{"index": index, **call}])
        return self._event(
            '[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":'
            f'{delta}}},"finish_reason":null,"native_finish_reason":null,"logprobs":null}}]'
        )

    def finish(self) -> bytes:
        """The chunk carrying `finish_reason` (empty content)."""
        plan = self.plan
        return self._event(
            '[{"index":0,"delta":{"role":"assistant","content":""},'
            f'"finish_reason":{dumps(plan.answer.finish_reason)},'
            f'"native_finish_reason":{dumps(plan.native_finish)},"logprobs":null}}]'
        )

    def usage(self) -> bytes:
        """The terminal usage chunk, with `"choices": []`."""
        usage = usage_object(self.plan, with_cost=self.with_cost)
        return self._event("[]", f',"usage":{dumps(usage)}')

    def error(self, code: int, message: str, error_type: str) -> bytes:
        """A mid-stream error event: top-level `error` and a `finish_reason: "error"` choice."""
        error = dumps({"code": code, "message": message, "metadata": {"error_type": error_type}})
        choices = '[{"index":0,"delta":{"content":""},"finish_reason":"error"}]'
        return f'data: {self._head},"error":{error},"choices":{choices}}}\n\n'.encode()
