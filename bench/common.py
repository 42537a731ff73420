"""Shared pieces of the benchmark table: timing and the row format.

Each ``bench/bench_<topic>.py`` defines ``rows(quick: bool) -> list[Row]``; ``bench/run.py``
collects them and prints one table, so every kernel is measured against its baseline in the
same run on the same inputs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


def best_time(fn: Callable[[], object], repeat: int = 5, min_time: float = 0.2) -> float:
    """Best wall time of one call of ``fn`` over ``repeat`` rounds (each round loops until
    ``min_time`` seconds so that short kernels are timed over many calls)."""
    fn()  # warm-up: imports, first-touch allocations, caches
    best = float("inf")
    for _ in range(repeat):
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        best = min(best, elapsed / calls)
    return best


@dataclass
class Row:
    """One line of the table: ``items`` processed by the kernel and by the baseline."""

    topic: str
    kernel: str
    baseline: str
    items: int
    unit: str
    t_kernel: float
    t_baseline: float | None = None
    note: str = ""

    @property
    def rate_kernel(self) -> float:
        return self.items / self.t_kernel

    @property
    def rate_baseline(self) -> float | None:
        return None if self.t_baseline is None else self.items / self.t_baseline

    @property
    def ratio(self) -> float | None:
        return None if self.t_baseline is None else self.t_baseline / self.t_kernel
