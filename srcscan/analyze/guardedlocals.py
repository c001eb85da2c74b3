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
from srcscan.analyze.initialvalues import initialized_writes
from srcscan.cexpr import Binary, Call, CExpr, Member, Name, Unary, names, strip
from srcscan.model import FunctionFacts, Guard, Write
from srcscan.requirement import Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

GuardReader = Callable[[Guard, "Index", FunctionFacts], Requirement]


def find_local_guards(writes: Iterable[Write]) -> dict[tuple[str, str], dict[str, tuple[tuple[Guard, ...], ...]]]:
    """(file, function) -> {local: the guards of each write giving it a value other than 0},
    one entry per line written (a file parsed with several build profiles writes a line once
    per parse; the first parse's guards are kept). A local declared without a value or with 0
    (`struct passwd *pwd = NULL;`) has no entry for that declaration. A loop's condition is
    kept for a write of a constant only (`while` and the `for` loops extract.walk reads, never
    `do`: their body runs only when it held): dnsmasq's dhcp_reply sets `ignore = 1` only
    inside `for (id_list = daemon->dhcp_ignore; id_list; ...)`, so `ignore` set needs
    --dhcp-ignore. A value the loop reads (a walk's element, `serv1 = serv`) is left to the
    reading of that walk where it is tested."""
    out: dict[tuple[str, str], dict[str, dict[tuple[int, str], tuple[Guard, ...]]]] = \
        defaultdict(lambda: defaultdict(dict))
    for w in writes:
        if not w.local or w.op not in ("=", "decl") or w.value is None or integer_of(w.value) == 0:
            continue
        guards = w.guards if integer_of(w.value) is not None else tuple(g for g in w.guards if g.kind != "loop")
        out[(w.file, w.function)][w.target].setdefault((w.line, w.op), guards)
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
    if start is None and (start := index.initial_values.get(name)) is not None:
        writes = initialized_writes(name, writes or (), start, passes, index)
    if start is None or start is True or passes(start) or not writes:
        return None
    return one_of_writes(index, busy, (
        None if (value := integer_of(w.value)) is not None and not passes(value)
        else Requirement.all_of(reader(g, index, fn) for g in w.guards if g.kind != "loop") for fn, w in writes))


def one_of_writes(index: Index, busy: tuple, needs: Iterable[Requirement | None]) -> Requirement | None:
    """What one of a variable's writes running needs, `needs` giving each write's requirement
    (None for a write that cannot give the value tested), read while `busy` (the variable) is
    marked in Index.reading_locals: None when a write needs nothing of the options (TRUE), when
    there is none, or while the same variable is read already (a guard of its own write
    testing it: `if (!x) x = f();`). `needs` is consumed lazily, inside the mark."""
    if busy in index.reading_locals:
        return None
    index.reading_locals.add(busy)
    try:
        found = []
        for need in needs:
            if need is None:
                continue
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
    if not writes:
        return None
    return one_of_writes(index, busy, (
        Requirement.all_of(reader(g, index, fn) for g in guards
                           if g.kind != "loop" or (g.expr is not None and name not in names(g.expr)))
        for guards in writes))


def param_set_only_under(name: str, index: Index, fn: FunctionFacts, reader: GuardReader) -> Requirement | None:
    """What a parameter being set (non-zero) needs when every direct caller passes 0 or a local
    of its own given a value only under tests of options (set_only_under; `reader`: optiontests.guard_requirement):
    dnsmasq's process_reply sets `ipsets` only under `daemon->ipsets && ...` (--ipset) and hands
    it to extract_addresses, whose `if (ipsets ...)` guards add_to_ipset's call. A caller may
    also pass a condition (`option_bool(OPT_NO_REBIND) && !norebind`: what it needs), a local
    holding a key's value (lighttpd's `const int debug_cond =
    r->conf.log_condition_handling`, read by `reader`) or a parameter of its own, whose callers
    decide it in turn; round a cycle of calls handing the parameter on (configfile-glue.c's
    config_check_cond_nocache_calc -> config_check_cond_nocache -> config_check_cond_cached ->
    config_check_cond_nocache_calc) its values are those entering the cycle. None when a
    caller passes anything else, a call is not a direct one, or the function assigns the
    parameter itself."""
    need = _param_need(name, index, fn, reader, _Walk())[0]
    return None if need is _NONE else need


_NONE = object()  # _param_need: no caller outside a cycle passes a value (not "unknown")
_UNSEEN = 1 << 62  # a low link above every number: no parameter of the walk reached


class _Walk:
    """One walk of _param_need over the (function key, parameter) pairs handing a value on, in
    Tarjan's manner: each pair's number in the order first read, and the pairs read but not yet
    settled (`stack`, `on`: those of a cycle whose first pair's reading is not done)."""

    def __init__(self) -> None:
        self.number: dict[tuple[str, str], int] = {}
        self.stack: list[tuple[str, str]] = []
        self.on: set[tuple[str, str]] = set()


