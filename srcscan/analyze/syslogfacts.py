"""Whole-tree facts about how a daemon sets up syslog, and the values their expressions take.

The per-file "logsetup" facts (openlog and syslog calls, forks, initial values, constant
tables, option assignments) gathered once for the tree, openlog wrappers expanded to their
callers, and one evaluator of their symbolic expressions (`Sym`, see extract/logsetup.py)
over initial values, constant tables and what options assign. Plain data in and out; no I/O.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from srcscan.analyze.callgraph import CallGraph
from srcscan.cexpr import CExpr
from srcscan.sym import Sym, int_sym, local_sym, map_sym, other_sym, str_sym, var_sym, walk_sym

# <syslog.h>'s facility codes (the same in every libc: they are on the wire).
FACILITY_NAMES = {0: "kern", 8: "user", 16: "mail", 24: "daemon", 32: "auth", 40: "syslog", 48: "lpr",
                  56: "news", 64: "uucp", 72: "cron", 80: "authpriv", 88: "ftp",
                  **{128 + 8 * i: f"local{i}" for i in range(8)}}
FACILITY_CODES = {name: code for code, name in FACILITY_NAMES.items()}
DEFAULT_FACILITY = "user"  # syslog() without openlog()
UNKNOWN = object()


@dataclass(frozen=True)
class OpenlogSite:
    function: str  # call-graph key of the function calling openlog (or the wrapper)
    line: int
    ident: Sym
    facility: Sym
    via: str = ""  # the wrapper called, when openlog is reached through one



# ---------------------------------------------------------------------------- whole-tree facts

@dataclass
class Facts:
    tables: dict[str, list[list[tuple[str, Any]]]]
    globals: dict[str, Sym]
    locals: dict[str, dict[str, list[Sym]]]  # call-graph key -> local -> values
    assigns: list[tuple[str, str, Sym, tuple[CExpr, ...]]]  # option switch assignments, with their guards
    sites: list[OpenlogSite]
    forks: dict[str, list[tuple[int, str]]]  # call-graph key -> (line, variable)
    const_assigns: dict[str, list[tuple[int, str, int]]]  # call-graph key -> (line, variable, value)
    syslog: dict[str, list[tuple[int, Sym]]] = field(default_factory=lambda: defaultdict(list))
    #         call-graph key -> (line, priority) of its syslog()/vsyslog() calls
    param_assigns: dict[str, list[tuple[int, int, str, Sym, tuple]]] = field(default_factory=lambda: defaultdict(list))
    #         call-graph key -> (line, parameter index, operator, value, ((guard, negated), ...))
    strings: dict[str, dict[str, Any]] = field(default_factory=dict)  # call-graph key -> strbuild steps
    writes: dict[str, list[str]] = field(default_factory=dict)  # call-graph key -> fields it sets
    global_values: dict[str, list[Sym]] = field(default_factory=lambda: defaultdict(list))  # variable -> values
    state_writes: dict[str, list[tuple[int, str, Sym, tuple]]] = field(default_factory=lambda: defaultdict(list))
    #         call-graph key -> (line, `kw.active`, value, guards on the parameter it writes)
    zero_globals: set[str] = field(default_factory=set)  # file-scope variables without an initializer
    skipped_calls: dict[str, set[tuple[str, int]]] = field(default_factory=lambda: defaultdict(set))
    #         function name -> (file, line) of calls in branches this build skipped
    active_calls: set[str] = field(default_factory=set)  # names the compiled lines call, by text
    text_writes: dict[tuple[str, str], set[int]] = field(default_factory=lambda: defaultdict(set))
    #         (file, name) -> lines writing it in the text;  parsed_writes: the same, as parsed
    parsed_writes: dict[tuple[str, str], set[int]] = field(default_factory=lambda: defaultdict(set))
    derefs: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    #         call-graph key -> (line, file-scope pointer it reads through on every run)


def gather(files: Iterable[Any], graph: CallGraph) -> Facts:
    facts = Facts({}, {}, defaultdict(dict), [], [], defaultdict(list), defaultdict(list))
    direct: set[tuple] = set()
    counted: set[str] = set()
    for f in files:
        data = f.logsetup
        if data is None:
            continue
        if f.path not in counted:  # a file parsed in several build profiles has one text
            counted.add(f.path)
            skipped, active = data.skipped_calls
            for file, line, name in skipped:
                facts.skipped_calls[name].add((file, line))
            facts.active_calls.update(active)
            for name, lines in data.text_writes.items():
                facts.text_writes[(f.path, name)].update(lines)
        for name, rows in data.tables.items():
            facts.tables.setdefault(name, rows)
        for name, value in data.globals.items():
            facts.globals.setdefault(name, value)
        for fn, values in data.locals.items():
            key = graph.key_for(fn, f.path) or fn
            for local, syms in values.items():
                facts.locals[key].setdefault(local, syms)
        for assign in data.option_assigns:
            if assign not in facts.assigns:
                facts.assigns.append(assign)
        for fn, file, line, ident, facility in data.openlog:
            direct.add((graph.key_for(fn, file) or fn, line, ident, facility))
        for fn, file, line, var, value in data.const_assigns:
            key = graph.key_for(fn, file) or fn
            if (line, var, value) not in facts.const_assigns[key]:
                facts.const_assigns[key].append((line, var, value))
        for fn, file, line, priority in data.syslog:
            key = graph.key_for(fn, file) or fn
            if (line, priority) not in facts.syslog[key]:
                facts.syslog[key].append((line, priority))
        for fn, file, line, index, op, value, conds in data.param_assigns:
            key = graph.key_for(fn, file) or fn
            if (line, index, op, value, conds) not in facts.param_assigns[key]:
                facts.param_assigns[key].append((line, index, op, value, conds))
        for fn, builds in data.strings.items():
            facts.strings.setdefault(graph.key_for(fn, f.path) or fn, builds)
        for fn, names in data.writes.items():
            facts.writes.setdefault(graph.key_for(fn, f.path) or fn, names)
        for var, value in data.global_values:
            if value not in facts.global_values[var]:
                facts.global_values[var].append(value)
        for fn, file, line, target, value, conds in data.state_writes:
            facts.parsed_writes[(file, target.rsplit(".", 1)[-1])].add(line)
            key = graph.key_for(fn, file) or fn
            if (line, target, value, conds) not in facts.state_writes[key]:
                facts.state_writes[key].append((line, target, value, conds))
        facts.zero_globals.update(data.zero_globals)
        for fn, file, line, name in getattr(data, "derefs", ()):
            key = graph.key_for(fn, file) or fn
            if (line, name) not in facts.derefs[key]:
                facts.derefs[key].append((line, name))
        for fn, file, line, var in data.forks:
            key = graph.key_for(fn, file) or fn
            if (line, var) not in facts.forks[key]:
                facts.forks[key].append((line, var))
    facts.sites = _expand_wrappers([OpenlogSite(k, line, i, fa) for k, line, i, fa in sorted(direct)], graph, facts)
    return facts


def _has_param(s: Sym) -> bool:
    return any(part[0] == "param" for part in walk_sym(s))


def _expand_wrappers(sites: list[OpenlogSite], graph: CallGraph, facts: Facts) -> list[OpenlogSite]:
    """A site whose ident or facility is a parameter belongs to the wrapper's callers."""
    done = [s for s in sites if not (_has_param(s.ident) or _has_param(s.facility))]
    todo = [s for s in sites if s not in done]
    for _ in range(4):  # wrappers of wrappers
        later = []
        for site in todo:
            name = graph.functions[site.function].name if site.function in graph.functions else site.function
            for caller, data in graph.callers(site.function):
                call = data.get("call")
                if call is None or data["kind"] != "direct":
                    continue
                new = OpenlogSite(caller, call.line, _substitute(site.ident, call, caller, facts),
                                  _substitute(site.facility, call, caller, facts), site.via or name)
                (later if _has_param(new.ident) or _has_param(new.facility) else done).append(new)
        todo = later
    return sorted(set(done), key=lambda s: (s.function, s.line))


