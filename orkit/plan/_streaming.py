"""Whether a run's requests are streamed: the `stream` setting (`auto`, True, False).

Streaming is how time to first token is measured, and OpenRouter and the emulator always
end a stream with its usage. Local servers (llama.cpp, vLLM, Ollama) often do not, even
when asked (`stream_options.include_usage`): every row of such a run had null tokens. With
`auto`, a URL endpoint whose first streamed answer comes without token counts is sent
plain requests from then on (said once in the log), so the tokens are recorded; those
rows have no TTFT (null).
"""

from __future__ import annotations

import logging
from typing import Literal

from orkit.client import AsyncOpenRouter
from orkit.plan._endpoint import Endpoint
from orkit.types import ChatRequest, ChatResponse

__all__ = ["STREAM_SETTINGS", "StreamChoice", "StreamSetting"]

StreamSetting = bool | Literal["auto"]
STREAM_SETTINGS: tuple[StreamSetting, ...] = ("auto", True, False)

_log = logging.getLogger("orkit")


class StreamChoice:
    """The `Completer` a run's router sends through: the client, streamed or not."""

    def __init__(self, client: AsyncOpenRouter, setting: StreamSetting, endpoint: Endpoint):
        self._client = client
        self._endpoint = endpoint
        self.streaming = setting is not False
        # Only a URL endpoint is watched: OpenRouter and the emulator always send usage, and
        # their answers without it (a cache hit, an error chunk) must not end streaming.
        self._watching = setting == "auto" and endpoint.kind == "url"

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """One completion, streamed while streaming is on."""
        if not self.streaming:
            return await self._client.complete(request, stream=False)
        response = await self._client.complete(request, stream=True)
        # Judged on a finished answer only: a stream cut short says nothing of the usage
        # chunk a complete one would have ended with.
        if self._watching and response.finish_reason is not None and not _has_tokens(response):
            self._watching = False
            self.streaming = False
            _log.warning(
                "%s sends no token counts on streams: sending the rest of the run's requests "
                "unstreamed, so tokens are recorded (time to first token is not measured; "
                "set stream = true to keep streaming)",
                self._endpoint.base_url,
            )
        return response


def _has_tokens(response: ChatResponse) -> bool:
    usage = response.usage
    return usage is not None and (
        usage.prompt_tokens is not None or usage.completion_tokens is not None
    )
