"""The chart runtime a report embeds: Vega, Vega-Lite and vega-embed as one inline script.

The JavaScript comes from `vl-convert-python`, which ships the libraries inside its wheel, so
a report never fetches anything, at build time or when opened. Bundling takes about 1.3 s,
so the text is kept in memory and in the user's cache directory (one file per vl-convert
version); a cache that cannot be read or written is skipped, never an error.

The page runs with a Content-Security-Policy that forbids `eval`, so Vega must interpret
its expressions instead of compiling them with `new Function`: `EMBED_OPTIONS` (with
`ast: true`) are the options every `vegaEmbed` call of the page must pass. Vega 6, which
this bundle carries, exposes its expression interpreter itself, and vega-embed picks it
up when `ast` is set.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import threading
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import vl_convert

from orkit._settings import load_settings
from orkit.errors import ConfigError

__all__ = ["EMBED_OPTIONS", "vega_bundle"]

EMBED_OPTIONS: Final[dict[str, Any]] = {
    # no "export as PNG / open in editor" menu: the editor link would leave the page
    "actions": False,
    # parse expressions to an AST and interpret them: no `new Function` under the CSP
    "ast": True,
    # SVG: crisp when printed, and its text is selectable
    "renderer": "svg",
    # the specs carry no `$schema` (it is a URL), so say what they are
    "mode": "vega-lite",
}
"""The options of `vegaEmbed(element, spec, EMBED_OPTIONS)` (serialize them as JSON)."""

# The bundle declares hundreds of short top-level names (`const n`, `function t`, ...); as
# a classic script they would land in the page's global scope and clash with the page's
# own. A function scope keeps them private; the bundle publishes `window.vegaEmbed`,
# `window.vega` and `window.vegaLite` itself.
_WRAP_HEAD = "(() => {\n"
_WRAP_TAIL = "\n})();\n"
# What the bundle publishes: vl-convert's default, written out (its type stub wants one).
_SNIPPET = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;\n"
# Bytes on stdout: a text stream would translate line ends on Windows.
_CHILD = (
    "import sys, vl_convert; "
    "sys.stdout.buffer.write(vl_convert.javascript_bundle(sys.argv[1]).encode('utf-8'))"
)
_CHILD_TIMEOUT_S = 300.0  # the bundling takes about 1.3 s; a stuck child must not hang a report
_FORMAT = 1  # bump when the wrapping changes, so older cache files are not reused
_MARK = "// orkit vega bundle sha256="

_lock = threading.Lock()
_memory: str | None = None


def vega_bundle() -> str:
    """The Vega + Vega-Lite + vega-embed JavaScript as one classic script, ready to inline
    in a `<script>` element (it holds no `</script`), defining `window.vegaEmbed`."""
    global _memory
    with _lock:
        if _memory is None:
            path = _cache_path()
            cached = _read(path) if path is not None else None
            if cached is None:
                cached = build_bundle()
                if path is not None:
                    _write(path, cached)
            _memory = cached
        return _memory


def build_bundle() -> str:
    """Bundle the libraries afresh (what `vega_bundle` caches)."""
    return _WRAP_HEAD + script_safe(_bundle_text()) + _WRAP_TAIL


def _bundle_text() -> str:
    """vl-convert's bundle, made in a child process when one can be started: vl-convert runs
    a JavaScript engine that stays resident (some 90 MB) in the process that used it, and a
    report is often written at the end of a large run, in the run's own process."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, _SNIPPET],
            capture_output=True,
            check=True,
            timeout=_CHILD_TIMEOUT_S,
        )
        return done.stdout.decode("utf-8")
    except (OSError, ValueError, subprocess.SubprocessError):
        # no interpreter to start (an embedded Python), or it failed: pay the memory here
        return vl_convert.javascript_bundle(_SNIPPET)


def script_safe(js: str) -> str:
    """`js` with every `</script` (any case) written `<\\/script`: the HTML parser ends a
    script element at `</script`, and in JavaScript source such a sequence can only stand
    in a string, a template or a regular expression, where `\\/` means `/`."""
    out, start = [], 0
    lowered = js.lower()
    while (at := lowered.find("</script", start)) >= 0:
        out.append(js[start : at + 1])
        out.append("\\")
        start = at + 1
    out.append(js[start:])
    return "".join(out)


def _cache_path() -> Path | None:
    try:
        folder = load_settings().cache_dir
    except ConfigError:
        return None  # a bad unrelated setting must not stop a report: build instead
    version = metadata.version("vl-convert-python")
    return folder / "vega" / f"vega-bundle-{version}-f{_FORMAT}.js"


def _read(path: Path) -> str | None:
    """The cached bundle, or None when absent or not exactly what was written."""
    try:
        # newline="": the bytes as written; a translated line end would fail the digest
        with open(path, encoding="utf-8", newline="") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError):
        return None
    head, newline, body = text.partition("\n")
    if not newline or not head.startswith(_MARK):
        return None
    if head[len(_MARK) :] != hashlib.sha256(body.encode("utf-8")).hexdigest():
        return None
    return body


def _write(path: Path, body: str) -> None:
    """Write atomically (a reader never sees half a file); failing to is no error."""
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".vega-", suffix=".js")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(f"{_MARK}{digest}\n{body}")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # read-only home, full disk: the next report builds the bundle again


def _forget() -> None:
    """Drop the in-memory copy (tests use it to exercise the disk cache)."""
    global _memory
    with _lock:
        _memory = None
