"""What a daemon writes before it sets its syslog facility up.

dnsmasq's log.c starts with `static int log_fac = LOG_DAEMON;` and log_start() puts
--log-facility's value (or local0 under -d) in it; main() calls log_start() at dnsmasq.c:701.
A message main() writes before that call (its option errors, and what the original process
reads from the error pipe at dnsmasq.c:620 after the fork: "cannot create timestamp file")
goes out with LOG_DAEMON whatever --log-facility says. The functions setting the facility up
are the ones facilityflow read the facility options from (facilityflow.read_logging); the
entry point's calls before its first call reaching one of them run before the set-up, the
others after it (or on both sides when that call may not run the set-up: under a test, or
reaching it only through a tested call), and every other process starts after it. Plain data in (the call graph's
running calls, the entry process's region); no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping

from srcscan.analyze.facilities import process_facilities
from srcscan.cexpr import Call, Member, Name, children, evaluate, walk
from srcscan.derivations import FacilityBeforeSetup

if TYPE_CHECKING:
    from srcscan.analyze.processes import Model


@dataclass(frozen=True)
class SetupOrder:
    """`setter` (a function name) is first reached from the entry point `entry` (a call-graph
    key) by the call at file:line; `before` are the functions reached only through calls
    running earlier, `after` those reached through the others or run by another process;
    `certain`: that call surely runs the set-up (when not, what the later calls reach is in
    `before` too). `chain`: the functions on the way, the entry first, each with the line of
    its call on the way and the loops around that call: when the entry reaches the set-up
    through a function only it calls, once (lighttpd 1.4.85's main() -> server_main_setup(),
    which calls config_log_error_open() at server.c:1968), that function's code above its call
    runs before the set-up too, like the entry's."""

    entry: str
    setter: str
    file: str
    line: int
    loops: frozenset[int]  # lines of the loops around the last call on the way
    before: frozenset[str]
    after: frozenset[str]
    certain: bool = True
    chain: tuple[tuple[str, int, frozenset[int]], ...] = ()  # (function key, line, loops), the entry first

    def when(self, key: str, line: int, guards: Iterable) -> str:
        """"before", "after" or "both": when the call at `line` of function `key` (under
        `guards`) runs relative to the set-up; "after" for a function neither side reaches."""
        looped = False  # (a loop around a call further up runs the code above this one again, after)
        for step, step_line, loops in self.chain or ((self.entry, self.line, self.loops),):
            if key == step:
                early = _early(line, guards, step_line, loops)
                return ("both" if looped else "before") if early else "after" if self.certain else "both"
            looped = looped or bool(loops)
        early, late = key in self.before, key in self.after
        return "both" if early and late else "before" if early else "after"


def when_by_callers(order: SetupOrder, calls: Iterable[tuple[str, int, Iterable]]) -> str | None:
    """"before", "after" or "both" for a function that runs only through `calls` (caller's
    call-graph key, line of the call, the call's guards): each call's own SetupOrder.when, put
    together ("both" when they differ); None without calls. For a function whose own side
    the order cannot tell: one only a skipped `#if` branch calls (lighttpd 1.4.85's
    mod_gnutls_ssl_conf_dhparameters(), called from network_init_ssl() under `#if
    GNUTLS_VERSION_NUMBER < 0x030600`, which runs before the error log is opened), or one both
    sides call whose message only some calls' arguments can make it write."""
    sides = {order.when(key, line, tuple(guards)) for key, line, guards in calls}
    if not sides:
        return None
    return sides.pop() if len(sides) == 1 else "both"


def _early(line: int, guards: Iterable, setup_line: int, loops: frozenset[int]) -> bool:
    """Whether the call at `line` under `guards` runs before the call at `setup_line` on the
    way to the set-up (not in a loop around that call, whose lines are `loops`)."""
    return line < setup_line and not any(g.kind == "loop" and g.line in loops for g in guards)