def _substitute(s: Sym, call: Any, caller: str, facts: Facts) -> Sym:
    if s[0] == "param":
        if s[1] >= len(call.args):
            return other_sym(s[2])
        arg = call.args[s[1]]
        if arg.string is not None:
            return str_sym(arg.string)
        if arg.integer is not None:
            return int_sym(arg.integer)
        text = arg.text.strip()
        if re.fullmatch(r"[A-Za-z_]\w*", text):
            if text in facts.locals.get(caller, {}):
                return local_sym(text)
            return var_sym(text)
        return other_sym(text)
    return map_sym(s, lambda p: _substitute(p, call, caller, facts))


# ---------------------------------------------------------------------------- evaluation

class Env:
    """Values of variables: initial values, overridden by what the given options assign."""

    def __init__(self, facts: Facts, overrides: dict[str, Any] | None = None) -> None:
        self.facts = facts
        self.overrides = overrides or {}

    def values(self, s: Sym, function: str, strings: bool = False, depth: int = 0) -> set:
        """Possible values of `s` in `function` (UNKNOWN among them when not all are known).

        With `strings`, a local takes every value assigned to it (an ident chosen at run time);
        otherwise its initial value (what it holds unless the input changes it)."""
        if depth > 12:
            return {UNKNOWN}
        kind = s[0]
        if kind in ("int", "str"):
            return {s[1]}
        if kind == "var":
            if s[1] in self.overrides:
                return {self.overrides[s[1]]}
            init = self.facts.globals.get(s[1])
            if init is not None:
                return self.values(init, "", strings, depth + 1)
            return {UNKNOWN} if s[1] not in self.facts.globals else {0}
        if kind == "local":
            syms = self.facts.locals.get(function, {}).get(s[1], [])
            if not syms:
                return {UNKNOWN}
            out: set = set()
            for v in (syms if strings else syms[:1]):
                out |= self.values(v, function, strings, depth + 1)
            return out
        if kind == "cond":
            cond = self.values(s[1], function, strings, depth + 1)
            out = set()
            if any(c is UNKNOWN or c for c in cond):
                out |= self.values(s[2], function, strings, depth + 1)
            if any(c is UNKNOWN or not c for c in cond):
                out |= self.values(s[3], function, strings, depth + 1)
            return out
        if kind == "bin":
            return {_binary(s[1], a, b) for a in self.values(s[2], function, strings, depth + 1)
                    for b in self.values(s[3], function, strings, depth + 1)}
        if kind == "not":
            return {UNKNOWN if v is UNKNOWN else int(not v) for v in self.values(s[1], function, strings, depth + 1)}
        lookup = _table_of(s)
        if lookup is not None:
            table, index, field = lookup
            rows = self.facts.tables.get(table)
            if rows is None:
                return {UNKNOWN}
            out = set()
            for i in self.values(index, function, strings, depth + 1):
                if isinstance(i, int) and 0 <= i < len(rows):
                    out.add(dict(rows[i]).get(field, UNKNOWN))
                else:
                    out.add(UNKNOWN)
            return out
        return {UNKNOWN}


