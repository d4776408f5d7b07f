"""Give memory back to the system after a large import is dropped.

Python frees a dropped import's objects, but glibc keeps the freed pages for reuse, so the
server's size stays at its peak (a 150 MB import left it 0.6 GB larger). ``release`` runs
the garbage collector and then glibc's ``malloc_trim``; elsewhere it only collects.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from functools import cache


@cache
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release() -> None:
    """Collect garbage and return free heap pages to the system."""
    gc.collect()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
