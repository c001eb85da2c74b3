"""What explain reads of a catalog beside its templates: the process table's idents as
regular expressions (an ident written as a pattern, `Keepalived_vrrp[_<instance>]`, matches
the idents it stands for) and the options a message proves were in effect (its `requires`)."""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from srcscan.catalog import Message
from srcscan.sections import ProcessRow


def ident_table(processes: Iterable[ProcessRow]) -> list[tuple[re.Pattern[str], str]]:
    """(ident expression, process name) from the catalog's process table. An ident written as a
    pattern (`Keepalived_vrrp[_<net_namespace>][_<instance>]`: optional parts in brackets,
    run-time values in angle brackets) matches the idents it stands for."""
    out = []
    for p in processes:
        for ident in p.idents:
            out.append((re.compile(ident_pattern(ident)), p.name))
    return out


def ident_pattern(ident: str) -> str:
    out, i = [], 0
    while i < len(ident):
        c = ident[i]
        if c == "[":
            out.append("(?:")
        elif c == "]":
            out.append(")?")
        elif c == "<":
            j = ident.find(">", i)
            if j < 0:
                out.append(re.escape(ident[i:]))
                break
            out.append(r"[^\s\[\]:]+?")
            i = j
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


Requirement = tuple[tuple[str, ...], ...]  # alternatives (or), each a conjunction (+) of options, as Message.requires


def proves(messages: Sequence[Message]) -> Requirement:
    """What a line proves when it was written by one of `messages` (call sites the line fits
    alike): one of their requirements held, so their alternatives joined by "or" (an alternative
    that holds another is left out: `-D or -D + -d` is `-D`); () when one of them needs nothing
    (the line then proves nothing)."""
    alts: set[tuple[str, ...]] = set()
    for m in messages:
        if not m.requires or any(not alt for alt in m.requires):
            return ()
        alts.update(m.requires)
    return tuple(sorted(a for a in alts if not any(set(b) < set(a) for b in alts)))


def proves_text(messages: Sequence[Message]) -> str:
    """`proves(messages)` as text (`-D or -d`, `proxy.debug + -v`); "" when the line proves nothing."""
    return " or ".join(" + ".join(alt) for alt in proves(messages))


def proven_options(requirements: Iterable[Requirement]) -> list[str]:
    """Options the lines prove were in effect: per line (or row of lines) what it proves
    (`proves`: `-D`, `proxy.debug>=2`, `-D or -d`; `without -t` for `!-t`), leaving out a
    requirement that another one already proves (`-D or -d` when `-D` alone is proven)."""
    sets = {frozenset(r) for r in requirements if r and all(r)}
    kept = [s for s in sets if not any(t < s for t in sets)]
    return sorted(" or ".join(" + ".join(_atom(a) for a in alt) for alt in sorted(s)) for s in kept)


def _atom(atom: str) -> str:
    return f"without {atom[1:]}" if atom.startswith("!") else atom


def requires_text(m: Message) -> str:
    alts = [alt for alt in m.requires]
    if not alts or any(not alt for alt in alts):
        return ""
    return " or ".join(" + ".join(alt) for alt in alts)
