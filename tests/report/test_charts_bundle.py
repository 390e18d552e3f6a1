"""The inline Vega bundle: built once, then read from memory or the user's cache directory;
a broken or unwritable cache falls back to building; no `</script` ever reaches the page.

vl-convert's bundling (1.3 s, in a child process) is replaced by a counting stand-in here;
the browser test uses the real one."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
import vl_convert

from orkit.report import _vega
from orkit.report._vega import EMBED_OPTIONS, script_safe, vega_bundle


class FakeBundler:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, snippet: str, vl_version: str | None = None) -> str:
        self.calls += 1
        assert "window.vegaEmbed = vegaEmbed" in snippet
        return f"const s = '</script>';\nconst t = /<\\/SCRIPT/;\n// build {self.calls}\n"


@pytest.fixture
def bundler(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBundler]:
    fake = FakeBundler()
    monkeypatch.setattr(_vega, "_bundle_text", lambda: fake(_vega._SNIPPET))
    _vega._forget()
    yield fake
    _vega._forget()  # no other test may see the stand-in's text


def _cache_files(cache: Path) -> list[Path]:
    return sorted((cache / "vega").glob("vega-bundle-*.js"))


def test_built_once_then_kept_in_memory(bundler: FakeBundler) -> None:
    first = vega_bundle()
    assert vega_bundle() is first
    assert bundler.calls == 1
    assert first.startswith("(() => {\n") and first.endswith("\n})();\n")
    assert "</script" not in first.lower()
    assert "<\\/script>" in first


def test_a_new_process_reads_the_disk_cache(bundler: FakeBundler) -> None:
    first = vega_bundle()
    (path,) = _cache_files(Path(_cache_dir()))
    _vega._forget()  # as a new process would start
    assert vega_bundle() == first
    assert bundler.calls == 1
    assert path.name.startswith(f"vega-bundle-{_version()}-")


def test_a_damaged_cache_file_is_rebuilt_and_replaced(bundler: FakeBundler) -> None:
    vega_bundle()
    (path,) = _cache_files(Path(_cache_dir()))
    path.write_text(path.read_text("utf-8").replace("build 1", "build X"), "utf-8")
    _vega._forget()
    assert "build 2" in vega_bundle()
    _vega._forget()
    assert "build 2" in vega_bundle()  # the rebuilt text was written back
    assert bundler.calls == 2


def test_an_unwritable_cache_still_gives_the_bundle(
    bundler: FakeBundler, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be", "utf-8")
    monkeypatch.setenv("ORKIT_CACHE_DIR", str(blocker))
    assert "build 1" in vega_bundle()
    _vega._forget()
    assert "build 2" in vega_bundle()
    assert blocker.read_text("utf-8").startswith("a file")


def test_a_bad_unrelated_setting_does_not_stop_the_bundle(
    bundler: FakeBundler, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORKIT_ESTIMATE_PROMPT_TOKENS", "nonsense")
    assert "build 1" in vega_bundle()


def test_without_a_child_process_the_bundle_is_made_here(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = FakeBundler()
    monkeypatch.setattr(vl_convert, "javascript_bundle", fake)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))
    assert "build 1" in _vega.build_bundle()
    assert fake.calls == 1


def test_script_safe_escapes_every_closing_script_tag() -> None:
    assert script_safe("a</script>b</SCRIPT >c</ScRiPt") == "a<\\/script>b<\\/SCRIPT >c<\\/ScRiPt"
    assert script_safe("x < y && '</scrip'") == "x < y && '</scrip'"


def test_embed_options_interpret_expressions() -> None:
    assert EMBED_OPTIONS["ast"] is True  # no `new Function` under a CSP without unsafe-eval
    assert EMBED_OPTIONS["actions"] is False and EMBED_OPTIONS["mode"] == "vega-lite"


def _cache_dir() -> str:
    return os.environ["ORKIT_CACHE_DIR"]  # the conftest gives each test its own


def _version() -> str:
    return metadata.version("vl-convert-python")
