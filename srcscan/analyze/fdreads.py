"""Callbacks that read a descriptor run only once something writes to it.

keepalived's parent registers child_reloaded_thread() to read an eventfd it keeps in a file
static, and only its children write to it, when they have read the configuration:

    static int child_reloaded_event = -1;
    ...
    child_reloaded_event = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    thread_add_read(master, child_reloaded_thread, NULL, child_reloaded_event, TIMER_NEVER, 0);
    ...
    notify_config_read(void)      (called by the vrrp, checker and BFD children)
        if (write(child_reloaded_event, &one, sizeof(one)) <= 0)

so its "Startup complete" needs one of the children started, not only what registering it
needs. The rules name the registrations (`[callgraph] fd_readers`: function -> [callback
argument, descriptor argument]), the calls that write to a descriptor (`fd_writers`: function ->
descriptor argument), those that use one without writing to it (`fd_users`: read, close...) and
those creating one only the process's own writes fill (`fd_creators`: eventfd, not a socket a
peer writes to). A descriptor counts when it is a file-scope variable given only such a
descriptor or constants, that every call srcscan reads hands only to those functions (nor a write of another variable copies it, nor its address is taken):
inherited.stored_requirement then ANDs what one of the writing calls needs (its function's
requirement and the call's guards) to the registration's. Facts in, tables out; no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.optiontests import guard_requirement
from srcscan.analyze.optionvalues import integer_of
from srcscan.cexpr import Call, Name, Unary, strip, walk
from srcscan.model import Guard, SiteKey, Write
from srcscan.requirement import Requirement


def fd_reads(graph: CallGraph, readers: Mapping[str, tuple[int, int]]) -> dict[SiteKey, tuple[str, str]]:
    """The key of each registering call (`thread_add_read(master, f, NULL, fd, ...)`) whose
    descriptor argument is a file-scope variable -> (the callback's name, the variable)."""
    out = {}
    for fn in graph.functions.values():
        for call in fn.calls:
            where = readers.get(call.callee) if not call.indirect else None
            if where is None or max(where) >= len(call.exprs):
                continue
            callback, fd = strip(call.exprs[where[0]]), strip(call.exprs[where[1]])
            while isinstance(callback, Unary) and callback.op == "&":
                callback = strip(callback.operand)
            if isinstance(callback, Name) and isinstance(fd, Name) and fd.ref == "var":
                out[call.key] = (callback.name, fd.name)
    return out


def fd_writes(graph: CallGraph, writes: Iterable[Write], readers: Mapping[str, tuple[int, int]],
              writers: Mapping[str, int], users: Iterable[str], creators: Iterable[str], names: Iterable[str]) \
        -> dict[str, tuple[tuple[str, tuple[Guard, ...]], ...]]:
    """Descriptor variable of `names` -> (function key, guards) of each call writing to it, for
    the variables given only constants and descriptors of `creators` (eventfd(2): what the
    process's own writes fill, not a socket a peer writes to), that every call hands only to a registration (`readers`, as its descriptor), a
    writer (`writers`, as its descriptor) or a user (`users`), that no write copies into
    something else and whose address no call is given; a variable some call hands elsewhere is
    left out (that callee might write to it)."""
    wanted = frozenset(names)
    known, creators = frozenset(users), frozenset(creators)
    found: dict[str, list[tuple[str, tuple[Guard, ...]]]] = defaultdict(list)
    unknown: set[str] = set()
    created: set[str] = set()
    for w in writes:
        if w.value is not None:
            unknown.update(x.name for x in walk(w.value) if isinstance(x, Name) and x.name in wanted)
        if w.target in wanted and not w.local:
            value = strip(w.value) if w.value is not None else None
            if isinstance(value, Call) and value.callee in creators and w.op == "=":
                created.add(w.target)
            elif value is None or integer_of(value) is None:
                unknown.add(w.target)  # a socket a peer writes to, a copy of another descriptor
    for key, fn in graph.functions.items():
        for call in fn.calls:
            for i, e in enumerate(call.exprs):
                read = {x.name for x in walk(e) if isinstance(x, Name) and x.ref == "var" and x.name in wanted}
                if not read:
                    continue
                bare = isinstance(strip(e), Name)
                if not call.indirect and bare and writers.get(call.callee) == i:
                    found[strip(e).name].append((key, call.guards))
                elif call.indirect or not bare or not (call.callee in known or readers.get(call.callee, (-1, -1))[1] == i):
                    unknown.update(read)
    return {name: tuple(stores) for name, stores in sorted(found.items()) if name not in unknown and name in created}


def written_need(index, ref, node_name: str, req: Mapping[str, Requirement | None], functions: Mapping,
                 waits_for: frozenset[str]) -> Requirement | None:
    """What a write to the descriptor a registration `ref` (a FunctionRef, context "argument")
    waits on needs: over the writing calls (Index.fd_writes), their function's requirement and
    the call's guards; TRUE when `ref` is no such registration of `node_name` or a write to its
    descriptor is not known; None while no writing call's function is reached yet (FALSE once
    none can be: inherited.stored_requirement leaves that store out)."""
    found = index.fd_reads.get(ref.call) if ref.call is not None else None
    if found is None or found[0] != node_name or found[1] not in index.fd_writes:
        return Requirement.TRUE
    parts, pending = [], False
    for key, guards in index.fd_writes[found[1]]:
        if req.get(key) is None:
            pending = pending or key in waits_for
            continue
        parts.append(req[key] & Requirement.all_of(guard_requirement(g, index, functions[key]) for g in guards))
    if parts:
        return Requirement.any_of(parts)
    return None if pending else Requirement.FALSE
