"""Wall time per stage of a run (wait, load, quality; read and harmonize from the workers), for bench/."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class StageClock:
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def add(self, name: str, seconds: float) -> None:
        """Seconds a worker process spent on a stage (they overlap the main process's stages)."""
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds
