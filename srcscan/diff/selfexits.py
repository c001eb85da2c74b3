"""Early exits that write the message themselves: an exit `!(X)` before a message, taken
right after another call of the same function writes the same template under X, stops that
call only where the same text is written anyway. A release that adds (or drops) such an exit
changes nothing for whether the message appears. lighttpd 1.4.79's
mod_mbedtls_ssl_conf_ciphersuites() gained a first-token branch for
"EECDH+AESGCM:CHACHA20:!PSK:!DHE" whose overflow check writes `MTLS: error: too many
ciphersuites during list expand` and returns; the loop's later calls of that text are under
the new exit, written where it is not taken. Catalog messages in, guards out: no pairing
decisions here.
"""

from __future__ import annotations

from typing import Iterable

from srcscan.catalog import Message
from srcscan.diff.implied import _bare, _split_and
from srcscan.diff.text import _uncast, call_arguments_end


def without_exits_writing_it(m: Message, guards: tuple[str, ...], siblings: Iterable[Message]) -> tuple[str, ...]:
    """The guards (m's, as the diff reads them) but each early exit `!(X)` whose tests X (its
    conjuncts) are all conditions of another message of `siblings` (m's side, file and
    function) with m's format, written on an earlier line (another call: not a further text of
    m's own call), that message's other conditions all m's own: the exit's block writes m's
    text, under what m's call is under too, before it leaves."""
    own = {_key(g) for g in m.conditions}
    same = [s for s in siblings if s.line < m.line and s.format == m.format and s.function == m.function
            and s.file == m.file]
    if not same:
        return guards
    out = []
    for g in guards:
        tests = _exit_tests(_key(g))
        if tests and any(tests <= (theirs := {_key(c) for c in s.conditions}) and theirs <= tests | own for s in same):
            continue
        out.append(g)
    return tuple(out)


def _key(guard: str) -> str:
    return " ".join(_uncast(guard).split())


def _exit_tests(guard: str) -> set[str]:
    """`!(A && B)` -> {A, B}; `!(A)` -> {A}; empty for a guard of another form."""
    if not guard.startswith("!("):
        return set()
    end, _ = call_arguments_end(guard, 2)
    if end != len(guard) - 1:
        return set()
    return {_key(_bare(p.strip())) for p in _split_and(guard[2:-1])}
