"""Progress bars for long stages: rich bars on a terminal, nothing otherwise.

A bar is drawn only when standard error is a terminal and ``rich`` (the ``progress`` extra)
is installed, so logs, pipes and CI output stay clean; without either, :func:`progress`
returns a bar that does nothing and the code that advances it need not care.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Bar", "enabled", "progress"]


def enabled() -> bool:
    """True if bars are drawn: stderr is a terminal and rich is installed."""
    if not sys.stderr.isatty():
        return False
    try:
        import rich.progress  # noqa: F401
    except ImportError:
        return False
    return True


class Bar:
    """One task of a rich progress display, or a no-op when ``display`` is None."""

    def __init__(self, display=None, task=None) -> None:
        self._display = display
        self._task = task

    def advance(self, n: int = 1) -> None:
        if self._display is not None:
            self._display.advance(self._task, n)

    def update(self, *, completed: int | None = None, description: str | None = None) -> None:
        if self._display is not None:
            kw = {k: v for k, v in (("completed", completed), ("description", description)) if v is not None}
            self._display.update(self._task, **kw)


@contextmanager
def progress(total: int, description: str) -> Iterator[Bar]:
    """A bar of ``total`` steps, shown while the block runs (see the module doc for when)."""
    if not enabled():
        yield Bar()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    # On stderr, as the test above: stdout keeps only the results (it may be piped to a file).
    display = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn(), console=Console(stderr=True), transient=False)
    with display:
        yield Bar(display, display.add_task(description, total=total))
