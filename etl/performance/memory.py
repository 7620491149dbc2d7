"""Give the memory a finished stage freed back to the system; pause the collector while cells are built.

CPython frees a large night's frames into the C allocator, which keeps most of
it for later: a worker process that has sent its file's results, or the main
process after the registry load, goes on holding hundreds of megabytes it no
longer uses. glibc's `malloc_trim` returns the free pages; elsewhere (macOS,
musl) there is nothing to call and the allocator keeps them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # no such library or no such function (not glibc)
        return None
    return trim


def release_memory(*, collect: bool = False) -> None:
    """Hand the allocator's free pages back to the system where glibc allows.

    `collect`: run the cyclic garbage collector first, for objects only a
    reference cycle keeps alive. It costs about 0.2 s in a process that has
    the run's libraries loaded, which a small night feels; without it, what
    reference counting freed is returned.
    """
    if collect:
        gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of cell lists are built.

    They hold only strings, so no cycles arise; without the pause the collector
    rescans them again and again and reading takes several times longer.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
