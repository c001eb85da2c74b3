"""Which calls run under given option settings (the processes analysis walks its regions with
it): a call whose guards need options not in force does not run, nor does one whose test of a
process variable fails for the process. Each guard's requirement is worked out once
(analyze.optiontests) and kept per call-graph edge and per test."""

from __future__ import annotations

from typing import Any, Iterable

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.optiontests import guard_requirement, option_test
from srcscan.analyze.settings import Settings, levels_of
from srcscan.cexpr import CExpr


class GuardFilter:
    """Which calls run under given settings: a call whose guards need options not in force
    does not; nor does one whose test of a process variable fails for the process."""

    def __init__(self, graph: CallGraph, index: Any) -> None:
        """`index`: the option index; its configuration keywords (Index.keyword_names,
        keepalived.conf's) are free here: which process runs a call is asked of every
        configuration, so a guard needing a keyword holds when some keyword setting makes it
        hold (Requirement.exists), and only the other options in force decide."""
        self.graph = graph
        self.index = index  # requirements.Index: options by what they write
        self.free = frozenset(getattr(index, "keyword_names", ()))
        self._tests: dict[tuple[int, str], tuple[CExpr, Any]] = {}  # (id(test), function key) -> (test, formula)
        self._edges: dict[int, tuple[dict, tuple]] = {}  # id(edge data) -> (data, its guards' requirements but TRUE)

    def edge_ok(self, settings: Any) -> Any:
        levels = levels_of(settings)

        def edge_ok(caller: str, data: dict) -> bool:
            # The guards' requirements are the same under every settings, and the process
            # analysis walks about 500 regions (lighttpd 1.4.85): kept per edge, TRUE ones left out.
            hit = self._edges.get(id(data))
            if hit is None or hit[0] is not data:
                fn = self.graph.functions.get(caller)
                needs = () if fn is None else tuple(r for r in (self._bound(guard_requirement(g, self.index, fn))
                                                                for g in data["guards"]) if not r.is_true)
                hit = self._edges[id(data)] = (data, needs)
            return all(r.holds(levels) for r in hit[1])

        return edge_ok

    def option_test(self, settings: Any) -> Any:
        """fn -> condition -> does it hold under the settings (None: not an option test)."""
        levels = levels_of(settings)

        def for_function(fn: Any) -> Any:
            def test(e: CExpr) -> bool | None:
                if fn is None:
                    return None
                memo = (id(e), fn.key)  # the formula is the same under every settings: kept
                hit = self._tests.get(memo)
                if hit is None or hit[0] is not e:
                    formula = option_test(e, self.index, fn)
                    hit = self._tests[memo] = (e, None if formula is None else self._range(formula))
                if hit[1] is None:
                    return None
                some, every = hit[1]
                # A test whose value a keyword decides is neither true nor false here: it is a
                # part of a larger condition (`!need_multihop`), where "some keyword setting"
                # does not carry through a negation.
                return True if every.holds(levels) else False if not some.holds(levels) else None
            return test

        return for_function

    def _range(self, formula: Any) -> tuple[Any, Any]:
        """(formula under some setting of the free keywords, under every setting); for a
        formula a keyword decides, its run-time tests (`?file:f:need_singlehop`, a local set
        only under keyword tests) are free too. A formula without keywords: itself, twice."""
        if not any(a.name in self.free for a in formula.atoms()):
            return formula, formula

        def free(a: Any) -> bool:
            return a.name in self.free or a.is_test

        return formula.exists(free), formula.forall(free)

    def _bound(self, requirement: Any) -> Any:
        """`requirement` with the free keywords quantified away (some setting of them)."""
        return requirement.exists(lambda a: a.name in self.free) if self.free else requirement


def with_atoms(settings: Any, atoms: Iterable[str]) -> Any:
    """The settings plus option atoms (`-D>=2`, `-t`)."""
    levels = dict(settings.levels)
    for atom in atoms:
        name, _, level = atom.partition(">=")
        name = name.split("==")[0]
        levels[name] = max(levels.get(name, 0), int(level) if level.isdigit() else 1)
    return Settings(dict(settings.values), levels, settings.macros)


def option_name(atom: str) -> str:
    """`-D>=2` -> `-D`, `proxy.debug==1` -> `proxy.debug`."""
    return atom.partition(">=")[0].split("==")[0]
