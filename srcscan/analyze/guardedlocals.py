"""Locals given a value only under a test of the options: lighttpd's server.c looks the user up
only when server.username names one (`struct passwd *pwd = NULL; if (srv->srvconf.username) {
if (NULL == (pwd = getpwnam(...))) ... }`), so a later `if (NULL != pwd)` holds only with that
key. Writes facts in (extract.writes records each local write's guards), a necessary
condition out (optiontests reads it for a test that a local is set); no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Callable, Iterable

from srcscan.analyze.optionvalues import integer_of, target_of
from srcscan.model import FunctionFacts, Guard, Write
from srcscan.requirement import Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

GuardReader = Callable[[Guard, "Index", FunctionFacts], Requirement]


def find_local_guards(writes: Iterable[Write]) -> dict[tuple[str, str], dict[str, tuple[tuple[Guard, ...], ...]]]:
    """(file, function) -> {local: the guards of each write giving it a value other than 0},
    one entry per line written (a file parsed with several build profiles writes a line once
    per parse; the first parse's guards are kept). A local declared without a value or with 0
    (`struct passwd *pwd = NULL;`) has no entry for that declaration."""
    out: dict[tuple[str, str], dict[str, dict[tuple[int, str], tuple[Guard, ...]]]] = \
        defaultdict(lambda: defaultdict(dict))
    for w in writes:
        if not w.local or w.op not in ("=", "decl") or w.value is None or integer_of(w.value) == 0:
            continue
        out[(w.file, w.function)][w.target].setdefault((w.line, w.op), w.guards)
    return {k: {name: tuple(by_line.values()) for name, by_line in d.items()} for k, d in out.items()}


def set_only_under(name: str, index: Index, fn: FunctionFacts, reader: GuardReader) -> Requirement | None:
    """What a local of `fn` being set (non-zero) needs: any one of its writes ran, each under its
    guards (their necessary formula, `reader`: optiontests.guard_requirement). None when one of
    its writes needs nothing of the options (the local tells nothing), when srcscan saw none,
    or while the local's own guards are being read (`if (!x) x = f();`)."""
    writes = index.local_guards.get((fn.file, fn.name), {}).get(name)
    busy = (fn.key, name)
    if not writes or busy in index.reading_locals:
        return None
    index.reading_locals.add(busy)
    try:
        found = []
        for guards in writes:
            need = Requirement.all_of(reader(g, index, fn) for g in guards if g.kind != "loop")
            if need.is_true:
                return None
            found.append(need)
        return Requirement.any_of(found)
    finally:
        index.reading_locals.discard(busy)


def param_set_only_under(name: str, index: Index, fn: FunctionFacts, reader: GuardReader) -> Requirement | None:
    """What a parameter being set (non-zero) needs when every direct caller passes 0 or a local
    of its own given a value only under tests of options (set_only_under; `reader`: optiontests.guard_requirement):
    dnsmasq's process_reply sets `ipsets` only under `daemon->ipsets && ...` (--ipset) and hands
    it to extract_addresses, whose `if (ipsets ...)` guards add_to_ipset's call. None when a
    caller passes anything else, a call is not a direct one, or the function assigns the
    parameter itself."""
    memo = index.param_needs
    key = (fn.key, name)
    if key in memo:
        return memo[key]
    memo[key] = None  # a recursive reading sees "unknown"
    graph = index.graph
    if graph is None or name not in fn.params or name in index.flow.get((fn.file, fn.name), {}):
        return None
    position = fn.params.index(name)
    found = []
    for caller, _, data in graph.graph.in_edges(fn.key, data=True):
        call, caller_fn = data.get("call"), graph.functions.get(caller)
        if data["kind"] != "direct" or call is None or caller_fn is None or position >= len(call.exprs):
            return None
        arg = call.exprs[position]
        if integer_of(arg) == 0:
            continue  # NULL passed: the test fails on that path
        passed = target_of(arg)
        need = set_only_under(passed.name, index, caller_fn, reader) \
            if passed is not None and passed.kind == "var" else None
        if need is None:
            return None
        found.append(need)
    memo[key] = Requirement.any_of(found) if found else None
    return memo[key]
