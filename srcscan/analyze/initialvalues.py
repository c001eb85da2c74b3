"""File-scope variables given a constant other than 0 at their definition, and the writes of one
that may make a test of it pass (guardedlocals.global_set_only_under reads a test with them).
Facts in (the logsetup facts' initial values, extract.writes' writes), values out; no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Callable, Iterable

from srcscan.analyze.optionvalues import integer_of
from srcscan.cexpr import evaluate, names
from srcscan.model import FileFacts, FunctionFacts, Write

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index


def initial_values(files: Iterable[FileFacts]) -> dict[str, int]:
    """File-scope variable -> the integer constant other than 0 its definition gives it (C: its
    value at start; lighttpd's server.c `static volatile int pid_fd = -2;`). A name defined
    with another value, or without one, in another file is left out: srcscan's writes and
    tests name a file-scope variable by its name alone."""
    found: dict[str, set] = defaultdict(set)
    for f in files:
        if f.logsetup is None:
            continue
        for name in f.logsetup.zero_globals:
            found[name].add(0)
        for name, value in f.logsetup.globals.items():
            known = value[0] == "int" and isinstance(value[1], int) and not isinstance(value[1], bool)
            found[name].add(value[1] if known else None)
    return {name: v for name, values in found.items() if len(values) == 1 and (v := next(iter(values)))}


def initialized_writes(name: str, writes: tuple[tuple[FunctionFacts, Write], ...], start: int,
                        passes: Callable[[int], bool], index: Index) -> tuple[tuple[FunctionFacts, Write], ...]:
    """The writes of a file-scope variable given a constant at its definition (Index.initial_values)
    that may make a test pass, for guardedlocals.global_set_only_under; () when srcscan cannot tell.
    lighttpd 1.4.85's server.c: `static volatile int pid_fd = -2;`, then `pid_fd = -1` at start-up,
    `pid_fd = fdevent_open_cloexec(pidfile, ...)` only after `if (NULL == srv->srvconf.pid_file)
    return 0;`, and `pid_fd = -pid_fd` to mark and unmark a graceful restart: `if (pid_fd > 2)`
    needs server.pid-file. A write of the variable from itself and constants (`x = -x`) makes no
    value of its own: it passes on one another write gave, so it is left out when none of the
    constants the variable can hold (the initializer, constant writes and these writes' images of
    them, to a fixed point) passes; () when one does or they do not settle. Every line the text
    writes the variable on (Index.assigned) must be a write srcscan parsed (an assignment inside
    a condition, `(x = f()) == -1`, included), and every write a plain assignment; else ()."""
    if not writes or any(w.op != "=" for _, w in writes) or not _all_parsed(name, writes, index):
        return ()
    own = [w for _, w in writes if integer_of(w.value) is None and names(w.value) == {name}]
    held = {start} | {v for _, w in writes if (v := integer_of(w.value)) is not None}
    derived: set = set()  # the images: what the own writes can make of the constants
    for _ in range(4):
        images = {evaluate(w.value, {name: v}) for w in own for v in held}
        derived |= images
        if None in images:
            return ()
        if images <= held:
            break
        held |= images
    else:
        return ()
    if any(passes(v) for v in derived):
        return ()
    return tuple((fn, w) for fn, w in writes if w not in own)


def _all_parsed(name: str, writes: Iterable[tuple[FunctionFacts, Write]], index: Index) -> bool:
    """Whether every line of the text writing `name` (Index.assigned) is a parsed write of it."""
    parsed = {(w.file, w.line) for _, w in writes}
    written = {(file, line) for file, lines in index.assigned.items() for line in lines.get(name, ())}
    return bool(written) and written <= parsed
