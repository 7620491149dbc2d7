"""Results left in files rather than held or sent whole: pickled, read back when wanted, then removed.

A worker process that pickles its result into a file streams it (no whole message
built on either side of the pipe), and the main process loads each file only when
it gets to it; a long series of chunks is read back one chunk at a time.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SpilledChunks:
    """Chunks pickled one after the other into `path`; iterating reads them back one at a time
    and removes the file once all are read (so it can be iterated once)."""

    path: str

    def __iter__(self) -> Iterator[Any]:
        with open(self.path, "rb") as fh:
            while True:
                try:
                    yield pickle.load(fh)
                except EOFError:
                    break
        os.unlink(self.path)


def spill_chunks(chunks: Iterable[Any], path: str) -> SpilledChunks:
    """Write `chunks` into `path`, holding one at a time."""
    with open(path, "wb") as fh:
        for chunk in chunks:
            pickle.dump(chunk, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return SpilledChunks(path)


def spill_object(value: object, path: str) -> str:
    """Pickle `value` into `path` (returned)."""
    with open(path, "wb") as fh:
        pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def load_spilled(path: str) -> Any:
    """The object `spill_object` left in `path`; the file is removed."""
    with open(path, "rb") as fh:
        value = pickle.load(fh)
    os.unlink(path)
    return value