def _surely_reaches(adjacency: Mapping[str, list], start: str, setters: frozenset[str]) -> bool:
    """Whether `start` (a call-graph key) is a set-up function or calls one on its straight
    path: by direct calls under no test at all (an early return before it may skip it)."""
    seen, todo = {start}, [start]
    while todo:
        key = todo.pop()
        if key in setters:
            return True
        for callee, data in adjacency.get(key, ()):
            if callee not in seen and data.get("kind") == "direct" and not data["guards"]:
                seen.add(callee)
                todo.append(callee)
    return False


def _holds_by_default(guard) -> bool:
    """Whether `guard` is a test that holds while the state it reads is still zero, as every
    field of a zeroed or static object is until an option sets it (`if
    (!srv->srvconf.preflight_check)`, which only -tt sets): it reads fields only (no call, no
    variable or parameter for itself), and folds to true with each of them 0. Code after an
    early return is reached past it whatever it tests."""
    if guard.kind == "early-return":
        return True
    if guard.kind not in ("if", "and") or guard.expr is None:
        return False
    if any(isinstance(e, Call) for e in walk(guard.expr)) or _bare_names(guard.expr):
        return False
    value = evaluate(guard.expr, lambda e: 0 if isinstance(e, Member) else None)
    return value is not None and bool(value) != guard.negated


def _bare_names(e) -> list:
    """The names `e` reads for themselves (variables, parameters), not as the base of a field
    access; enumerators and functions are constants."""
    if isinstance(e, Member):
        return [] if isinstance(e.base, Name) else _bare_names(e.base)
    if isinstance(e, Name):
        return [e] if e.ref not in ("enum", "function") else []
    return [n for c in children(e) for n in _bare_names(c)]


def _first_call(adjacency: Mapping[str, list], key: str, region: set[str], reached, setters: frozenset[str]):
    """(line, callee, edge data) of `key`'s first call (by line) reaching a set-up function
    within `region`, with all of `key`'s calls there sorted by line; (None, calls) when none does."""
    edges = sorted(((data["line"], callee, data) for callee, data in adjacency.get(key, ()) if callee in region),
                   key=lambda e: (e[0], e[1]))
    return next(((n, c, d) for n, c, d in edges if reached(c) & setters), None), edges


def _only_caller(adjacency: Mapping[str, list], region: set[str], callee: str, caller: str, line: int) -> bool:
    """Whether `caller`'s call at `line` is the only call of `callee` within `region`."""
    calls = [(k, d["line"]) for k in region for c, d in adjacency.get(k, ()) if c == callee]
    return bool(calls) and all(c == (caller, line) for c in calls)


def _restarting(loops: frozenset[int], edges, resets: frozenset[str]) -> frozenset[int]:
    """Of the loops (their lines) around a call on the way, those that do not run what is
    above the call after the set-up: their body also calls a function of `resets`, which
    undoes the set-up before the next round (lighttpd's server_init() sets srv->errh back to
    stderr at the top of each round of server_main()'s restart loop)."""
    if not resets:
        return frozenset()
    return frozenset(loop for loop in loops if any(
        callee in resets and any(g.kind == "loop" and g.line == loop for g in d["guards"]) for _, callee, d in edges))


