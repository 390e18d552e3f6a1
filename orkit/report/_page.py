"""Assemble the report's one HTML file from the payload, the chart specs and the Vega bundle.

The page is a static skeleton (templates/page.html.j2), one stylesheet and one script
(static/report.css, static/report.js) that build everything from the embedded JSON. Model
outputs and dataset texts are untrusted, so the page defends in depth: the data travels as
escaped JSON (or its gzip in base85) that the browser never parses as markup, the app writes
it with `textContent` only, and a Content-Security-Policy allows exactly the page's own
inline scripts (by hash), no network and no `eval`.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from orkit._redact import redact_secrets
from orkit.report._options import ReportOptions

__all__ = [
    "GZIP_THRESHOLD_BYTES",
    "base85_bytes",
    "base85_text",
    "content_security_policy",
    "embed_json",
    "render_page",
]

GZIP_THRESHOLD_BYTES = 256 * 1024
"""Above this size the embedded JSON is always gzipped and base85-encoded (below it, the
shorter of that and the plain JSON is embedded): a 10,000-item drill-down
shrinks about fivefold, and below it the inflate step costs more than the bytes it saves."""

# Characters that must not appear raw inside a <script> element's JSON: `<` could start
# `</script>` or `<!--`, `>` and `&` are escaped for old parsers and XHTML readers, and the two
# line separators are newlines to some JavaScript tooling that reads the block as code.
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_ESCAPE_TABLE = str.maketrans(_JSON_ESCAPES)

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("orkit.report", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _static(name: str) -> str:
    return resources.files("orkit.report").joinpath("static", name).read_text("utf-8")


def embed_json(data: Mapping[str, Any]) -> tuple[str, bool]:
    """The text of the page's data block and whether it is gzip in base85 (`base85_text`).

    Secrets are scrubbed from the serialized JSON before it is compressed, so no key shape
    survives anywhere in the file. NaN and infinities are refused: unknown is null.

    The JSON is written piece by piece (`_json_pieces`) straight into the compressor: the
    whole text of a 10,000-item drill-down (some 35 MB, 70 MB as a Python string, and as
    much again escaped) never exists at once.
    """
    raw_bytes = 0
    sink = io.BytesIO()
    # mtime=0: the same payload gives the same file
    with gzip.GzipFile(fileobj=sink, mode="wb", compresslevel=9, mtime=0) as packer:
        for piece in _json_pieces(data):
            encoded = piece.encode("utf-8")
            raw_bytes += len(encoded)
            packer.write(encoded)
    if raw_bytes > GZIP_THRESHOLD_BYTES:
        return base85_text(sink.getvalue()), True
    # small: whichever is shorter (a redacted or 50-item report was larger as plain JSON)
    plain = "".join(_json_pieces(data)).translate(_JSON_ESCAPE_TABLE)
    packed = base85_text(sink.getvalue())
    return (packed, True) if len(packed) < len(plain) else (plain, False)


# RFC 1924's base85 (Python's b85encode) has "<", ">" and "&" among its digits; written as
# ",", "." and ":" (not among them) the block cannot hold markup. 25% over the bytes, where
# base64 is 33%: half a megabyte of a 10,000-item report.
_BASE85_SAFE = str.maketrans("<>&", ",.:")
_BASE85_BACK = str.maketrans(",.:", "<>&")


_BASE85_BLOCK = 1 << 20
"""Bytes encoded at a time: `b85encode` makes a Python object per 4 bytes, so 7 MB of gzip
at once took 260 MB for a moment; blocks of a whole number of 4-byte words encode to the
same text as the whole does."""


def base85_text(data: bytes) -> str:
    """`data` as the page's base85 text (report.js's `base85Bytes` reads it back)."""
    view = memoryview(data)
    blocks = (
        base64.b85encode(view[at : at + _BASE85_BLOCK]).decode("ascii")
        for at in range(0, len(data), _BASE85_BLOCK)
    )
    return "".join(blocks).translate(_BASE85_SAFE)


def base85_bytes(text: str) -> bytes:
    """The bytes of the page's base85 text (for tests and tools reading a report)."""
    return base64.b85decode(text.translate(_BASE85_BACK))


def _json_pieces(value: Any) -> Iterator[str]:
    """`value` as compact JSON, in pieces: containers of containers are walked, and each
    run of scalars (a column of the drill-down, a string) is one `json.dumps`, scrubbed
    of secrets. A key is a string, a string is never split across pieces, so scrubbing
    piece by piece misses none."""
    if isinstance(value, Mapping):
        yield "{"
        for at, (key, inner) in enumerate(value.items()):
            yield ("," if at else "") + _dumps(str(key)) + ":"
            yield from _json_pieces(inner)
        yield "}"
    elif isinstance(value, list | tuple) and any(
        isinstance(v, Mapping | list | tuple) for v in value
    ):
        yield "["
        for at, inner in enumerate(value):
            if at:
                yield ","
            yield from _json_pieces(inner)
        yield "]"
    else:
        yield _dumps(value)


def _dumps(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except ValueError as exc:
        raise ValueError(f"report payload: {exc} (unknown values must be null)") from None
    return redact_secrets(text)


def _inline_script(code: str) -> str:
    """Code safe to place between <script> and </script>: a literal `</script` in a string
    would end the element early (JavaScript reads `<\\/` as `</`)."""
    return redact_secrets(code).replace("</script", "<\\/script").replace("<!--", "<\\!--")


def _sha256(code: str) -> str:
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(scripts: list[str]) -> str:
    """The policy for a page whose only executable scripts are `scripts` (their exact text):
    nothing is fetched, nothing is evaluated from strings, styles may be inline (Vega's SVG
    sets them) and images only from data: and blob: URLs (Vega's exports)."""
    hashes = " ".join(_sha256(code) for code in scripts)
    return (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'"
    )


def render_page(
    payload: Mapping[str, Any],
    charts: list[dict[str, Any]],
    vega_js: str,
    options: ReportOptions,
) -> str:
    """The self-contained HTML report of `payload`, with `charts` (`{"id", "title", "spec"}`
    Vega-Lite specs) drawn by `vega_js` (a script that defines `vegaEmbed`)."""
    data, packed = embed_json({**payload, "charts": charts})
    vega = _inline_script(vega_js)
    app = _inline_script(_static("report.js"))
    title = options.title or payload.get("title") or "orkit report"
    page = _ENV.get_template("page.html.j2").render(
        title=title,
        csp=content_security_policy([vega, app]),
        css=Markup(_static("report.css").replace("</style", "<\\/style")),
        data=Markup(_DATA_SLOT),
        packed=packed,
        vega=Markup(vega),
        app=Markup(app),
    )
    # The data and scripts are scrubbed already; this catches a key in the title or options.
    # The data block goes in afterwards: its base85 is not text to scrub (a key shape could
    # turn up in it by chance, and "scrubbing" it would corrupt the data).
    head, tail = redact_secrets(page).split(_DATA_SLOT)
    return head + data + tail


_DATA_SLOT = "\x00orkit-data\x00"
