"""`Run.show`'s frame: the whole page inside a sandboxed iframe, escaped as an attribute."""

from __future__ import annotations

import html
import re

from orkit.report import ReportFrame


def test_the_page_is_one_escaped_attribute_of_a_sandboxed_frame():
    page = '<html><script>window.top.x = "1"</script><p title="a&b">\'</p></html>'
    shown = ReportFrame(page, height=500)._repr_html_()
    (srcdoc,) = re.findall(r'srcdoc="([^"]*)"', shown)
    assert html.unescape(srcdoc) == page  # the page whole, and nothing else inside the quotes
    assert "<script>" not in shown  # no script of the page in the notebook's own DOM
    (sandbox,) = re.findall(r'sandbox="([^"]*)"', shown)
    assert sandbox == "allow-scripts"  # not allow-same-origin: no access to the notebook
    assert "height:500px" in shown
    assert repr(ReportFrame(page)) == f"ReportFrame({len(page):,} characters, height=760)"


def test_show_displays_once_in_a_shell_and_returns_the_frame_elsewhere(monkeypatch):
    """`Run.show()` displays the frame in a notebook and returns None there (a cell ending
    in it would show the page twice); with no shell it returns the frame to display."""
    import sys
    from types import SimpleNamespace

    from orkit.api._run import _display

    frame = ReportFrame("<p>x</p>")
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert _display(frame) is False
    shown: list[object] = []
    fake = SimpleNamespace(get_ipython=object, display=SimpleNamespace(display=shown.append))
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert _display(frame) is True
    assert shown == [frame]
    monkeypatch.setattr(fake, "get_ipython", lambda: None)  # IPython loaded, no shell running
    assert _display(frame) is False
    assert shown == [frame]
