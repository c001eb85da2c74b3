"""Each process's constant state, and the calls it makes constant-false there.

Code shared by several processes is often inert where it does not belong: a pointer only one
child allocates (`if (vrrp_data) vrrp_go_master();`), a keyword table installed with an
"inactive" flag (`install(vs_keyword, 0)` storing `kw.active = active`, and `if (kw.active)
kw.handler(...)` where the table is read). For each process this module works out the values
its file-scope state can hold: the initial value (zero without an initializer, C11 6.7.9),
plus every write the process runs (a child also inherits what its parent wrote before the
fork), a parameter written into state taking the constants the process's callers pass. A
state written anywhere srcscan cannot place in a process is unknown everywhere, and so is one
whose name a file's text writes (or takes the address of) on a line where no parse saw a write.

Then, in `regions()`: a call under a guard that is false for every value the process can
hold is not made there, and a function handed over to be stored in a struct field runs in a
process only if a call through that field which can run it is live there. Each such
decision is kept as a `Prune`, which the catalog shows in the derivation. The values a process
passes to parameters and the flags its registrations store come from the mixin
paramvalues.ParamValues, the calls that fault first from nullreads.NullReads. No I/O.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from srcscan.analyze.syslogfacts import Env, Facts, guards_hold
from srcscan.analyze.nullreads import NullReads
from srcscan.analyze.paramvalues import ParamValues
from srcscan.analyze.procorder import values_before
from srcscan.analyze.stateexpr import Prunes, constant, state_path
from srcscan.cexpr import Binary, CExpr, Member, Name, Unary, render, strip

_MAX_VALUES = 8


@dataclass(frozen=True)
class Prune:
    """Why a call does not run in a process."""

    process: str
    caller: str  # call-graph key
    callee: str
    line: int
    why: str  # "vrrp_data is 0 in this process (never written there)"


class ProcessState(NullReads, ParamValues):
    """Values of file-scope state per process, from the regions computed without it."""

    def __init__(self, graph: Any, facts: Facts, procs: list[Any], base: dict[str, set[str]], other_side: Any,
                 in_force: dict[str, set[str]] | None = None, inherited: dict[str, set[str]] | None = None,
                 writes: Iterable[Any] = (), never_modes: Mapping[str, frozenset[str]] | None = None,
                 mode_test: Callable[[CExpr, str | None, str], bool] | None = None,
                 local_inits: Mapping[tuple[str, str], Mapping[str, tuple]] | None = None) -> None:
        """`base`: the regions without option filtering (what state can hold under any options);
        `in_force`: the regions under the options given, where a process's own registrations
        are made (the parent installs the checker's keywords active only under -t);
        `inherited`: child name -> the entry process's functions whose writes it inherits
        (processes.inherited_regions: not the -t run, which never forks); the entry's whole
        region when not given; `writes`: the assignments to whole file-scope variables (model.Write),
        whose guards say on which side of a fork each runs (`} else if (pid) { vrrp_child =
        pid;` in keepalived's start_vrrp_child is the parent's). `never_modes`: child name -> the
        options under which the entry never starts it (processes.inherited_regions' `out_never`:
        keepalived's -t), and `mode_test(e, function, mode)`: whether the test `e` (in the
        function of that call-graph key) holds only when that option is given: such a test is
        false in the child (`prog_type == PROG_TYPE_VRRP || __test_bit(CONFIG_TEST_BIT, &debug)`
        in the checker). `local_inits`: (file, function) -> local -> (line, value) of each write
        (optionindex.Index.local_lines), for field_values."""
        self.graph, self.facts, self.base = graph, facts, base
        self.local_inits = local_inits or {}
        self._fields, self.region_of, self._settled = {}, None, {}
        self.never_modes = dict(never_modes or {})
        self.mode_test = mode_test
        self._write_guards = {(w.file, w.function, w.line, w.target): w.guards for w in writes}
        self._env = Env(facts)
        self.in_force = in_force or base
        self.prunes: Prunes = Prunes()  # (process, caller, callee, line) -> Prune
        self._reach: dict[str, set[str]] = {}
        reached = set().union(*base.values()) if base else set()
        self._placed = reached  # functions some process start reaches
        self.untrusted = {path for key, writes in facts.state_writes.items() if key not in reached
                          for _, path, *_ in writes}
        # Written where no parse saw it (another build's branch, a statement the parse dropped)
        # or through its address: its values are not known where that line runs (the process
        # regions holding its function: `free_vrrp_data(&vrrp_data)` in the VRRP child's
        # shutdown says nothing of the checker's vrrp_data), or anywhere when the line is in no
        # function srcscan can name (None).
        self.unseen: dict[str, set[tuple[str | None, int]]] = defaultdict(set)
        for (file, name), lines in facts.text_writes.items():
            for line in sorted(lines - facts.parsed_writes.get((file, name), set())):
                self.unseen[name].add((self._function_at(file, line), line))
        main = next((p for p in procs if p.start == "main"), None)
        self.entry_name, self.entry_start = (main.name, main.start) if main is not None else ("", "")
        # The constant each child gives its process variable right after its fork
        # (`prog_type = PROG_TYPE_CHECKER`, processes.Process.values): what it holds there.
        self.own: dict[str, dict[str, int]] = {p.name: dict(p.values) for p in procs}
        self.values: dict[str, dict[str, frozenset | None]] = {}
        self.views: dict[str, tuple[set[str], Any]] = {}
        for p in procs:
            parent = (inherited or {}).get(p.name, base[main.name]) if main is not None and p is not main else set()
            view = set(base[p.name]) | set(parent)
            self.values[p.name] = self._written(p, procs, view, other_side)
            self.views[p.name] = (view, lambda c, d, p=p: other_side(p, procs, c, d["line"], d["guards"]))
        self._flags: dict[tuple[str, str], dict[str, frozenset | None]] = {}
        self._params: dict[tuple[str, str, int], frozenset | None] = {}
        self._edges: dict[tuple[str, int], bool] = {}  # (process, id(edge data)) -> edge_ok
        self._crashes: dict[tuple[str, str], tuple[int, str] | None] = {}
        self._assigned = {path for writes in facts.state_writes.values() for _, path, *_ in writes}
        self._starts: dict[str, list[int]] | None = None  # file -> lines where its functions start
        self._pointer_edges: dict[str, list[tuple[str, dict]]] = defaultdict(list)
        self._called_fields: set[str] = set()
        for caller, callee, data in graph.graph.edges(data=True):
            if data["kind"] == "pointer":
                self._pointer_edges[callee].append((caller, data))
                self._called_fields.add(data["via"])
        self.never_called = {key for key in graph.graph if graph.graph.in_degree(key) and all(
            d["kind"] == "stored" and self._uncalled(key, d["fields"]) for _, _, d in graph.graph.in_edges(key, data=True))}

    def with_in_force(self, in_force: dict[str, set[str]]) -> "ProcessState":
        """The same state with other regions in force (a mode: the options plus -t): the values
        computed over `base` are shared, the registrations and parameters are worked out anew."""
        other = copy.copy(self)
        other.in_force = in_force
        other.prunes, other._flags, other._params, other._edges = Prunes(), {}, {}, {}
        other._fields, other.region_of, other._settled = {}, None, {}  # (field_values: the base regions only)
        return other

    # ------------------------------------------------------------------ values

    def _written(self, p: Any, procs: list[Any], view: set[str], other_side: Any) -> dict[str, frozenset | None]:
        out: dict[str, set | None] = {}
        for key in view:
            fn = self.graph.functions.get(key)
            for line, path, value, conds in self.facts.state_writes.get(key, ()):
                guards = self._write_guards.get((fn.file, fn.name, line, path), ()) if fn is not None else ()
                if other_side(p, procs, key, line, guards):
                    continue  # the other side of a fork in a start function
                if path in out and out[path] is None:
                    continue
                got = self._write_values(value, key, view, lambda c, d: other_side(p, procs, c, d["line"], d["guards"]),
                                         conds)
                out[path] = None if got is None else (out.get(path) or set()) | got
        return {k: (frozenset(v) if v is not None and len(v) <= _MAX_VALUES else None) for k, v in out.items()}

    def _write_values(self, value: tuple, key: str, view: set[str], elsewhere: Any, conds: tuple = ()) -> set[int] | None:
        """Values a write can store in a process whose functions are `view`: a constant, or
        the constants the process's calls pass to the parameter written, those for which the
        write's guards on that parameter are false left out (`set_process_priorities(cur, -1,
        ...)` stores nothing under `if (max_realtime_priority != -1)`). None when not known."""
        if value[0] == "int":
            return {value[1]}
        if value[0] == "param":
            found: set[int] = set()
            unwritten = handed = False
            for caller, data in self.graph.callers(key):
                if caller not in view or elsewhere(caller, data):
                    continue
                if data["kind"] != "direct" or data.get("call") is None:
                    handed = True  # called where srcscan may not see what it is given
                    continue
                args = data["call"].args
                if value[1] >= len(args) or args[value[1]].integer is None:
                    return None
                if conds and guards_hold(conds, value[1], args[value[1]].integer, key, self._env) is False:
                    unwritten = True  # this call's value is not written
                    continue
                found.add(args[value[1]].integer)
            return found if found or (unwritten and not handed) else None
        return None

    def values_written(self, process: str, key: str, path: str, until: int | None = None) -> set[int] | None:
        """The values function `key`'s writes up to line `until` (all: None) store in `path` in the
        process, those on another process's side of a fork left out; None when one is not known."""
        fn, (view, elsewhere) = self.graph.functions.get(key), self.views[process]
        values: set[int] = set()
        for line, written, value, conds in self.facts.state_writes.get(key, ()):
            if written != path or until is not None and line > until:
                continue
            guards = self._write_guards.get((fn.file, fn.name, line, written), ()) if fn is not None else ()
            if elsewhere(key, {"line": line, "guards": guards}):
                continue
            got = self._write_values(value, key, view, elsewhere, conds)
            if got is None:
                return None
            values |= got
        return values

    def initial_value(self, path: str) -> int | None:
        """The value `path` holds before any write (its initializer, zero without one, C11
        6.7.9); None when not known."""
        root = path.split(".")[0]
        init = self.facts.globals.get(path)
        if init is not None:
            return init[1] if init[0] == "int" else None
        return 0 if root in self.facts.zero_globals and root not in self.facts.globals else None

    def possible(self, process: str, path: str) -> frozenset | None:
        """Values `path` can hold in the process; None when not known."""
        if path in self.untrusted or self._unseen_in(process, path.rsplit(".", 1)[-1]):
            return None
        initial = self.initial_value(path)
        if initial is None:
            return None
        written = self.values[process].get(path, frozenset())
        return None if written is None else written | {initial}

    def _unseen_in(self, process: str, name: str) -> bool:
        """A line no parse saw writes `name` in a function the process runs (or it inherits from
        the entry process; in a function that forks, on the process's side of the fork), or in
        no function srcscan can name."""
        where = self.unseen.get(name)
        if not where:
            return False
        view, elsewhere = self.views[process]
        return any(key is None or key in view and not elsewhere(key, {"line": line, "guards": ()})
                   for key, line in where)

    def _function_at(self, file: str, line: int) -> str | None:
        """The key of the function of `file` whose body holds `line`: the last one starting before it,
        when a call of it is at or after that line (past its last call may be file scope: None)."""
        fn = self.graph.functions.at(file, line)
        if fn is None or line > max((c.line for c in fn.calls), default=fn.line):
            return None
        return self.graph.key_for(fn.name, fn.file) or fn.key

    # ------------------------------------------------------------------ guards

    def test(self, process: str, e: CExpr, fields: dict | None = None,
             function: str | None = None) -> tuple[bool | None, str]:
        """Three-valued: does the condition (a typed expression) hold in the process? With the
        state it read. `fields`: values of struct fields known for the object at hand (a
        registration's flags); `function`: the call-graph key of the function the condition is
        in, whose parameters take what the process's calls pass (param_values)."""
        e = strip(e)
        if isinstance(e, Unary) and e.op == "!":
            inner, why = self.test(process, e.operand, fields, function)
            return (None if inner is None else not inner), why
        if not (isinstance(e, Binary) and e.op in ("&&", "||")) and (mode := self._never_mode(process, e, function)):
            return False, f"{render(e)} holds only with {mode}, under which this process is never started"
        if isinstance(e, Binary):
            if e.op in ("&&", "||"):
                (a, wa), (b, wb) = (self.test(process, c, fields, function) for c in (e.left, e.right))
                if e.op == "&&":
                    return (False, wa if a is False else wb) if False in (a, b) else ((True, "") if a and b else (None, ""))
                return (True, wa if a is True else wb) if True in (a, b) else \
                    ((False, "; ".join(w for w in (wa, wb) if w)) if a is False and b is False else (None, ""))
            if e.op in ("==", "!="):
                left, right = strip(e.left), strip(e.right)
                if constant(left) is not None:
                    left, right = right, left
                want = constant(right)
                values, why = self._values_of(process, left, fields, function)
                if values is None or want is None:
                    return None, ""
                equal = {v == want for v in values}
                return (None, "") if len(equal) != 1 else ((next(iter(equal)) == (e.op == "==")), why)
            return None, ""
        values, why = self._values_of(process, e, fields, function)
        if values is None:
            return None, ""
        truth = {bool(v) for v in values}
        return (None, "") if len(truth) != 1 else (next(iter(truth)), why)

    def _never_mode(self, process: str, e: CExpr, function: str | None) -> str:
        """An option under which the process is never started that the test `e` needs ("" for none)."""
        if self.mode_test is None:
            return ""
        return next((m for m in sorted(self.never_modes.get(process, ())) if self.mode_test(e, function, m)), "")

    def _values_of(self, process: str, e: CExpr, fields: dict | None = None,
                   function: str | None = None) -> tuple[frozenset | None, str]:
        if fields and isinstance(e, Member) and fields.get(e.field) is not None:
            values = fields[e.field]
            return values, f"the registration stores {e.field} = {', '.join(map(str, sorted(values)))} in this process"
        if isinstance(e, Name) and e.ref == "param" and function is not None:
            fn = self.graph.functions.get(function)
            if fn is None or e.name not in fn.params:
                return None, ""
            values = self.param_values(process, function, fn.params.index(e.name))
            if values is None:
                return None, ""
            shown = ", ".join(str(v) for v in sorted(values))
            return values, f"parameter {e.name} of {fn.name}() is {shown} in every call this process makes"
        if isinstance(e, Member) and e.arrow and function is not None and isinstance(base := strip(e.base), Name) \
                and base.ref == "param" and (fn := self.graph.functions.get(function)) and base.name in fn.params:
            values = self.field_values(process, function, fn.params.index(base.name), e.field)
            if values is not None:  # every call passes a local its initializer leaves the field 0 in
                return values, f"{base.name}->{e.field} is 0 in every call this process makes of {fn.name}()"
        path = state_path(e)
        if path is not None and path in self.own.get(process, {}):
            value = self.own[process][path]
            return frozenset({value}), f"{path} is {value} in this process (set after its fork)"
        if path is None or (path not in self.facts.zero_globals and path.split(".")[0] not in self.facts.zero_globals
                            and path not in self.facts.globals):
            return None, ""
        values = self.possible(process, path)
        if values is None:
            return None, ""
        written = "never written there" if path not in self.values[process] else "every write it runs"
        if len(values) > 1 and (early := values_before(self, process, path, function)) is not None and early < values:
            fn = self.graph.functions.get(function)
            values, written = early, f"before it first runs {fn.name if fn else function}(): only the writes that can run earlier"
        shown = ", ".join(str(v) for v in sorted(values))
        return values, f"{path} is {shown} in this process ({written})"

    def guards_false(self, process: str, guards: Iterable[Any], fields: dict | None = None,
                     function: str | None = None) -> str:
        """Why one of the guards (of `function`, a call-graph key) is false in the process (""
        when none is known to be)."""
        for guard in guards:
            if guard.expr is None or guard.kind in ("case", "default", "loop"):
                continue
            holds, why = self.test(process, guard.expr, fields, function)
            if holds is not None and holds == guard.negated:
                return f"{guard.describe() if not guard.negated else '!(' + guard.text + ')'} is false: {why}"
        return ""

    # ------------------------------------------------------------------ edges

    def edge_ok(self, process: str, caller: str, callee: str, data: dict) -> bool:
        """False (and a Prune kept) when the call cannot run in the process. Kept per edge:
        every region the process analysis walks (one per option set a message needs: 465 for
        lighttpd 1.4.85) asks again."""
        known = self._edges.get((process, id(data)))
        if known is not None:
            return known
        self._edges[(process, id(data))] = ok = self._edge_ok(process, caller, callee, data)
        return ok

    def _edge_ok(self, process: str, caller: str, callee: str, data: dict) -> bool:
        why = self.guards_false(process, data["guards"], function=caller) if data["guards"] else ""
        if not why:
            why = self.never_past(process, caller, data)
        if not why and data["kind"] == "stored" and data.get("store_guards"):
            blocked = self.guards_false(process, data["store_guards"], self.table_flags(process, caller))
            why = f"never stored there by {data['via']}(): {blocked}" if blocked else ""
        if not why and data["kind"] == "stored" and data.get("fields"):
            why = self._stored_dead(process, callee, data["fields"], self.base[process])
        if why:
            self.prunes.setdefault((process, caller, callee, data["line"]),
                                   Prune(process, caller, callee, data["line"], why))
            return False
        return True

    def _uncalled(self, callee: str, fields: frozenset[str]) -> bool:
        """Stored in fields that are called somewhere, but no such call can run it (value flow
        resolved them all to other functions): it never runs."""
        return bool(fields & self._called_fields) and not any(
            d["via"] in fields for _, d in self._pointer_edges.get(callee, ()))

    def _stored_dead(self, process: str, callee: str, fields: frozenset[str], region: set[str]) -> str:
        """A function stored in a field runs where a call through the field can run it."""
        calls = [(c, d) for c, d in self._pointer_edges.get(callee, ()) if d["via"] in fields]
        if not calls:
            return f"stored in {', '.join(sorted(fields))}, but no call through it runs it" \
                if self._uncalled(callee, fields) else ""
        reasons = []
        for caller, data in calls:
            if caller not in region:
                continue  # a call the process never makes
            why = self.guards_false(process, data["guards"])
            if not why:
                return ""
            fn = self.graph.functions.get(caller)
            reasons.append(f"the call through {data['via']} in {fn.name if fn else caller}() at line {data['line']}: {why}")
        return "stored, but never called there: " + "; ".join(reasons) if reasons else ""

    def why_not(self, process: str, function: str, guards: tuple, line: int | None = None) -> str:
        """Why a function (a message's, under its guards) does not run in the process, from the
        prunes that cut every path to it there ("" when they do not explain it)."""
        own = self.guards_false(process, guards, function=function) if guards else ""
        if own:
            return own
        if line is not None and (before := self.never_past(process, function, {"line": line, "guards": guards})):
            return before
        for prune in self.prunes.in_order():
            if prune.process == process and function in self._below(prune.callee):
                fn = self.graph.functions.get(prune.caller)
                where = f"{fn.name}() at {fn.file}:{prune.line}" if fn else prune.caller
                callee = self.graph.functions.get(prune.callee)
                return f"{callee.name if callee else prune.callee}() from {where}: {prune.why}"
        return ""

    def _below(self, key: str) -> set[str]:
        if key not in self._reach:
            self._reach[key] = self.graph.reachable([key])
        return self._reach[key]

    def never_why(self, key: str) -> str:
        """Why no process can ever run `key` ("" when one may): it is a static function only
        stored in fields no call through which can run it, or only called from one."""
        if not self.never_runs(key):
            return ""
        for root in sorted(self.never_called):
            fn = self.graph.functions.get(root)
            if fn is None or not fn.static:
                continue  # another translation unit may call it through a pointer srcscan never sees
            if root == key or key in self._below(root):
                fields = sorted({f for _, _, d in self.graph.graph.in_edges(root, data=True) for f in d.get("fields", ())})
                name = fn.name if fn else root
                return f"{name}() is stored only in {', '.join(fields)}, and no call through it can run it" + (
                    "" if root == key else f"; only {name}() calls it")
        return ""

    def never_runs(self, key: str) -> bool:
        """True for a function only ever stored in fields no call through which can run it."""
        return key in self.never_called or any(key in self._below(k) for k in self.never_called) and \
            not any(key in r for r in self.base.values())
