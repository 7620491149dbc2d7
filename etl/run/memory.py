"""Give the memory a finished stage freed back to the system.

CPython frees a large night's frames into the C allocator, which keeps most of
it for later: a worker process that has sent its file's results, or the main
process after the registry load, goes on holding hundreds of megabytes it no
longer uses. glibc's `malloc_trim` returns the free pages; elsewhere (macOS,
musl) only the garbage collector runs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache


@cache
def _malloc_trim() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # no such library or no such function (not glibc)
        return None


def release_memory() -> None:
    """Collect garbage, then hand the allocator's free pages back to the system where glibc allows."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
