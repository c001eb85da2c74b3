"""File-scope variables only stores of a value make non-zero: a test that one is set needs what
one of those stores needs, the stored value's own test among it.

keepalived 2.x's lib/process.c keeps the realtime priority in file statics, zero at start:

    static unsigned cur_rt_priority;
    ...
    set_process_priorities(unsigned realtime_priority, int max_realtime_priority, ...)
        if (max_realtime_priority != -1)
            max_rt_priority = max_realtime_priority;
        if (realtime_priority) { ... else cur_rt_priority = realtime_priority; }
    ...
    increment_process_priority(void)
        if (!max_rt_priority) return;
        if (cur_rt_priority) { ...; cur_rt_priority++; } else cur_rt_priority = sched_get_priority_min(...);
    reset_priority(void)
        if (cur_rt_priority) ... log_message(...)

The children pass `global_data->vrrp_realtime_priority` and `global_data->max_auto_priority`,
0 unless the *_rt_priority or max_auto_priority keywords gave a value, so `cur_rt_priority` is
set only with one of those keywords. globalflags.flag_stores takes constant stores only; this
module takes the others: a store of a value of the run or of a parameter counts with the
value's own test as one more guard (a parameter's test is read in each caller with its
argument: callneeds._callers_passing), and an increment is no store when the block around
it holds only while the variable is already set (`if (cur_rt_priority) { ... x++; }`, read from
the text: extract does not record `++`). A variable some write srcscan cannot read (another
increment, an address taken) is left out, and so is a store on every run of its function that
reads no parameter (`our_pid = getpid()`: a phase of the run, as in globalflags; not in a
configuration keyword's handler, globalflags.handler_only). The stores'
requirements are worked out to a fixed point (settled_set_by): `cur_rt_priority` is also
stored after a test of `max_rt_priority`. Facts in, stores out; no I/O.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.conditions import condition
from srcscan.analyze.globalflags import handler_only
from srcscan.analyze.optionvalues import integer_of
from srcscan.cexpr import Name, substitute, walk
from srcscan.model import Guard, Write
from srcscan.requirement import Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

MAX_ROUNDS = 4
_STEP = re.compile(r"(\+\+|--)\s*(?P<a>\w+)|(?P<b>\w+)\s*(\+\+|--)")


def value_stores(graph: CallGraph, writes: Iterable[Write], index: Index, zero: frozenset[str],
                 texts: Mapping[str, str]) -> dict[str, tuple[tuple[str, tuple[Guard, ...]], ...]]:
    """File-scope variable -> (function key, guards) of each store that may make it non-zero,
    for the variables in `zero` (zero at start) no option sets and globalflags did not take
    (Index.stores), whose every write the text shows (Index.assigned) is a parsed one or an
    increment under a test of the variable itself (`texts`: file -> its text). A store of a
    value that is no constant carries a guard more: the value itself (`Guard("if", ...)`)."""
    by_name: dict[str, list[Write]] = defaultdict(list)
    for w in writes:
        if not w.local and "." not in w.target and w.target in zero:
            by_name[w.target].append(w)
    handlers = handler_only(graph, index.keyword_handlers)
    out = {}
    for name, found in sorted(by_name.items()):
        if name in index.stores or name in index.by_var or index.start_values.get(name):
            continue
        stores = _stores(name, found, graph, handlers)
        if stores and _all_writes_read(name, found, index, texts):
            out[name] = tuple(sorted(set(stores), key=lambda s: (s[0], tuple(g.line for g in s[1]))))
    return out


def _stores(name: str, found: list[Write], graph: CallGraph, handlers: frozenset[str]) \
        -> list[tuple[str, tuple[Guard, ...]]] | None:
    """The stores among a variable's writes that may make it non-zero; None when one of its
    writes leaves it unknown (a phase of the run, a write of no value srcscan reads)."""
    stores = []
    for w in found:
        key = graph.key_for(w.function, w.file)
        if not key or w.value is None:
            return None
        value = integer_of(w.value)
        if w.op == "=" and value == 0:
            continue  # cleared
        fn = graph.functions.get(key)
        reads_param = fn is not None and any(isinstance(x, Name) and x.ref == "param" and x.name in fn.params
                                             for x in walk(w.value))
        if not reads_param and key not in handlers and not any(g.kind not in ("loop", "early-return")
                                                                for g in w.guards):
            return None  # set on every run of its function that gets this far: a phase of the run
        guards = w.guards
        if w.op == "=" and value is None:
            guards = guards + (Guard("if", None, w.text, w.line, expr=w.value),)
        stores.append((key, guards))
    return stores


def _all_writes_read(name: str, found: list[Write], index: Index, texts: Mapping[str, str]) -> bool:
    """Whether every line of the text writing `name` is a parsed write of it, or an increment
    inside a block that runs only while `name` is set (a line of a constant table's initializer
    taking its address, which the table is only read through, writes nothing)."""
    parsed = {(w.file, w.line) for w in found}
    tables = index.pointer_tables
    # a constant table's `&name`, read through only (pointertables), writes nothing
    written = {(file, line) for file, names in index.assigned.items() for line in names.get(name, ())
               if tables is None or line not in tables.addresses.get((file, name), ())}
    if not written:
        return False
    return all(_kept_set(texts.get(file, ""), line, name) for file, line in written - parsed)


def _kept_set(text: str, line: int, name: str) -> bool:
    """`name++` (or `--`) at `line` inside a block whose header is `if (name)`: it changes a
    value already set, which cannot make a zero variable non-zero."""
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return False
    step = _STEP.search(lines[line - 1])
    if step is None or name not in (step.group("a"), step.group("b")):
        return False
    header = re.compile(r"^\s*(\}\s*else\s+)?if\s*\(\s*" + re.escape(name) + r"\s*\)\s*\{?\s*$")
    previous = next((s for s in reversed(lines[:line - 1]) if s.strip()), "")
    if header.match(previous) and not previous.rstrip().endswith("{"):
        return True  # `if (name)` on the line before, without braces
    depth = 0
    for s in reversed(lines[:line - 1]):
        for ch in reversed(s):
            if ch == "}":
                depth += 1
            elif ch == "{":
                depth -= 1
                if depth < 0:
                    return bool(header.match(s))
    return False


def settled_set_by(index: Index, paths: frozenset[str],
                   need_of: Callable[[str], Requirement | None]) -> dict[str, Requirement]:
    """Index.set_by worked out to a fixed point for the variables of `paths` (value_stores'),
    whose stores may run under tests of each other: each starts as never set (FALSE) and gains
    what its stores need each round (need_of: path -> what one of its stores needs, read with
    the index's set_by as it stands); one still FALSE when they settle is left out (its stores
    run only after itself was set: srcscan does not say "never"), and the others worked out
    again without it. The other paths of Index.stores are read first (settled_other_paths)."""
    out = settled_other_paths(index, paths, need_of)
    open_paths = set(paths)
    for path in open_paths:
        out[path] = Requirement.FALSE
    for _ in range(MAX_ROUNDS * 2):
        index.set_by = dict(out)
        index.memo.clear()
        index.param_needs.clear()
        changed = False
        for path in sorted(open_paths):
            need = need_of(path)
            need = Requirement.TRUE if need is None else need
            if need != out.get(path):
                changed = True
                if need.is_true:
                    out.pop(path, None)
                    open_paths.discard(path)
                else:
                    out[path] = need
        if not changed:
            never = {p for p in open_paths if out.get(p, Requirement.TRUE).is_false}
            if not never:
                break
            for p in never:
                out.pop(p, None)
                open_paths.discard(p)
    else:  # not settled: what the open variables hold so far may still grow, so none is read
        out = {path: need for path, need in out.items() if path not in open_paths}
    index.set_by = dict(out)
    index.memo.clear()
    index.param_needs.clear()
    return {path: need for path, need in out.items() if not need.is_false}


def settled_other_paths(index: Index, paths: frozenset[str],
                        need_of: Callable[[str], Requirement | None]) -> dict[str, Requirement]:
    """Index.set_by for the paths of Index.stores not in `paths`, read again while a round
    changes one (up to MAX_ROUNDS): a store's guards may test another such path, whose
    requirement the first round did not know yet (tests/fixtures/reqk-globalset: main() sets
    `use_pid_dir = true` under `global_data->instance_name || global_data->network_namespace`,
    fields only keyword handlers and -s's store fill, themselves paths of Index.stores; read
    before their requirements are in, the store needs nothing of the options; keepalived's own
    fields are read through sharedfills, callneeds.fill_store_needs). Each round starts from
    the last one's answers, every one a necessary condition (a path without one needs
    nothing), so each round's answers are too."""
    out: dict[str, Requirement] = {}
    for _ in range(MAX_ROUNDS):
        found = {path: need for path in index.stores if path not in paths
                 if (need := need_of(path)) is not None and not need.is_true}
        if found == out:
            break
        out = found
        index.set_by = dict(out)
        index.memo.clear()
        index.param_needs.clear()
    return out


def argument_need(tested: Iterable[Guard], fn, call, caller_fn, index: Index) -> Requirement:
    """What a call's arguments make of `fn`'s guards on its parameters (`tested`), read in the
    caller at the call (conditions.condition; a negated guard negated): `set_priorities(
    global_data.rt_priority, ...)` makes `if (realtime)` need rt_priority. TRUE for a call whose
    arguments srcscan cannot line up with the parameters."""
    if call is None or len(call.exprs) < len(fn.params):
        return Requirement.TRUE
    values = dict(zip(fn.params, call.exprs))
    found = []
    for g in tested:
        c = condition(substitute(g.expr, values), index, caller_fn, call.line)
        found.append(~c if g.negated else c)
    return Requirement.all_of(found)
