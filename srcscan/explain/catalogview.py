"""What explain reads of a catalog beside its templates: the process table's idents as
regular expressions (an ident written as a pattern, `Keepalived_vrrp[_<instance>]`, matches
the idents it stands for) and the options a message proves were in effect (its `requires`)."""

from __future__ import annotations

import re
from typing import Iterable

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


def proven_options(messages: Iterable[Message]) -> list[str]:
    """Options the lines prove were in effect: per message its requirement (`-D`,
    `proxy.debug>=2`, `-D or -d`; `without -t` for `!-t`), leaving out a requirement that
    another one already proves (`-D or -d` when `-D` alone is proven)."""
    sets = {frozenset(m.requires) for m in messages if m.requires and all(m.requires)}
    kept = [s for s in sets if not any(t < s for t in sets)]
    return sorted(" or ".join(" + ".join(_atom(a) for a in alt) for alt in sorted(s)) for s in kept)


def _atom(atom: str) -> str:
    return f"without {atom[1:]}" if atom.startswith("!") else atom


def requires_text(m: Message) -> str:
    alts = [alt for alt in m.requires]
    if not alts or any(not alt for alt in alts):
        return ""
    return " or ".join(" + ".join(alt) for alt in alts)
