"""Children that run a call only with more options than the message needs.

The processes analysis walks each process's region under the options in force plus the ones a
message needs (Model.region_for), and tries the entry point's modes (Model.modes). A child that
reaches the call only through a call another option guards is neither: keepalived 2.3.4's
timer_now_r() logs under `--debug` (lib/timer.c:177, `if (do_timer_check)`), the parent and the
VRRP child call it on their default paths, and the checker only in check_bfd.c:277 under
`if (__test_bit(LOG_DETAIL_BIT, &debug))` (-D): the checker writes the message too, with -D.
(timer_now_r is defined only in the `_TIMER_CHECK_` build, so its processes come from the
callers of timer_now() in the text: unparsedcallers.text_callers and other_build_callers ask
here.) Such a child is found by a walk of its region in which every option the message's
requirement and the settings leave open is free (a guard holds when some value of those
options makes it hold), except the entry's modes under which the child never starts
(processes.inherited_regions: keepalived's `-C` never starts the VRRP child)."""

from __future__ import annotations

from typing import Any

from srcscan.analyze.guardfilter import option_name, with_atoms
from srcscan.analyze.optiontests import guard_requirement, option_test
from srcscan.analyze.processes import Model, message_processes, regions
from srcscan.requirement import Requirement
from srcscan.analyze.settings import levels_of


def children_with_more_options(model: Model, line: int, key: str, guards: tuple,
                               requires: tuple[tuple[str, ...], ...], found: set[str] | dict[str, Any]
                               ) -> dict[str, tuple[str, set[str]]]:
    """Child name -> (the options its path to the call needs beyond the message's requirement,
    as `-D` or `-D and --debug`, and the region it was found in) for the children not in
    `found` whose region under some setting of the open options runs the call at `line` of
    function `key` under `guards`. `requires`: the message's requirement as alternatives of
    option atoms (its first alternative is the one the regions take, as Model.region_for)."""
    everywhere = model.everywhere or {}
    missing = [p for p in model.procs if p.start != "main" and p.name not in found
               and key in everywhere.get(p.name, ())]
    if not missing:
        return {}
    first = requires[0] if requires else ()
    fixed = frozenset(set(model.settings.levels) | {option_name(a.lstrip("!")) for a in first})
    settings = with_atoms(model.settings, [a for a in first if not a.startswith("!")
                                           and option_name(a) not in model.guard_filter.free])
    out: dict[str, tuple[str, set[str]]] = {}
    for p in missing:
        closed = fixed | model.child_never.get(p.name, frozenset())
        walk = _walk(model, p.name, settings, closed)
        view = {q.name: (walk if q is p else set()) for q in model.procs}
        if p.name in message_processes(line, key, model.procs, view, guards, state=model.state):
            out[p.name] = (_needs(model, walk, key, levels_of(settings)), walk)
    return out


def _walk(model: Model, name: str, settings: Any, closed: frozenset[str]) -> Any:
    """Process `name`'s region with the options outside `closed` free; kept on the model per
    (process, settings, closed)."""
    memo = model.more_options
    cache_key = (name, tuple(sorted(settings.levels.items())), closed)
    if cache_key not in memo:
        levels = levels_of(settings)
        edges: dict[int, bool] = {}

        def edge_ok(caller: str, data: dict) -> bool:
            ok = edges.get(id(data))
            if ok is None:
                ok = edges[id(data)] = all(_open(r, closed).holds(levels) for r in _needs_of(model, caller, data))
            return ok

        memo[cache_key] = regions(model.graph, model.procs, edge_ok, _option_test(model, levels, closed),
                                  model.state, which={name})[name]
    return memo[cache_key]


def _option_test(model: Model, levels: dict[str, int], closed: frozenset[str]) -> Any:
    """fn -> condition -> its value with the options outside `closed` free: True when every
    value of them makes it hold under `levels`, False when none does, None otherwise (or when
    it tests no option): GuardFilter.option_test's shape, for procvars.runs_with."""
    memo: dict[tuple[int, str], tuple[Any, bool | None]] = {}

    def free(a: Any) -> bool:
        return a.is_test or option_name(a.name) not in closed

    def for_function(fn: Any) -> Any:
        def test(e: Any) -> bool | None:
            if fn is None:
                return None
            hit = memo.get((id(e), fn.key))
            if hit is None or hit[0] is not e:
                formula = option_test(e, model.guard_filter.index, fn)
                value = None if formula is None else (
                    True if formula.forall(free).holds(levels) else False if not formula.exists(free).holds(levels) else None)
                hit = memo[(id(e), fn.key)] = (e, value)
            return hit[1]
        return test

    return for_function


def _needs_of(model: Model, caller: str, data: dict) -> list[Requirement]:
    fn = model.graph.functions.get(caller)
    if fn is None:
        return []
    found = (guard_requirement(g, model.guard_filter.index, fn) for g in data["guards"])
    return [r for r in found if not r.is_true]


def _open(r: Requirement, closed: frozenset[str]) -> Requirement:
    """`r` true when some value of its options outside `closed` (and its run-time tests) makes
    it true."""
    return r.exists(lambda a: a.is_test or option_name(a.name) not in closed)


def _needs(model: Model, walk: Any, key: str, levels: dict[str, int]) -> str:
    """The options the walk's path from the child's start to `key` takes that `levels` do not
    give: each guard that fails under `levels` contributes the positive atoms of its first
    alternative (`-D`)."""
    atoms: list[str] = []
    current = key
    for _ in range(256):
        if current not in walk.tree:
            break
        caller, data = walk.tree[current]
        for r in _needs_of(model, caller, data):
            if not r.holds(levels):
                alternatives = r.exists(lambda a: a.is_test).alternatives()
                atoms.extend(a for a in (alternatives[0] if alternatives else ()) if not a.startswith("!") and a not in atoms)
        current = caller
    return " and ".join(atoms) or "other options"
