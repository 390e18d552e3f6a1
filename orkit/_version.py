"""orkit's version, from the installed package's metadata (a source tree without an install
says 0.0.0). Its own module, so that a run's manifest can record it without importing the
`orkit` package from below."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("orkit")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"
