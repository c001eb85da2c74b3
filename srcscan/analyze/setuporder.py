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
from srcscan.derivations import FacilityBeforeSetup

if TYPE_CHECKING:
    from srcscan.analyze.processes import Model


@dataclass(frozen=True)
class SetupOrder:
    """`setter` (a function name) is first reached from the entry point `entry` (a call-graph
    key) by its call at file:line; `before` are the functions reached only through the entry's
    calls on earlier lines (outside a loop holding that call), `after` those reached through
    the others or run by another process; `certain`: that call surely runs the set-up (when
    not, what the later calls reach is in `before` too)."""

    entry: str
    setter: str
    file: str
    line: int
    loops: frozenset[int]  # lines of the loops around that call
    before: frozenset[str]
    after: frozenset[str]
    certain: bool = True

    def when(self, key: str, line: int, guards: Iterable) -> str:
        """"before", "after" or "both": when the call at `line` of function `key` (under
        `guards`) runs relative to the set-up; "after" for a function neither side reaches."""
        if key == self.entry:
            return "before" if _early(line, guards, self.line, self.loops) else "after" if self.certain else "both"
        early, late = key in self.before, key in self.after
        return "both" if early and late else "before" if early else "after"


def _early(line: int, guards: Iterable, setup_line: int, loops: frozenset[int]) -> bool:
    """Whether the entry's call at `line` under `guards` runs before its set-up call at
    `setup_line` (not in a loop around that call, whose lines are `loops`)."""
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


def setup_order(adjacency: Mapping[str, list], entry: str, region: set[str], others: Iterable[set[str]],
                setters: frozenset[str], names: Mapping[str, str], file_of: Mapping[str, str]) -> SetupOrder | None:
    """The SetupOrder of the entry point `entry` (its `region`: the functions its process runs;
    `others`: the other processes' regions) and the set-up functions `setters` (call-graph
    keys); None when there is none or the entry reaches none. `adjacency`: caller key ->
    [(callee key, edge data with "line" and "guards")] (CallGraph.running_calls); `names`,
    `file_of`: a key's function name and file."""
    if not setters or entry not in adjacency:
        return None
    reach: dict[str, frozenset[str]] = {}

    def reached(start: str) -> frozenset[str]:
        """The functions of the region `start` reaches (itself included), kept per start."""
        if start not in reach:
            seen, todo = {start}, [start]
            while todo:
                for callee, _ in adjacency.get(todo.pop(), ()):
                    if callee in region and callee not in seen:
                        seen.add(callee)
                        todo.append(callee)
            reach[start] = frozenset(seen)
        return reach[start]

    edges = sorted(((data["line"], callee, data) for callee, data in adjacency[entry] if callee in region),
                   key=lambda e: (e[0], e[1]))
    first = next(((line, callee, data) for line, callee, data in edges if reached(callee) & setters), None)
    if first is None:
        return None
    line, callee, data = first
    loops = frozenset(g.line for g in data["guards"] if g.kind == "loop")
    setter = next(iter(sorted(reached(callee) & setters)))
    # (code after an early return of the entry is reached only past it: that test does not
    # make the set-up uncertain)
    certain = all(g.kind == "early-return" for g in data["guards"]) and _surely_reaches(adjacency, callee, setters)
    before: set[str] = set()
    after: set[str] = set().union(*others) if others else set()
    for n, c, d in edges:
        early = _early(n, d["guards"], line, loops)
        (before if early else after).update(reached(c))
        if not early and not certain:
            before.update(reached(c))
    return SetupOrder(entry, names.get(setter, setter), file_of.get(entry, ""), line, loops,
                      frozenset(before), frozenset(after), certain)


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
    has with none of the options choosing the facility); (None, ()) without set-up functions.
    `values`: the options in force (`--with`), by every name."""
    entry = next((p for p in model.procs if p.start == "main"), None)
    if entry is None or not model.setters:
        return None, ()
    everywhere = model.everywhere or model.regions_anywhere()
    order = setup_order(model.graph.running_calls(), entry.start, everywhere[entry.name],
                        [r for name, r in everywhere.items() if name != entry.name], model.setters,
                        {k: f.name for k, f in model.graph.functions.items()},
                        {k: f.file for k, f in model.graph.functions.items()})
    chosen = {model.logging.facility_option} | {o for o, _ in model.logging.facility_with}
    names = {n for o in model.guard_filter.index.by_name.values() if o.name in chosen or chosen & set(o.names) for n in o.names}
    plain = {k: v for k, v in values.items() if k not in names and k not in chosen}
    return order, process_facilities(model, plain, syslog_on)[entry.name]
