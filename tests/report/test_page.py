"""render_page without a browser: the CSP allows exactly the inline scripts, the data block
cannot end its <script> element early, big payloads are gzipped, and no key survives."""

from __future__ import annotations

import base64
import gzip
import hashlib
import html as htmllib
import json
import re
from typing import Any

import pytest

from orkit.report._options import ReportOptions
from orkit.report._page import (
    GZIP_THRESHOLD_BYTES,
    base85_bytes,
    base85_text,
    content_security_policy,
    embed_json,
    render_page,
)

from ._payloads import FAKE_KEY, bar_chart, make_payload

# Stands in for the Vega bundle: what matters here is that it is hashed and escaped.
FAKE_VEGA = 'window.vegaEmbed = function () { return Promise.resolve("</script>"); };'


def _scripts(html: str) -> list[tuple[str, str]]:
    """(opening tag, text) of every <script> element."""
    return re.findall(r"(<script[^>]*>)(.*?)</script>", html, flags=re.S)


def _csp(html: str) -> str:
    match = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert match, "no CSP meta"
    return htmllib.unescape(match.group(1))


def _data(html: str) -> dict[str, Any]:
    for tag, text in _scripts(html):
        if 'id="orkit-data"' in tag:
            data: dict[str, Any] = json.loads(text)
            return data
        if 'id="orkit-data-gz"' in tag:
            packed: dict[str, Any] = json.loads(gzip.decompress(base85_bytes(text)))
            return packed
    raise AssertionError("no data block")


def test_csp_hashes_exactly_the_executable_scripts() -> None:
    html = render_page(make_payload(), [bar_chart()], FAKE_VEGA, ReportOptions())
    csp = _csp(html)
    executable = [text for tag, text in _scripts(html) if tag == "<script>"]
    assert len(executable) == 2  # the Vega bundle and the app
    hashes = re.findall(r"'sha256-([^']+)'", csp)
    expected = [base64.b64encode(hashlib.sha256(t.encode()).digest()).decode() for t in executable]
    assert hashes == expected
    assert "default-src 'none'" in csp
    assert "unsafe-eval" not in csp and "script-src 'unsafe-inline'" not in csp
    assert "connect-src" not in csp
    # the bundle's "</script>" string no longer closes its element
    assert "<\\/script>" in executable[0]


def test_data_block_escapes_markup_and_line_separators() -> None:
    # small data stays plain JSON (its gzip in base85 would be longer)
    data = {"texts": ["</script><b>&amp;", "line\u2028separator\u2029paragraph"], "n": [1, None]}
    text, packed = embed_json(data)
    assert not packed
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in text
    assert json.loads(text) == data  # escapes decode to the same strings


def test_small_data_is_packed_when_that_is_shorter() -> None:
    payload = make_payload(items=12)  # under the threshold, but repetitive: gzip pays
    assert len(json.dumps(payload).encode()) < GZIP_THRESHOLD_BYTES
    html = render_page(payload, [], FAKE_VEGA, ReportOptions())
    (text,) = [t for tag, t in _scripts(html) if 'id="orkit-data-gz"' in tag]
    assert len(text) < len(embed_json_plain(payload))
    data = _data(html)
    assert data["items"]["id"] == payload["items"]["id"] and data["charts"] == []


def embed_json_plain(payload: dict[str, Any]) -> str:
    return json.dumps({**payload, "charts": []}, ensure_ascii=False, separators=(",", ":"))


def test_no_key_survives_in_the_page_or_the_data() -> None:
    payload = make_payload(items=30)
    html = render_page(payload, [], FAKE_VEGA, ReportOptions(title=f"title {FAKE_KEY}"))
    assert FAKE_KEY not in html
    assert FAKE_KEY not in json.dumps(_data(html))
    assert FAKE_KEY in json.dumps(payload)  # the factory does plant it


def test_large_payload_is_gzipped_and_round_trips() -> None:
    payload = make_payload(items=1500, contestants=6)
    text, packed = embed_json(payload)
    assert packed and len(json.dumps(payload).encode()) > GZIP_THRESHOLD_BYTES
    # base85 digits, with none that could start or end markup
    assert re.fullmatch(r"[0-9A-Za-z!#$%:()*+\-;,=.?@^_`{|}~]+", text)
    assert not set("<>&\"'") & set(text)
    html = render_page(payload, [bar_chart()], FAKE_VEGA, ReportOptions())
    assert 'id="orkit-data-gz"' in html and 'id="orkit-data"' not in html
    data = _data(html)
    assert data["items"]["disagree"] == payload["items"]["disagree"]
    assert data["charts"][0]["id"] == "spend"
    assert FAKE_KEY not in json.dumps(data)


def test_small_payload_is_not_gzipped() -> None:
    _, packed = embed_json({"version": 1, "items": {"id": ["q1"]}})
    assert not packed


def test_title_is_escaped_and_options_win() -> None:
    html = render_page(make_payload(items=3), [], FAKE_VEGA, ReportOptions())
    assert "<title>synthetic &lt;b&gt;report&lt;/b&gt;</title>" in html
    html = render_page(make_payload(items=3), [], FAKE_VEGA, ReportOptions(title="<i>mine</i>"))
    assert "<title>&lt;i&gt;mine&lt;/i&gt;</title>" in html


def test_nan_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown values must be null"):
        embed_json({"contestants": [{"cost_usd": float("nan")}]})


def test_policy_lists_one_hash_per_script() -> None:
    csp = content_security_policy(["a()", "b()"])
    assert csp.count("'sha256-") == 2
    assert "img-src data: blob:" in csp and "style-src 'unsafe-inline'" in csp


def test_app_never_writes_markup_from_data() -> None:
    """The app's source holds no sink that parses strings as HTML or code."""
    from importlib import resources

    source = resources.files("orkit.report").joinpath("static", "report.js").read_text()
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "fetch(",
    ):
        assert sink not in source, sink


@pytest.mark.parametrize("size", [0, 1, 4, 5, (1 << 20) - 1, 1 << 20, (1 << 20) + 3])
def test_base85_in_blocks_is_the_whole_encoding_and_round_trips(size: int) -> None:
    data = hashlib.sha256(str(size).encode()).digest() * (size // 32 + 1)
    data = data[:size]
    text = base85_text(data)
    assert text == base64.b85encode(data).decode().translate(str.maketrans("<>&", ",.:"))
    assert base85_bytes(text) == data
