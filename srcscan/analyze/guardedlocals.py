"""Locals given a value only under a test of the options: lighttpd's server.c looks the user up
only when server.username names one (`struct passwd *pwd = NULL; if (srv->srvconf.username) {
if (NULL == (pwd = getpwnam(...))) ... }`), so a later `if (NULL != pwd)` holds only with that
key. The same for a file-scope variable whose value before the command line is read fails a
test, and that only writes under option tests can make pass (server.c's `oneshot_fdout = -1`,
then `oneshot_fdout = dup(STDOUT_FILENO)` only inside `if (oneshot_fd)`, -1's flag: `if
(oneshot_fdout > 0)` needs -1). Writes facts in (extract.writes records each write's guards),
a necessary condition out (optiontests reads it for a test that a local or variable is set);
no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

from srcscan.analyze.optionvalues import integer_of, local_of, read_through, target_of
from srcscan.cexpr import Binary, Call, CExpr, Member, Name, Unary, strip
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


def find_global_writes(writes: Iterable[Write], functions: Mapping[tuple[str, str], FunctionFacts]) \
        -> dict[str, tuple[tuple[FunctionFacts, Write], ...]]:
    """File-scope variable name -> (writing function, write) for every assignment to it in a
    function srcscan knows (`functions`: (file, name) -> facts), one per line written.
    A variable also written where no function is known is left out (all its writes must be
    seen)."""
    out: dict[str, dict[tuple[str, int], tuple[FunctionFacts, Write]]] = defaultdict(dict)
    unknown: set[str] = set()
    for w in writes:
        if w.local or "." in w.target:
            continue
        fn = functions.get((w.file, w.function))
        if fn is None or w.value is None:
            unknown.add(w.target)
            continue
        out[w.target].setdefault((w.file, w.line), (fn, w))
    return {name: tuple(found.values()) for name, found in out.items() if name not in unknown}


_HOLDS = {">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
          "<=": lambda a, b: a <= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}
_MIRROR = {">": "<", "<": ">", ">=": "<=", "<=": ">="}


def global_test(e: CExpr, index: Index, fn: FunctionFacts | None, reader: GuardReader) -> Requirement | None:
    """What a test of a file-scope variable (`oneshot_fdout > 0`, `x`, `x != 0`) needs when only
    writes under option tests can make it hold (global_set_only_under); None otherwise (a local,
    a field, a test of no constant)."""
    if fn is None:
        return None
    if isinstance(e, Binary) and e.op in _HOLDS:
        target, value, op = target_of(e.left), integer_of(e.right), e.op
        if target is None:
            target, value, op = target_of(e.right), integer_of(e.left), _MIRROR.get(e.op, e.op)
    else:
        target, value, op = target_of(e), 0, "!="
    if target is None or target.kind != "var" or value is None or local_of(target.name, index, fn) is not None:
        return None
    return global_set_only_under(target.name, lambda v: _HOLDS[op](v, value), index, reader)


def global_set_only_under(name: str, passes: Callable[[int], bool], index: Index,
                          reader: GuardReader) -> Requirement | None:
    """What a test of file-scope variable `name` holding (`passes(value)` for a known value)
    needs: the test fails with the value it has before the command line is read
    (Index.start_values), so one of the writes that may pass ran, each under its guards: a
    write of a value of the run, or of a constant that passes (server.c's `graceful_shutdown =
    2` only under `if (idle_limit && ...)`, -i's variable: `2 == graceful_shutdown` needs -i,
    while the signal handlers' unguarded `graceful_shutdown = 1` cannot pass it). None when the
    start value is unknown or passes, a write that may pass needs no option, or none is seen."""
    start = index.start_values.get(name)
    writes = index.global_writes.get(name)
    busy = ("", name)
    if start is None or start is True or passes(start) or not writes or busy in index.reading_locals:
        return None
    index.reading_locals.add(busy)
    try:
        found = []
        for fn, w in writes:
            value = integer_of(w.value)
            if value is not None and not passes(value):
                continue
            need = Requirement.all_of(reader(g, index, fn) for g in w.guards if g.kind != "loop")
            if need.is_true:
                return None
            found.append(need)
        return Requirement.any_of(found) if found else None
    finally:
        index.reading_locals.discard(busy)


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
    it to extract_addresses, whose `if (ipsets ...)` guards add_to_ipset's call. A caller may
    also pass a local holding a key's value (lighttpd's `const int debug_cond =
    r->conf.log_condition_handling`, read by `reader`) or a parameter of its own, whose callers
    decide it in turn; round a cycle of calls handing the parameter on (configfile-glue.c's
    config_check_cond_nocache_calc -> config_check_cond_nocache -> config_check_cond_cached ->
    config_check_cond_nocache_calc) its values are those entering the cycle. None when a
    caller passes anything else, a call is not a direct one, or the function assigns the
    parameter itself."""
    need = _param_need(name, index, fn, reader, set())[0]
    return None if need is _NONE else need


_NONE = object()  # _param_need: no caller outside a cycle passes a value (not "unknown")


def _param_need(name: str, index: Index, fn: FunctionFacts, reader: GuardReader,
                busy: set[tuple[str, str]]) -> tuple[Requirement | None | object, bool]:
    """param_set_only_under's answer (_NONE: only callers already being read pass a value), and
    whether it left out a caller already being read (a cycle: that caller's values are counted
    where its reading started). `busy`: the (function key, parameter) pairs being read on this
    walk. Only a complete answer is kept."""
    memo = index.param_needs
    key = (fn.key, name)
    if key in busy:
        return _NONE, True
    if key in memo:
        return memo[key], False
    memo[key] = None  # a reading through `reader` sees "unknown"
    graph = index.graph
    if graph is None or name not in fn.params or name in index.flow.get((fn.file, fn.name), {}):
        return None, False
    busy.add(key)
    try:
        need, cut = _callers_pass(fn.params.index(name), index, fn, reader, busy)
    finally:
        busy.discard(key)
    if cut and busy:
        del memo[key]  # a caller on the walk was left out: read again from the start
    else:
        memo[key] = None if need is _NONE else need
    return need, cut


def _callers_pass(position: int, index: Index, fn: FunctionFacts, reader: GuardReader,
                  busy: set[tuple[str, str]]) -> tuple[Requirement | None | object, bool]:
    """What the value each direct caller passes at `position` being set needs (any one of
    them; _NONE when no caller passes one but those already being read), and whether a caller
    already being read was left out."""
    found, cut = [], False
    for caller, _, data in index.graph.graph.in_edges(fn.key, data=True):
        call, caller_fn = data.get("call"), index.graph.functions.get(caller)
        if data["kind"] != "direct" or call is None or caller_fn is None or position >= len(call.exprs):
            return None, cut
        arg = call.exprs[position]
        if integer_of(arg) == 0:
            continue  # NULL passed: the test fails on that path
        passed = target_of(arg)
        if isinstance(arg, Unary) and arg.op == "!":
            need = reader(_test_guard(arg, call.line), index, caller_fn)  # `!!option_bool(OPT_TFTP)`
            need = None if need.is_true else need
        elif passed is not None and passed.kind == "field":
            need = field_set_other_than(passed.name, passed.owner, 0, index, reader)  # `iface->tftp_ok`
        elif passed is not None and passed.kind == "param" and isinstance(strip(arg), Name):
            need, left_out = _param_need(passed.name, index, caller_fn, reader, busy)  # handed on
            cut = cut or left_out
            if need is _NONE:
                continue  # only the cycle's own values: none of its own
        else:
            need = set_only_under(passed.name, index, caller_fn, reader) \
                if passed is not None and passed.kind == "var" else None
            if need is None and passed is not None and passed.kind == "var" and isinstance(strip(arg), Name):
                held = reader(_test_guard(arg, call.line), index, caller_fn)  # a local holding a key's value
                need = None if held.is_true else held
        if need is None:
            return None, cut
        found.append(need)
    return (Requirement.any_of(found) if found else (_NONE if cut else None)), cut


def find_local_writes(writes: Iterable[Write]) -> dict[tuple[str, str], dict[str, tuple[tuple[object, tuple[Guard, ...]], ...]]]:
    """(file, function) -> {local: ((value, guards) of each declaration and `=`)}, one per line."""
    out: dict[tuple[str, str], dict[str, dict[int, tuple]]] = defaultdict(lambda: defaultdict(dict))
    for w in writes:
        if w.local and w.op in ("=", "decl"):
            out[(w.file, w.function)][w.target].setdefault(w.line, (w.value, w.guards))
    return {k: {name: tuple(by_line.values()) for name, by_line in d.items()} for k, d in out.items()}


def _test_guard(value, line: int) -> Guard:
    return Guard("if", None, "", line, False, (), value)


def set_other_than(name: str, unset: int, index: Index, fn: FunctionFacts, reader: GuardReader) -> Requirement | None:
    """What a local of `fn` holding another value than `unset` needs: any of its writes giving
    another value ran (their guards), a write whose value is itself a test (`int tftp_ok =
    !!option_bool(OPT_TFTP)`) needing what that test needs. None when one of them needs nothing
    of the options, a value cannot be told, or srcscan saw no write."""
    writes = index.local_writes.get((fn.file, fn.name), {}).get(name)
    busy = (fn.key, name, unset)
    if not writes or busy in index.reading_locals:
        return None
    index.reading_locals.add(busy)
    try:
        found = []
        for value, guards in writes:
            if value is None:
                return None
            if integer_of(value) == unset:
                continue
            need = Requirement.all_of(reader(g, index, fn) for g in guards if g.kind != "loop")
            if isinstance(value, Unary) and value.op == "!":
                need = need & reader(_test_guard(value, fn.line), index, fn)
            if need.is_true:
                return None
            found.append(need)
        return Requirement.any_of(found) if found else None
    finally:
        index.reading_locals.discard(busy)


def field_set_other_than(field: str, owner: str, unset: int, index: Index, reader: GuardReader) -> Requirement | None:
    """What a field that the code stores only through locals and parameters (`l->tftpfd =
    tftpfd`, never through a global) holding another value than `unset` needs: each store's
    local holding another value (set_other_than) in the storing function; no option sets it.
    dnsmasq's create_listeners: `int tftpfd = -1; if (do_tftp) tftpfd = make_sock(...); ...
    l->tftpfd = tftpfd;`: `listener->tftpfd != -1` needs what `do_tftp` does at the callers.
    A store of a value of the run (a call's result) needs the store's own guards: lighttpd's
    server.c stores `srv->stdin_fd = dup(STDIN_FILENO)` only under `buffer_eq_slen(
    srv->srvconf.bindhost, CONST_STR_LEN("/dev/stdin"))`, so `-1 != srv->stdin_fd` needs
    server.bind=/dev/stdin. Only the store's own guards are read, not what the storing
    function's callers need (server_main_setup() runs whatever the options): a store with no
    guard of its own makes the answer None. `field`: the field's name; `owner`: its struct
    ("" when unknown); `unset`: the value it starts with."""
    graph = index.graph
    stores = index.field_writes.get(field)
    if graph is None or not stores or field in index.by_field:
        return None
    found = []
    for w in stores:
        if w.target != "." + field or (owner and w.owner and w.owner != owner) or w.value is None:
            return None  # stored through a global too, or another struct's field of that name
        if integer_of(w.value) == unset:
            continue
        fn = graph.functions.get(graph.key_for(w.function, w.file) or "")
        local = target_of(w.value)
        if fn is None:
            return None
        if isinstance(strip(w.value), Call):  # a value of the run, under the store's guards
            need = _guards_need(("." + field, owner, unset), w.guards, index, fn, reader)
        elif local is None or local.kind != "var":
            return None
        else:
            need = set_other_than(local.name, unset, index, fn, reader)
        if need is None:
            return None
        found.append(need)
    return Requirement.any_of(found) if found else None


def _guards_need(busy: tuple, guards: tuple[Guard, ...], index: Index, fn: FunctionFacts,
                 reader: GuardReader) -> Requirement | None:
    """What `guards` (a store's) need, None when nothing or while `busy` (a field's reading)
    is being read already (`if (-1 != x->fd) ... x->fd = dup(...)`)."""
    if busy in index.reading_locals:
        return None
    index.reading_locals.add(busy)
    try:
        need = Requirement.all_of(reader(g, index, fn) for g in guards if g.kind != "loop")
        return None if need.is_true else need
    finally:
        index.reading_locals.discard(busy)


def stored_through_locals(e, unset: int, index: Index, fn: FunctionFacts | None, reader: GuardReader) -> Requirement | None:
    """A field read through a local or parameter (`listener->tftpfd`, `srv->stdin_fd`) holding
    another value than `unset`, when the code stores it only from locals set so under option
    tests, or values of the run under them (guardedlocals.field_set_other_than); None
    otherwise."""
    target = target_of(e)
    if fn is None or target is None or target.kind != "field":
        return None
    if not target.root:  # through a parameter (`srv->stdin_fd`)
        if not _through_param(e):
            return None
    elif (base := target.root.split(".", 1)[0]) not in fn.params \
            and base not in index.local_lines.get((fn.file, fn.name), {}):
        return None
    return field_set_other_than(target.name, target.owner, unset, index, reader)


def _through_param(e) -> bool:
    """`srv->stdin_fd`: a field read through a parameter."""
    e = strip(e)
    return isinstance(e, Member) and isinstance(strip(e.base), Name) and strip(e.base).ref == "param"


def walk_start(name: str, values: tuple, index: Index, fn: FunctionFacts, line: int) -> tuple:
    """A local reused for several list walks (`for (serv = daemon->servers; ...)` then `for (serv =
    daemon->local_domains; ...)` in dnsmasq's check_servers): at a test on `line`, the walk's start
    is the last value given before it (on that line at the latest) not read through the local
    itself, with the steps along the list; all of `values` when the lines are not known."""
    given = getattr(index, "local_lines", {}).get((fn.file, fn.name), {}).get(name)
    starts = [(n, v) for n, v in given or () if n <= line and v is not None and not read_through(v, name)]
    if not starts:
        return values
    last = max(n for n, _ in starts)
    return tuple(dict.fromkeys([v for n, v in starts if n == last]
                               + [v for v in values if v is not None and read_through(v, name)]))