def guards_hold(conds: tuple, index: int, value: Any, key: str, env: Env) -> bool | None:
    """Do the guards (`((cond sym, negated), ...)`) of an assignment hold when parameter `index`
    of function `key` is `value`? True, False, or None when not known. Only the guards that
    test that parameter count: the others (keepalived 2.1's `if (!__test_bit(NO_SYSLOG_BIT,
    &debug))` around an assignment to the priority) are taken to guard what the assignment
    prepares as well (facilities.py), or are judged elsewhere (procstate.py)."""
    result: bool | None = True
    for cond, negated in conds:
        if not any(part[0] == "param" and part[1] == index for part in walk_sym(cond)):
            continue
        got = env.values(bind_param(cond, index, value), key)
        if UNKNOWN in got or len({bool(g) for g in got}) != 1:
            result = None
            continue
        if bool(next(iter(got))) == negated:
            return False
    return result


def bind_param(s: Sym, index: int, value: Any) -> Sym:
    """`s` with the parameter at `index` replaced by a known value."""
    if s[0] == "param":
        return int_sym(value) if s[1] == index and isinstance(value, int) and value is not UNKNOWN else other_sym(s[2])
    return map_sym(s, lambda p: bind_param(p, index, value))


def _binary(op: str, a: Any, b: Any) -> Any:
    if a is UNKNOWN or b is UNKNOWN or not isinstance(a, int) or not isinstance(b, int):
        if op in ("==", "!=") and isinstance(a, str) and isinstance(b, str):
            return int((a == b) == (op == "=="))
        return UNKNOWN
    ops = {"==": lambda: int(a == b), "!=": lambda: int(a != b), "|": lambda: a | b, "&": lambda: a & b,
           "<": lambda: int(a < b), ">": lambda: int(a > b), "<=": lambda: int(a <= b), ">=": lambda: int(a >= b),
           "+": lambda: a + b, "-": lambda: a - b, "&&": lambda: int(bool(a and b)), "||": lambda: int(bool(a or b))}
    return ops[op]() if op in ops else UNKNOWN


def _table_of(s: Sym) -> tuple[str, Sym, str] | None:
    """`TABLE[i].field` -> (TABLE, i, field): a lookup in a constant table."""
    if s[0] == "member" and s[1][0] == "index" and s[1][1][0] in ("var", "local"):
        return s[1][1][1], s[1][2], s[2]
    return None


def facility_name(value: Any) -> str:
    if isinstance(value, int) and value in FACILITY_NAMES:
        return FACILITY_NAMES[value]
    return "?"


def sym_text(s: Sym) -> str:
    kind = s[0]
    if kind == "int":
        return f"LOG_{FACILITY_NAMES[s[1]].upper()}" if s[1] in FACILITY_NAMES and s[1] else str(s[1])
    if kind == "str":
        return f'"{s[1]}"'
    if kind in ("var", "local"):
        return s[1]
    if kind == "param":
        return s[2]
    if kind == "cond":
        return f"({sym_text(s[1])}) ? {sym_text(s[2])} : {sym_text(s[3])}"
    if kind == "bin":
        return f"{sym_text(s[2])} {s[1]} {sym_text(s[3])}"
    if kind == "not":
        return f"!{sym_text(s[1])}"
    if kind == "member":
        return f"{sym_text(s[1])}.{s[2]}"
    if kind == "index":
        return f"{sym_text(s[1])}[{sym_text(s[2])}]"
    if kind == "call":
        return f"{s[1]}({', '.join(sym_text(a) for a in s[2])})"
    return s[1]

