"""Folding a stream's events into one `ChatResponse` (layer 1, pure): content and reasoning
pieces joined, tool-call fragments assembled by index, the first finish reason kept, and
when the first and last tokens came. `_stream.ChatStream` reads the wire and feeds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from time import perf_counter
from typing import Any

from orkit.client._values import as_str
from orkit.client._wire import parse_usage
from orkit.types import ChatResponse

__all__ = ["Accumulator"]


class Accumulator:
    """Folds stream events into the fields of the final `ChatResponse`."""

    __slots__ = (
        "began",
        "content",
        "created",
        "finish_reason",
        "generation_id",
        "last_token_s",
        "model",
        "native_finish_reason",
        "provider",
        "reasoning",
        "saw_content",
        "t0",
        "token_chunks",
        "tool_calls",
        "ttft_s",
        "usage",
    )

    def __init__(self, t0: float) -> None:
        self.t0 = t0
        self.began = False  # an event has arrived: the server had begun the generation
        self.ttft_s: float | None = None
        self.token_chunks = 0
        self.last_token_s: float | None = None
        self.generation_id: str | None = None
        self.model: str | None = None
        self.provider: str | None = None
        self.created: int | None = None
        self.content: list[str] = []
        self.saw_content = False
        self.reasoning: list[str] = []
        self.tool_calls: dict[int, dict[str, Any]] = {}
        self.finish_reason: str | None = None
        self.native_finish_reason: str | None = None
        self.usage: object = None

    def add(self, obj: Mapping[str, Any]) -> None:
        self.began = True
        if self.generation_id is None:
            self.generation_id = obj.get("id")
            self.created = obj.get("created")
        if self.model is None:
            self.model = obj.get("model")
        if self.provider is None:
            self.provider = obj.get("provider")
        usage = obj.get("usage")
        if usage:
            self.usage = usage
        choices = obj.get("choices")
        if not choices:
            return  # the usage-only event has `choices: []`
        choice = choices[0]
        if not isinstance(choice, dict):
            return
        # A later event with `finish_reason: null` (the usage event, in older streams) must not
        # erase the reason that came before it.
        finish = choice.get("finish_reason")
        if finish:
            self.finish_reason = finish
            self.native_finish_reason = choice.get("native_finish_reason")
        delta = choice.get("delta")
        if isinstance(delta, dict) and self._add_delta(delta):
            # When tokens came (first and last) is what a decode speed can be measured over.
            self.last_token_s = perf_counter() - self.t0
            self.token_chunks += 1
            if self.ttft_s is None:
                self.ttft_s = self.last_token_s

    def _add_delta(self, delta: Mapping[str, Any]) -> bool:
        """Fold one delta in; True if it carried a token (content, reasoning, tool call)."""
        token = False
        content = delta.get("content")
        if isinstance(content, str):
            self.saw_content = True
            if content:
                self.content.append(content)
                token = True
        reasoning = delta.get("reasoning")
        if isinstance(reasoning, str) and reasoning:
            self.reasoning.append(reasoning)
            token = True
        elif not token and _has_reasoning_detail(delta.get("reasoning_details")):
            token = True  # encrypted or summary-only reasoning still marks the first token
        tool_calls = delta.get("tool_calls")
        if tool_calls:
            self._add_tool_calls(tool_calls)
            token = True
        return token

    def _add_tool_calls(self, deltas: list[Any]) -> None:
        calls = self.tool_calls
        for tc in deltas:
            if not isinstance(tc, dict):
                continue
            index = tc.get("index")
            if not isinstance(index, int):
                index = self._index_without_one(tc.get("id"))
            call = calls.get(index)
            if call is None:
                call = calls[index] = {
                    "index": index,
                    "id": None,
                    "type": "function",
                    "function": {"name": None, "arguments": ""},
                }
            if tc.get("id"):
                call["id"] = tc["id"]
            if tc.get("type"):
                call["type"] = tc["type"]
            fn = tc.get("function")
            if isinstance(fn, dict):
                # Names arrive whole (some providers repeat them); arguments arrive in pieces.
                if fn.get("name") and not call["function"]["name"]:
                    call["function"]["name"] = fn["name"]
                if isinstance(fn.get("arguments"), str):
                    call["function"]["arguments"] += fn["arguments"]

    def _index_without_one(self, call_id: object) -> int:
        # No `index` (some OpenAI-compatible servers): a new id starts a new call.
        for index, call in self.tool_calls.items():
            if call_id and call["id"] == call_id:
                return index
        if call_id or not self.tool_calls:
            return len(self.tool_calls)
        return max(self.tool_calls)

    def response(self, latency_s: float, header_id: str | None) -> ChatResponse:
        return ChatResponse(
            generation_id=as_str(self.generation_id) or header_id,
            model=as_str(self.model),
            provider=as_str(self.provider),
            content="".join(self.content) if self.saw_content else None,
            reasoning="".join(self.reasoning) if self.reasoning else None,
            finish_reason=as_str(self.finish_reason),
            native_finish_reason=as_str(self.native_finish_reason),
            usage=parse_usage(self.usage),
            tool_calls=[self.tool_calls[i] for i in sorted(self.tool_calls)] or None,
            created=self.created if isinstance(self.created, int) else None,
            ttft_s=self.ttft_s,
            latency_s=latency_s,
            streamed=True,
            token_chunks=self.token_chunks,
            last_token_s=self.last_token_s,
        )


def _has_reasoning_detail(details: object) -> bool:
    if not isinstance(details, list):
        return False
    return any(
        isinstance(d, dict) and (d.get("text") or d.get("summary") or d.get("data"))
        for d in details
    )