def setup_order(adjacency: Mapping[str, list], entry: str, region: set[str], others: Iterable[set[str]],
                setters: frozenset[str], names: Mapping[str, str], file_of: Mapping[str, str],
                resets: frozenset[str] = frozenset(), starts: Iterable[str] = ()) -> SetupOrder | None:
    """The SetupOrder of the entry point `entry` (its `region`: the functions its process runs;
    `others`: the other processes' regions) and the set-up functions `setters` (call-graph
    keys); None when there is none or the entry reaches none. `adjacency`: caller key ->
    [(callee key, edge data with "line" and "guards")] (CallGraph.running_calls); `names`,
    `file_of`: a key's function name and file; `resets`: functions undoing the set-up (keys);
    `starts`: the call graph's entry points (CallGraph.entry_points)."""
    if not setters or entry not in adjacency:
        return None
    reach: dict[tuple[str, bool], frozenset[str]] = {}

    def reached(start: str, handed: bool = True) -> frozenset[str]:
        """The functions of the region `start` reaches (itself included), kept per start; with
        `handed` false, not through the functions it hands over ("registered" or "stored"
        edges): those run later, where a call through the pointer runs them (lighttpd's
        plugins_load() runs each mod_*_plugin_init(), which stores mod_*_set_defaults() for
        plugins_call_set_defaults() to call after the error log is opened)."""
        if (start, handed) not in reach:
            seen, todo = {start}, [start]
            while todo:
                for callee, data in adjacency.get(todo.pop(), ()):
                    if callee in region and callee not in seen and (
                            handed or data.get("kind") not in ("registered", "stored")):
                        seen.add(callee)
                        todo.append(callee)
            reach[(start, handed)] = frozenset(seen)
        return reach[(start, handed)]

    # Down the way: each function's first call reaching a set-up, into a callee only it calls.
    steps, key, certain = [], entry, True
    while True:
        first, edges = _first_call(adjacency, key, region, reached, setters)
        if first is None:
            break
        line, callee, data = first
        loops = frozenset(g.line for g in data["guards"] if g.kind == "loop") - _restarting(
            frozenset(g.line for g in data["guards"] if g.kind == "loop"), edges, resets)
        # (code after an early return is reached only past it: that test does not make the
        # set-up uncertain; nor does a test of state an option sets, which holds by default)
        certain = certain and all(_holds_by_default(g) for g in data["guards"] if g.kind != "loop")
        steps.append((key, line, loops, callee, edges))
        if callee in setters or callee == entry or any(callee == s[0] for s in steps) \
                or not _only_caller(adjacency, region, callee, key, line):
            break
        key = callee
    if not steps:
        return None
    last_key, line, loops, callee, _ = steps[-1]
    certain = certain and _surely_reaches(adjacency, callee, setters)
    setter = next(iter(sorted(reached(callee) & setters)))
    before: set[str] = set()
    after: set[str] = set().union(*others) if others else set()
    # The other entry points (`starts`: functions nothing is seen to call, found in a table or
    # named by the rules) and the functions handed over ("registered" or "stored" edges) run
    # when something calls them through a pointer: after, as far as this order tells (lighttpd's
    # mod_deflate_set_defaults(), in its plugin table, calls config_plugin_values_init() after
    # the set-up; network_init() calls it before).
    todo = sorted((set(starts) - {entry} | {c for edges in adjacency.values() for c, d in edges
                                            if d.get("kind") in ("registered", "stored")}) - after)
    after.update(todo)
    while todo:
        for callee, _ in adjacency.get(todo.pop(), ()):
            if callee not in after:
                after.add(callee)
                todo.append(callee)
    for i, (k, n_line, n_loops, next_key, edges) in enumerate(steps):
        looped = any(step[2] for step in steps[:i])
        for n, c, d in edges:
            if i + 1 < len(steps) and c == next_key and n == n_line:
                continue  # the next function on the way: its own code is told apart by line
            early = _early(n, d["guards"], n_line, n_loops)
            if d.get("kind") in ("registered", "stored"):
                after.update(reached(c))  # handed over: it runs when called through the pointer
                continue
            (before if early else after).update(reached(c, handed=not early))
            if early and looped:
                after.update(reached(c))
            if not early and not certain:
                before.update(reached(c, handed=False))
    return SetupOrder(entry, names.get(setter, setter), file_of.get(last_key, ""), line, loops,
                      frozenset(before), frozenset(after), certain,
                      tuple((k, n, lo) for k, n, lo, _, _ in steps))