def _param_need(name: str, index: Index, fn: FunctionFacts, reader: GuardReader,
                walk: _Walk) -> tuple[Requirement | None | object, int]:
    """param_set_only_under's answer (_NONE: only callers round a cycle pass a value), and the
    lowest number (_Walk) of a pair still being read that it reached (_UNSEEN: none).

    Round a cycle of calls handing the parameter on, every pair of the cycle holds the same
    values: those entering the cycle anywhere (each pair reaches every other). So the pairs of a
    cycle are settled together when the first of them read is done, with its answer, which
    counts every caller reached from it: a pair reached again while its cycle is being read
    stands for nothing more (_NONE) and is read once. Kept in index.param_needs (_NONE too);
    a pair being read is None there meanwhile, "unknown" to a reading through `reader`, which
    starts a walk of its own."""
    memo = index.param_needs
    key = (fn.key, name)
    if key in walk.on:
        return _NONE, walk.number[key]
    if key in memo:
        return memo[key], _UNSEEN
    memo[key] = None  # a reading through `reader` sees "unknown"
    graph = index.graph
    if graph is None or name not in fn.params or name in index.flow.get((fn.file, fn.name), {}):
        return None, _UNSEEN
    number = walk.number[key] = len(walk.number)
    walk.stack.append(key)
    walk.on.add(key)
    need, low = _callers_pass(fn.params.index(name), index, fn, reader, walk)
    low = min(low, number)
    if low == number:  # the first pair of its cycle read (or in none): settled, with the pairs after it
        while True:
            settled = walk.stack.pop()
            walk.on.discard(settled)
            memo[settled] = need
            if settled == key:
                break
    return need, low


