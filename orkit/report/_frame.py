"""A report shown inside a notebook: the whole page in a sandboxed iframe.

The page carries its own Content-Security-Policy and scripts; put into the notebook's own
DOM, its scripts would run with the notebook's origin and its styles would leak. In an
iframe's `srcdoc` with `sandbox="allow-scripts"` (and not `allow-same-origin`) it runs in an
opaque origin of its own: it can draw, and can reach neither the notebook nor the network.
"""

from __future__ import annotations

import html

__all__ = ["ReportFrame"]


class ReportFrame:
    """A rendered report that Jupyter displays inline (`_repr_html_`)."""

    def __init__(self, page: str, *, height: int = 760) -> None:
        self.page = page
        self.height = height

    def __repr__(self) -> str:
        return f"ReportFrame({len(self.page):,} characters, height={self.height})"

    def _repr_html_(self) -> str:
        # html.escape with quote=True: the page goes into a double-quoted attribute whole
        return (
            f'<iframe sandbox="allow-scripts" srcdoc="{html.escape(self.page, quote=True)}" '
            f'style="width:100%;height:{int(self.height)}px;border:1px solid #ddd;'
            'border-radius:4px" title="orkit report"></iframe>'
        )
