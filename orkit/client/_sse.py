"""An incremental Server-Sent Events parser: bytes in, event payloads out (layer 1, pure).

Network chunks split events anywhere (inside a line, inside a UTF-8 character, between the
CR and LF of a CRLF), so the parser keeps the unfinished line between calls and only ever
decodes whole lines. It returns the `data` payload of each finished event as a string and
drops everything orkit does not use:

- comment lines (`: OPENROUTER PROCESSING`, the keep-alives OpenRouter sends while waiting
  for the upstream; feeding them to a JSON parser is the classic client bug),
- the `event:`, `id:` and `retry:` fields,
- blank lines between events.

Line ends may be LF, CRLF or a lone CR (the SSE spec allows all three). `data:` may be
followed by a space or not. Several `data:` lines of one event are joined with "\\n", as the
spec says. What the payload means (JSON, `[DONE]`) is the caller's business.
"""

from __future__ import annotations

__all__ = ["SSEParser"]

_BOM = b"\xef\xbb\xbf"


class SSEParser:
    """Feed it bytes with `feed()`; call `close()` at the end of the body.

    Each call returns the payloads of the events it completed, in order.
    """

    __slots__ = ("_buf", "_data", "_started")

    def __init__(self) -> None:
        self._buf = b""
        #: `data:` lines of the event being read (usually one).
        self._data: list[str] = []
        self._started = False

    def feed(self, chunk: bytes) -> list[str]:
        """Parse one network chunk; return the payloads of the events it completed."""
        buf = self._buf + chunk if self._buf else chunk
        if not self._started:
            if len(buf) < len(_BOM) and _BOM.startswith(buf):
                self._buf = buf  # cannot tell yet whether this is a byte-order mark
                return []
            self._started = True
            if buf.startswith(_BOM):
                buf = buf[len(_BOM) :]
        held = b""
        if b"\r" in buf:
            if buf.endswith(b"\r"):
                # The LF of a CRLF may come in the next chunk: decide on this CR then.
                buf, held = buf[:-1], b"\r"
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = buf.split(b"\n")
        self._buf = lines.pop() + held
        return self._lines(lines)

    def close(self) -> list[str]:
        """End of body: finish the last line and the last event, even without a blank line.

        The SSE spec would drop an event not followed by a blank line; a server that closes
        right after `data: [DONE]` is common enough that orkit accepts it.
        """
        tail = self._buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        self._buf = b""
        events = self._lines(tail.split(b"\n") if tail else [])
        if self._data:
            events.append(self._take())
        return events

    def _lines(self, lines: list[bytes]) -> list[str]:
        events: list[str] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    events.append(self._take())
            elif line.startswith(b"data:"):
                value = line[5:]
                if value[:1] == b" ":
                    value = value[1:]
                data.append(value.decode("utf-8", "replace"))
            # Anything else is a comment (":") or a field orkit does not use.
        return events

    def _take(self) -> str:
        data = self._data
        payload = data[0] if len(data) == 1 else "\n".join(data)
        data.clear()
        return payload