def _callers_pass(position: int, index: Index, fn: FunctionFacts, reader: GuardReader,
                  walk: _Walk) -> tuple[Requirement | None | object, int]:
    """What the value each direct caller passes at `position` being set needs (any one of
    them; _NONE when no caller passes one but those round a cycle being read), and the lowest
    number of a pair being read that a caller handing its own parameter on reached (_param_need)."""
    found, low, cycled = [], _UNSEEN, False
    for caller, _, data in index.graph.graph.in_edges(fn.key, data=True):
        call, caller_fn = data.get("call"), index.graph.functions.get(caller)
        if data["kind"] != "direct" or call is None or caller_fn is None or position >= len(call.exprs):
            return None, low
        arg = call.exprs[position]
        if integer_of(arg) == 0:
            continue  # NULL passed: the test fails on that path
        passed = target_of(arg)
        if (isinstance(arg, Unary) and arg.op == "!") or (isinstance(strip(arg), Binary) and strip(arg).op in ("&&", "||")):
            # `!!option_bool(OPT_TFTP)`, `option_bool(OPT_NO_REBIND) && !norebind`
            need = reader(_test_guard(arg, call.line), index, caller_fn)
            need = None if need.is_true else need
        elif passed is not None and passed.kind == "field":
            need = field_set_other_than(passed.name, passed.owner, 0, index, reader)  # `iface->tftp_ok`
        elif passed is not None and passed.kind == "param" and isinstance(strip(arg), Name):
            need, reached = _param_need(passed.name, index, caller_fn, reader, walk)  # handed on
            low = min(low, reached)
            cycled = cycled or need is _NONE
            if need is _NONE:
                continue  # only the cycle's own values: none of its own
        else:
            need = set_only_under(passed.name, index, caller_fn, reader) \
                if passed is not None and passed.kind == "var" else None
            if need is None and passed is not None and passed.kind == "var" and isinstance(strip(arg), Name):
                held = reader(_test_guard(arg, call.line), index, caller_fn)  # a local holding a key's value
                need = None if held.is_true else held
        if need is None:
            return None, low
        found.append(need)
    return (Requirement.any_of(found) if found else (_NONE if cycled else None)), low


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
    if not writes:
        return None

    def need_of(value, guards) -> Requirement | None:
        if value is None:
            return Requirement.TRUE  # a value that cannot be told: the local tells nothing
        if integer_of(value) == unset:
            return None
        need = Requirement.all_of(reader(g, index, fn) for g in guards if g.kind != "loop")
        if isinstance(value, Unary) and value.op == "!":
            need = need & reader(_test_guard(value, fn.line), index, fn)
        return need

    return one_of_writes(index, busy, (need_of(value, guards) for value, guards in writes))


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
    guard of its own makes the answer None. So for a constant other than `unset`: dnsmasq's
    --mx-host and --srv-host fill one list, and only --srv-host's case stores `new->issrv =
    1`, so `rec->issrv` needs --srv-host. `field`: the field's name; `owner`: its struct
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
        if isinstance(strip(w.value), Call) or integer_of(w.value) is not None:
            # a value of the run, or another constant, under the store's guards
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


def entry_set_unless(e, unset: int, index: Index, fn: FunctionFacts | None, reader: GuardReader) -> Requirement | None:
    """What a field of global state tested against another constant than 0 (`daemon->dumpfd !=
    -1`) holding another value needs, when no option sets it and the entry point gives it that
    constant on one side of a test whose other side holds every other store: dnsmasq's main()
    `if (daemon->dump_file) dump_init(); else daemon->dumpfd = -1;`, and only dump_init()
    (called nowhere else) stores a descriptor: the test needs what that side needs
    (--dumpfile), with the stores' own guards. The struct's zero start value passes such a
    test, so without the entry point's store of `unset` the answer is None; so it is when
    another variable's field of that name is written, a store sits elsewhere, or a store
    needs nothing. Not checked: that nothing tests the field before the entry point's test
    runs (a start-up function called above it)."""
    target, graph = target_of(e), index.graph
    if graph is None or fn is None or unset == 0 or target is None or target.kind != "field" \
            or "." not in target.root or target.root in index.by_var or target.name in index.by_field \
            or index.start_values.get(target.name) is not None:
        return None
    writes = index.field_writes.get(target.name, ())
    if not writes or any(w.target != target.root or w.value is None for w in writes):
        return None
    others = [w for w in writes if integer_of(w.value) != unset]
    for reset in writes:
        entry = graph.key_for(reset.function, reset.file)
        if integer_of(reset.value) != unset or entry is None or any(True for _ in graph.graph.in_edges(entry)) \
                or (fn.key == entry and fn.file == reset.file):
            continue
        for side in (g for g in reset.guards if g.kind in ("if", "else")):
            found = [_other_side(w, entry, side, graph, index, reader) for w in others]
            if found and all(need is not None for need in found):
                return Requirement.any_of(found)
    return None


def _other_side(w: Write, entry: str, side: Guard, graph, index: Index, reader: GuardReader) -> Requirement | None:
    """What store `w` needs when it runs only on the other side of the entry point's test
    `side` (in the entry point itself, or in a function only the entry point calls, there);
    None when it may run elsewhere or needs nothing."""
    def across(guards) -> bool:
        return any(g.line == side.line and g.kind in ("if", "else") and g.negated != side.negated for g in guards)

    key = graph.key_for(w.function, w.file)
    fn = graph.functions.get(key or "")
    if fn is None:
        return None
    own = Requirement.all_of(reader(g, index, fn) for g in w.guards if g.kind != "loop")
    if key == entry:
        need = own if across(w.guards) else None
    else:
        calls = []
        for caller, _, data in graph.graph.in_edges(key, data=True):
            call = data.get("call")
            if caller != entry or data["kind"] != "direct" or call is None or not across(call.guards):
                return None
            calls.append(Requirement.all_of(reader(g, index, graph.functions[entry]) for g in call.guards))
        need = Requirement.any_of(calls) & own if calls else None
    return None if need is None or need.is_true else need


def copied_values_test(e, index: Index, fn: FunctionFacts | None, reader: GuardReader) -> Requirement | None:
    """What a comparison with a constant of a field read through a local or parameter
    (`server->edns_pktsz > SAFE_PKTSZ`) needs when the code stores in that field (through
    locals and parameters) only constants and copies of a field of global state (`serv->edns_pktsz
    = daemon->edns_pktsz`): one stored value passing it ran. A constant is decided here; a copy
    is the same comparison of the field copied, read where it is stored (dnsmasq's
    `daemon->edns_pktsz > 1232`, 1232 unless --edns-packet-max: -P>=1233). The stores' guards
    are not read (a necessary condition). None when the struct's zero start or a stored constant
    passes, a store is anything else, the field is also written through another variable, or a
    passing copy needs nothing."""
    graph = index.graph
    if graph is None or fn is None or not isinstance(e, Binary) or e.op not in _HOLDS:
        return None
    side, bound, op = e.left, integer_of(e.right), e.op
    if bound is None:
        side, bound, op = e.right, integer_of(e.left), _MIRROR.get(e.op, e.op)
    target = target_of(side)
    if bound is None or target is None or target.kind != "field" or target.name in index.by_field \
            or _HOLDS[op](0, bound) or stored_through(side, target, index, fn) is False:
        return None
    found = []
    for w in index.field_writes.get(target.name, ()):
        if target.owner and w.owner and w.owner != target.owner:
            continue  # another struct's field of that name: the copies' sources among them
        value = integer_of(w.value) if w.value is not None else None
        source = target_of(w.value) if w.value is not None else None
        wfn = graph.functions.get(graph.key_for(w.function, w.file) or "")
        if w.target != "." + target.name or w.value is None or wfn is None or not target.owner or not w.owner:
            return None
        if value is not None:
            if _HOLDS[op](value, bound):
                return None
            continue
        if source is None or source.kind != "field" or not source.root or source.owner == target.owner:
            return None
        copied = Binary(e.op, strip(w.value), e.right) if side is e.left else Binary(e.op, e.left, strip(w.value))
        need = reader(_test_guard(copied, w.line), index, wfn)
        if need.is_true:
            return None
        found.append(need)
    return Requirement.any_of(found) if found else None


def stored_through(e, target, index: Index, fn: FunctionFacts) -> bool:
    """Whether field `e` (`target`) is read through a parameter or a local of `fn`."""
    if not target.root:
        return _through_param(e)
    return target.root.split(".", 1)[0] in fn.params or target.root.split(".", 1)[0] in index.local_lines.get((fn.file, fn.name), {})
