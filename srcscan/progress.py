"""Progress on a terminal, phase by phase; silence in pipes and files.

One Progress per command run, made current with `running(...)`; any stage (scan, coverage
rounds, analyses, writing, diff, explain, history) shows its work without being handed an
object:

    with running("keepalived 2.3.4"):
        with phase("parse", total=len(files)) as step:
            for f in files:
                ...
                step.advance()

`phase()` outside `running()`, or when stderr is not a terminal, does nothing. The display
is rich's (rich.progress): one line per phase with its counts and time; no hand-written
terminal codes.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from rich.progress import Progress


class Step:
    """One phase's counter; a no-op when there is no display."""

    def __init__(self, progress: Progress | None = None, task: int | None = None) -> None:
        self._progress, self._task = progress, task

    def advance(self, n: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def update(self, done: int, total: int | None = None) -> None:
        """Set the count outright (done of total)."""
        if self._progress is not None:
            self._progress.update(self._task, completed=done, **({"total": total} if total is not None else {}))

    def describe(self, text: str) -> None:
        """Change the phase's label (e.g. which suite is downloading)."""
        if self._progress is not None:
            self._progress.update(self._task, description=text)


_current: contextvars.ContextVar[Progress | None] = contextvars.ContextVar("srcscan_progress", default=None)
# Inside `each_item()` (history's releases, diff's two sides): phases vanish when they end, so a
# run of a hundred releases keeps a few lines on screen, not five hundred.
_transient: contextvars.ContextVar[bool] = contextvars.ContextVar("srcscan_progress_transient", default=False)


def is_shown(stream=None) -> bool:
    """Whether progress is drawn: stderr (or `stream`) is a terminal."""
    stream = stream or sys.stderr
    return hasattr(stream, "isatty") and stream.isatty()


@contextlib.contextmanager
def running(label: str, enabled: bool | None = None, file=None) -> Iterator[None]:
    """Show the phases of one run under `label` on stderr while the block runs (a terminal only).

    enabled: force the display on or off (None: on when stderr is a terminal); file: where
    to draw instead of stderr (tests). Nested calls reuse the display already running."""
    if _current.get() is not None or not (is_shown() if enabled is None else enabled):
        yield
        return
    # rich is imported only when something is drawn: in a pipe or a test run it would cost
    # every command its import time (issue 20's warm-command target).
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=file, force_terminal=True) if file is not None else Console(stderr=True)
    display = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       console=console, transient=False, redirect_stdout=False)
    display.console.print(f"[bold]{label}[/bold]", highlight=False)
    token = _current.set(display)
    try:
        with display:
            yield
    finally:
        _current.reset(token)


@contextlib.contextmanager
def phase(name: str, total: int | None = None) -> Iterator[Step]:
    """A phase of the current run, `total` units long (None: unknown); finished on exit."""
    display = _current.get()
    if display is None:
        yield Step()
        return
    task = display.add_task(name, total=total)
    try:
        yield Step(display, task)
    finally:
        t = next(x for x in display.tasks if x.id == task)
        total = t.total if t.total else max(t.completed, 1)  # a phase of unknown length shows 1/1 when done
        display.update(task, total=total, completed=total)
        display.stop_task(task)
        if _transient.get():
            display.remove_task(task)


@contextlib.contextmanager
def transient() -> Iterator[None]:
    """Phases started inside this block are removed from the display when they end (the
    outer phase, e.g. "releases 12/104", stays); nothing changes when nothing is drawn."""
    token = _transient.set(True)
    try:
        yield
    finally:
        _transient.reset(token)


def counter(name: str):
    """A (done, total) callback drawing one phase, for code that reports counts that way
    (scan.run_cached). Returns None when nothing is shown, so callers may skip the work."""
    display = _current.get()
    if display is None:
        return None
    task = display.add_task(name, total=None)

    gone = _transient.get()

    def show(done: int, total: int) -> None:
        display.update(task, completed=done, total=total)
        if done >= total:
            display.stop_task(task)
            if gone and any(t.id == task for t in display.tasks):
                display.remove_task(task)

    return show


def say(line: str) -> None:
    """Print one line on stderr above the progress display (or plainly when there is none)."""
    display = _current.get()
    if display is None:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    else:
        display.console.print(line, highlight=False, markup=False)
