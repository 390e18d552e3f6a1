"""A streamed chat completion: SSE events in, `ChatChunk`s out, one `ChatResponse` at the end
(layer 1).

The hot loop (`_pump`) reads a network chunk, splits it into events, parses each event's JSON
once and folds it into an `Accumulator` (`_accumulator.py`); `ChatChunk` objects are only
built when someone iterates the stream, so `complete()` pays for none of them.

End-of-stream rules (reference §4):
- `data: [DONE]` ends the stream;
- an event with a top-level `error` (or `finish_reason: "error"`) raises the mapped error with
  `is_mid_stream=True`; no `[DONE]` follows it;
- end of body without `[DONE]` is accepted once a finish reason has arrived (some servers close
  right after the usage event), and is an `APIConnectionError` otherwise.

An error raised once the 200 arrived carries what was seen of the answer: the generation id
(from the first event, else the `X-Generation-Id` header: OpenRouter bills a generation cut
short, even one stalled before its first event, and `GET /generation` says for how much),
the provider, and the `usage` an error event reported, so that no billed attempt goes
unseen.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping
from time import perf_counter
from typing import Any

import anyio

from orkit._redact import redact_secrets
from orkit.client._accumulator import Accumulator
from orkit.client._http import StreamResponse
from orkit.client._sse import SSEParser
from orkit.client._values import REDACTED, as_str, one_line, secret_text
from orkit.client._wire import chunk_from_event, error_from_response, parse_usage
from orkit.errors import APIConnectionError, APIError, InvalidResponseError
from orkit.types import ChatChunk, ChatResponse, Secret

__all__ = ["ChatStream"]

# After `[DONE]` the connection goes back to the pool only once the body's end has been
# read; wait this long for it, then give up on reusing the connection.
_DRAIN_S = 1.0

# `json.loads` minus its argument checks: one call per event adds up.
_loads = json.JSONDecoder().decode


class ChatStream:
    """The chunks of one streamed completion, from `AsyncOpenRouter.stream_chat()`.

    Iterate it for `ChatChunk`s (role-only, content, reasoning, tool-call, finish and
    usage-only events each give one). Once it is exhausted, `final_response()` returns the
    whole completion with usage, TTFT and latency.
    """

    __slots__ = (
        "_acc",
        "_done",
        "_failure",
        "_final",
        "_headers",
        "_json_pending",
        "_keep",
        "_latency_s",
        "_model",
        "_parser",
        "_pending",
        "_raw",
        "_secret",
    )

    def __init__(
        self,
        raw: StreamResponse | None,
        *,
        model: str,
        secret: Secret | None,
        t0: float,
        final: ChatResponse | None = None,
    ) -> None:
        self._raw = raw
        self._headers: Mapping[str, str] = raw.headers if raw is not None else {}
        self._model = model
        self._secret = secret
        self._acc = Accumulator(t0)
        self._parser = SSEParser()
        self._pending: deque[Mapping[str, Any]] = deque()
        self._keep = False
        self._latency_s: float | None = None
        self._failure: APIError | None = None
        # A server that answered a stream request with plain JSON: one chunk, already final.
        self._final = final
        self._done = final is not None
        self._json_pending = final is not None

    def __aiter__(self) -> ChatStream:
        self._keep = True
        return self

    async def __anext__(self) -> ChatChunk:
        while not self._pending:
            if self._failure is not None:
                raise self._failure
            if self._done:
                if self._json_pending:
                    return self._take_json_answer()
                raise StopAsyncIteration
            await self._pump()
        return chunk_from_event(self._pending.popleft())

    def _take_json_answer(self) -> ChatChunk:
        # The answer came as one JSON body: it is the only chunk, handed out once.
        final = self._final
        assert final is not None
        self._json_pending = False
        return ChatChunk(
            generation_id=final.generation_id,
            model=final.model,
            provider=final.provider,
            content=final.content,
            reasoning=final.reasoning,
            role="assistant",
            finish_reason=final.finish_reason,
            native_finish_reason=final.native_finish_reason,
            usage=final.usage,
            tool_calls=final.tool_calls,
            created=final.created,
        )

    def final_response(self) -> ChatResponse:
        """The completion, once the stream has been read to its end."""
        if self._final is not None:
            return self._final
        if not self._done or self._latency_s is None:
            raise RuntimeError("final_response() is available once the stream is exhausted")
        self._final = self._acc.response(self._latency_s, self._headers.get("x-generation-id"))
        return self._final

    async def consume(self) -> ChatResponse:
        """Read the rest of the stream without building chunks; return the completion."""
        self._keep = False
        self._pending.clear()
        while not self._done:
            if self._failure is not None:
                raise self._failure
            await self._pump()
        return self.final_response()

    async def _pump(self) -> None:
        """Read one network chunk and fold the events it completes."""
        assert self._raw is not None
        try:
            data = await self._raw.receive()
        except APIError as exc:
            exc.model = exc.model or self._model
            self._with_progress(exc)
            raise
        eof = not data
        try:
            for payload in self._parser.feed(data) if data else self._parser.close():
                if self._event(payload, eof):
                    self._end()
                    await self._drain()
                    return
            if eof:
                self._end_of_body()
        except APIError as exc:
            self._with_progress(exc)
            if not (self._keep and self._pending):
                raise
            self._failure = exc  # hand out the chunks that came before the error first

    def _with_progress(self, exc: APIError) -> APIError:
        """`exc`, told what had arrived of the answer before it (see the module docstring)."""
        acc = self._acc
        # A 200 that named its generation (`X-Generation-Id`) was dispatched to a provider,
        # even when not an event came before the stall or the cut: a provider that does not
        # cancel bills the whole answer. Only `GET /generation` can say, so the id is kept
        # and the attempt's cost is unknown until then, never a guessed 0.
        exc.generation_id = (
            exc.generation_id or as_str(acc.generation_id) or self._headers.get("x-generation-id")
        )
        exc.provider = exc.provider or as_str(acc.provider)
        if exc.usage is None:
            exc.usage = parse_usage(acc.usage)
        return exc

    def _event(self, payload: str, eof: bool) -> bool:
        """Fold one event; True if it was `[DONE]`."""
        if payload[:1] == "[" and payload.strip() == "[DONE]":
            return True
        try:
            obj = _loads(payload)
        except ValueError:
            self._fold_split(payload, eof)
            return False
        if type(obj) is not dict:
            raise self._invalid(payload)
        self._fold(obj)
        return False

    def _fold(self, obj: dict[str, Any]) -> None:
        acc = self._acc
        # An error event is folded in first: its id, provider and `usage` (what the failed
        # generation was billed) go on the error rather than being lost with the event.
        acc.add(obj)
        if obj.get("error") or acc.finish_reason == "error":
            raise self._mid_stream_error(obj)
        if self._keep:
            self._pending.append(obj)

    def _fold_split(self, payload: str, eof: bool) -> None:
        """An event that is not one JSON document."""
        objs: list[Any] = []
        if "\n" in payload:
            # A proxy that drops the blank lines between events leaves several JSON
            # documents in one event, one per `data:` line.
            try:
                objs = [_loads(line) for line in payload.split("\n") if line.strip()]
            except ValueError:
                objs = []
        if not objs or not all(type(o) is dict for o in objs):
            if eof:
                return  # cut off by the end of the body: `_end_of_body` judges the stream
            raise self._invalid(payload)
        for obj in objs:
            self._fold(obj)

    def _mid_stream_error(self, obj: Mapping[str, Any]) -> APIError:
        return error_from_response(
            200, self._headers, obj, model=self._model, secret=self._secret, is_mid_stream=True
        )

    def _invalid(self, payload: str) -> InvalidResponseError:
        key = secret_text(self._secret)
        if key:
            payload = payload.replace(key, REDACTED)
        text = redact_secrets(one_line(payload, 200))
        return InvalidResponseError(
            f"{self._model}: stream event is not valid JSON: {text!r}", model=self._model
        )

    def _end(self) -> None:
        self._done = True
        self._latency_s = perf_counter() - self._acc.t0

    def _end_of_body(self) -> None:
        if self._acc.finish_reason is None:
            raise APIConnectionError(
                "stream ended before completion (no finish_reason, no [DONE])",
                model=self._model,
            )
        self._end()

    async def _drain(self) -> None:
        raw = self._raw
        assert raw is not None
        if raw.ended():
            return  # `[DONE]` came with the end of the body: nothing to wait for
        with anyio.move_on_after(_DRAIN_S):
            try:
                while await raw.receive():
                    pass
            except APIError:
                pass  # the answer is complete; only the connection is lost
