"""Tables of callbacks only some functions hand over: keepalived's check_tcp.c holds `static const
checker_funcs_t tcp_checker_funcs = { CHECKER_TCP, free_tcp_check, dump_tcp_check, ... };`, and
only tcp_check_handler (TCP_CHECK's keyword handler) names it, in `queue_checker(&tcp_checker_funcs,
...)`. A call through `dump_func` then reaches dump_tcp_check only after that handler ran: the
table's initializer is no store "there from the start" (inherited.stored_requirement) but one
each function naming the table makes, under that naming's guards.

Only a table declared `static` (no other file can name it) whose every use in its file's text is
one srcscan's facts show in a function (an argument of a call or a value written: the count of
the name's occurrences must match); otherwise nothing is said. Facts and the file's text in
(the declaration's name read from the line of its initializer), a table out; no I/O.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.cexpr import CExpr, Name, walk
from srcscan.model import FunctionRef, Guard, Write

Handovers = dict[tuple[str, int], tuple[tuple[str, tuple[Guard, ...]], ...]]

_DECLARATION = re.compile(r"^\s*static\b[^=;(]*?\b([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*=\s*\{")
_BACK = 30  # lines looked back from an initializer's line for its declaration


def table_handovers(graph: CallGraph, stores: Iterable[FunctionRef], writes: Iterable[Write],
                    texts: Mapping[str, str]) -> Handovers:
    """(file, line) of a file-scope initializer storing a function in a field (`stores`: the
    FunctionRefs of Index.field_stores) -> the functions handing its table over (function key,
    the guards of the call or write naming the table), for a `static` table all of whose uses
    in the file (`texts`: file -> its text) are such calls or writes; tables of other shapes
    are left out."""
    lines_of: dict[str, list[str]] = {}
    by_name: dict[tuple[str, str], list[tuple[str, tuple[Guard, ...]]] | None] = {}
    uses = _uses(graph, writes)
    out: Handovers = {}
    for ref in stores:
        if ref.function or ref.context != "initializer" or ref.file not in texts:
            continue
        lines = lines_of.setdefault(ref.file, texts[ref.file].splitlines())
        name = _declared(lines, ref.line)
        if name is None:
            continue
        slot = (ref.file, name)
        if slot not in by_name:
            found = uses.get(slot, [])
            occurrences = len(re.findall(rf"\b{re.escape(name)}\b", texts[ref.file]))
            by_name[slot] = [(k, g) for k, g, _ in found] if found and occurrences == len(found) + 1 else None
        if by_name[slot]:
            out[(ref.file, ref.line)] = tuple(dict.fromkeys(by_name[slot]))
    return out


def _declared(lines: list[str], line: int) -> str | None:
    """The name a `static ... NAME = {` declaration on `line` (1-based) or a few lines above it
    declares, when the initializer has not closed in between."""
    for at in range(line - 1, max(line - 1 - _BACK, -1), -1):
        if at >= len(lines):
            return None
        text = lines[at]
        if (match := _DECLARATION.match(text)) is not None:
            return match.group(1)
        if at != line - 1 and text.lstrip().startswith("}"):
            return None
    return None


def _uses(graph: CallGraph, writes: Iterable[Write]) -> dict[tuple[str, str], list[tuple[str, tuple[Guard, ...], int]]]:
    """(file, variable name) -> each use of the name in a function of that file: a call's
    argument or a written value (function key, its guards, line), one per occurrence."""
    out: dict[tuple[str, str], list[tuple[str, tuple[Guard, ...], int]]] = defaultdict(list)
    for key, fn in graph.functions.items():
        for call in fn.calls:
            for name in _names(call.exprs):
                out[(fn.file, name)].append((key, call.guards, call.line))
    for w in writes:
        key = graph.key_for(w.function, w.file) if w.function else None
        if key is not None and w.value is not None:
            for name in _names((w.value,)):
                out[(w.file, name)].append((key, w.guards, w.line))
    return out


def _names(exprs: Iterable[CExpr]) -> list[str]:
    """The variables named in `exprs`, once per occurrence."""
    return [x.name for e in exprs for x in walk(e) if isinstance(x, Name) and x.ref == "var"]
