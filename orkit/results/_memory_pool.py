"""Arrow's allocations from the C library's malloc, for code that reads many part files.

Arrow's default pool (mimalloc) keeps some of every part file read: a run of 200,000 tasks
(100 parts) grew by 10 MB just reading its tables, and a report of 100,000 tasks peaked
some 60 MB higher than with malloc, which hands freed memory back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa

__all__ = ["system_memory_pool"]


@contextmanager
def system_memory_pool() -> Iterator[None]:
    """Arrow allocates from malloc meanwhile, then from the pool it used before."""
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)