def facility_before_setup(order: SetupOrder | None, when: str, facility: tuple[str, ...],
                          with_: tuple[tuple[str, str], ...], first: tuple[str, ...]
                          ) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[FacilityBeforeSetup, ...]]:
    """(facility, facility_with, derivations) of a message written `when` ("before", "after",
    "both") relative to the set-up: before it, the facility variable's first value `first` and
    no option changes it; on both sides, both facilities, and each option's change said to hold
    only after the set-up."""
    if order is None or when == "after" or not first:
        return facility, with_, ()
    why = tuple(FacilityBeforeSetup(f, order.setter, order.file, order.line, when == "both") for f in first)
    if when == "before":
        return first, (), why
    return (tuple(sorted(set(facility) | set(first))),
            tuple((o, f"{t} (only once {order.setter}() has run)") for o, t in with_), why)


def before_setup(model: Model, values: dict[str, str], syslog_on: bool) -> tuple[SetupOrder | None, tuple[str, ...]]:
    """(the SetupOrder of the model's entry point, its facility before the set-up: the one it
    has with none of the options choosing the facility, or the rules' `[logging] before_open`
    when they name the functions opening the destination); (None, ()) without set-up
    functions. `values`: the options in force (`--with`), by every name."""
    entry = next((p for p in model.procs if p.start == "main"), None)
    if entry is None or not model.setters:
        return None, ()
    everywhere = model.everywhere or model.regions_anywhere()
    order = setup_order(model.graph.running_calls(), entry.start, everywhere[entry.name],
                        [r for name, r in everywhere.items() if name != entry.name], model.setters,
                        {k: f.name for k, f in model.graph.functions.items()},
                        {k: f.file for k, f in model.graph.functions.items()},
                        frozenset(k for k, f in model.graph.functions.items() if f.name in model.logging.reset_by),
                        model.graph.entry_points)
    if model.logging.before_open:
        return order, (model.logging.before_open,)
    chosen = {model.logging.facility_option} | {o for o, _ in model.logging.facility_with} | set(model.by_option)
    names = {n for o in model.guard_filter.index.by_name.values() if o.name in chosen or chosen & set(o.names) for n in o.names}
    plain = {k: v for k, v in values.items() if k not in names and k not in chosen}
    return order, process_facilities(model, plain, syslog_on)[entry.name]


# syslog(3): "If openlog() is not called ... the facility defaults to LOG_USER" (glibc and musl
# keep the facility openlog() set across closelog(): a later run sees the earlier choice).
OPEN_CALLS = frozenset({"openlog"})
UNOPENED_FACILITY = "user"


def sole_openlog(functions: Mapping) -> tuple[str, str, int] | None:
    """(function key, file, line) of the one call of openlog() in the tree (`functions`: the call
    graph's, by key), made in no loop; None when there is none or more than one (then which ran
    first is not known here)."""
    found = [(k, c) for k, fn in functions.items() for c in fn.calls if not c.indirect and c.callee in OPEN_CALLS]
    if len(found) != 1 or any(g.kind == "loop" for g in found[0][1].guards):
        return None
    key, call = found[0]
    return key, call.file, call.line


def before_openlog(opened: tuple[str, str, int] | None, key: str, call, facility: tuple[str, ...],
                   with_: tuple[tuple[str, str], ...], syslog_on: bool
                   ) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[FacilityBeforeSetup, ...]]:
    """(facility, facility_with, derivations) of a message its function writes before its own
    call of the tree's only openlog() (sole_openlog; lighttpd 1.4.85's fdlog_openlog() warns of
    an unknown server.syslog-facility at fdlog_maint.c:410, through the error log it has just
    switched to syslog, then calls openlog() at :416): sent to syslog, it goes out with LOG_USER
    the first time, and with what an earlier openlog() chose when the function runs again (a
    graceful restart). Unchanged for any other message, and for one written in a loop."""
    if opened is None or key != opened[0] or call.line >= opened[2] or any(g.kind == "loop" for g in call.guards):
        return facility, with_, ()
    if syslog_on:
        facility = tuple(sorted(set(facility) | {UNOPENED_FACILITY}))
    with_ = tuple((o, f"{UNOPENED_FACILITY}; {t} only once an earlier openlog() has run") for o, t in with_)
    return facility, with_, (FacilityBeforeSetup(UNOPENED_FACILITY, "openlog", opened[1], opened[2], True),)
