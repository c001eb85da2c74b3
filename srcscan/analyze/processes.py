"""Which process emits each message, and under which syslog facility.

Plain facts in (the per-file "logsetup" facts, the call graph, the option table), message
annotations and a `processes` section out; no I/O.

- openlog sites: every `openlog` call, and every call of a project wrapper that passes its
  parameters on as openlog's ident or facility (`open_syslog(ident)`), with the caller's
  arguments put in.
- processes: `main` starts one; a function that forks and then opens syslog starts another
  (the child). In such a start function, code before the fork and in the branch where the
  fork's result is non-zero runs in the parent; the rest in the child. A function runs in
  every process from whose start it is reachable without entering another child's side.
- facilities: each process's openlog facility expression, evaluated with the initial values
  of the variables it reads, the tables it indexes, and what options assign to them.
  A process that opens nothing logs with what it inherited; a daemon whose log functions
  write to a file by default says so in its rules' `[logging]` section.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any, Iterable

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.options import Option
from srcscan.catalog import Message
from srcscan.errors import InputError
from srcscan.extract.calls import integer_value
from srcscan.extract.logsetup import Sym, walk_sym
from srcscan.extract.walk import strip
from srcscan.rules import LoggingRules as Logging, Rules

# <syslog.h>'s facility codes (the same in every libc: they are on the wire).
FACILITY_NAMES = {0: "kern", 8: "user", 16: "mail", 24: "daemon", 32: "auth", 40: "syslog", 48: "lpr",
                  56: "news", 64: "uucp", 72: "cron", 80: "authpriv", 88: "ftp",
                  **{128 + 8 * i: f"local{i}" for i in range(8)}}
FACILITY_CODES = {name: code for code, name in FACILITY_NAMES.items()}
DEFAULT_FACILITY = "user"  # syslog() without openlog()
UNKNOWN = object()
_STRNCMP_PREFIX = re.compile(r'strncmp\s*\(\s*[^,]+,\s*"([^"]+)"')


class BadOptionValue(InputError):
    pass


@dataclass(frozen=True)
class OpenlogSite:
    function: str  # call-graph key of the function calling openlog (or the wrapper)
    line: int
    ident: Sym
    facility: Sym
    via: str = ""  # the wrapper called, when openlog is reached through one


@dataclass(frozen=True)
class Process:
    name: str
    start: str  # call-graph key of the start function
    fork_line: int  # 0 for the entry point
    fork_var: str  # variable holding fork()'s result in the start function
    values: tuple[tuple[str, int], ...] = ()  # constants the child gives globals after the fork


# ---------------------------------------------------------------------------- whole-tree facts

@dataclass
class Facts:
    tables: dict[str, list[list[tuple[str, Any]]]]
    globals: dict[str, Sym]
    locals: dict[str, dict[str, list[Sym]]]  # call-graph key -> local -> values
    assigns: list[tuple[str, str, Sym, tuple[str, ...]]]  # option switch assignments
    sites: list[OpenlogSite]
    forks: dict[str, list[tuple[int, str]]]  # call-graph key -> (line, variable)
    const_assigns: dict[str, list[tuple[int, str, int]]]  # call-graph key -> (line, variable, value)


def gather(files: Iterable[Any], graph: CallGraph) -> Facts:
    facts = Facts({}, {}, defaultdict(dict), [], [], defaultdict(list), defaultdict(list))
    direct: set[tuple] = set()
    for f in files:
        data = f.extra.get("logsetup")
        if not data:
            continue
        for name, rows in data["tables"].items():
            facts.tables.setdefault(name, rows)
        for name, value in data["globals"].items():
            facts.globals.setdefault(name, value)
        for fn, values in data["locals"].items():
            key = graph.key_for(fn, f.path) or fn
            for local, syms in values.items():
                facts.locals[key].setdefault(local, syms)
        for assign in data["option_assigns"]:
            if assign not in facts.assigns:
                facts.assigns.append(assign)
        for fn, file, line, ident, facility in data["openlog"]:
            direct.add((graph.key_for(fn, file) or fn, line, ident, facility))
        for fn, file, line, var, value in data["const_assigns"]:
            key = graph.key_for(fn, file) or fn
            if (line, var, value) not in facts.const_assigns[key]:
                facts.const_assigns[key].append((line, var, value))
        for fn, file, line, var in data["forks"]:
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
            return ("?", s[2])
        arg = call.args[s[1]]
        if arg.string is not None:
            return ("str", arg.string)
        if arg.integer is not None:
            return ("int", arg.integer)
        text = arg.text.strip()
        if re.fullmatch(r"[A-Za-z_]\w*", text):
            if text in facts.locals.get(caller, {}):
                return ("local", text)
            return ("var", text)
        return ("?", text)
    return tuple(_substitute(p, call, caller, facts) if isinstance(p, tuple) and p and isinstance(p[0], str)
                 else p for p in s)


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


# ---------------------------------------------------------------------------- options -> variables

@dataclass(frozen=True)
class Assignment:
    option: str  # the option's first name
    variable: str
    value: Sym
    prefixes: tuple[str, ...]  # string prefixes the option's value may carry before an index


def option_assignments(facts: Facts, options: Iterable[Option]) -> list[Assignment]:
    out = []
    for option in options:
        for effect in option.effects:
            for target, text, value, guards in facts.assigns:
                if target == effect.target and text == effect.value:
                    prefixes = tuple(m.group(1) for g in guards for m in _STRNCMP_PREFIX.finditer(g))
                    out.append(Assignment(option.name, target, value, prefixes))
    return list(dict.fromkeys(out))


def assigned_value(a: Assignment, given: str, facts: Facts) -> Any:
    """What the variable holds after the option is given `given`; None when it rejects it."""
    value = a.value
    if value[0] == "int":
        return value[1]
    lookup = _table_of(value)
    if lookup is not None:
        table, _, field = lookup
        rows = facts.tables.get(table, [])
        index = None
        if given.isdigit():
            index = int(given)
        else:
            for prefix in a.prefixes:
                if given.startswith(prefix) and given[len(prefix):].isdigit():
                    index = int(given[len(prefix):])
            if index is None:
                for row in rows:
                    cells = dict(row)
                    if given in [v for v in cells.values() if isinstance(v, str)]:
                        return cells.get(field)
                return None
        if 0 <= index < len(rows) and not any(isinstance(v, str) for _, v in rows[index]):
            return dict(rows[index]).get(field)
        return None
    return UNKNOWN


def accepted_values(assignments: list[Assignment], facts: Facts) -> list[str]:
    """What the option accepts, as a user would write it (`0..7`, `local0..local7`, `daemon`)."""
    out = []
    for a in assignments:
        lookup = _table_of(a.value)
        if lookup is not None:
            rows = facts.tables.get(lookup[0], [])
            names = [v for row in rows for _, v in row if isinstance(v, str)]
            if names:
                out += names
            elif rows:
                out.append(f"0..{len(rows) - 1}")
                out += [f"{p}0..{p}{len(rows) - 1}" for p in a.prefixes]
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------------------- processes

def find_processes(graph: CallGraph, facts: Facts, names: dict[str, str]) -> list[tuple[Process, list[str]]]:
    """Processes with the idents they open syslog with (the entry point first)."""
    starts: dict[str, tuple[int, str]] = {}
    for site in facts.sites:
        if site.function == "main":
            continue
        before = [(line, var) for line, var in facts.forks.get(site.function, []) if line < site.line]
        if before:
            starts.setdefault(site.function, max(before))
    procs = [Process("main", "main", 0, "")] if "main" in graph.graph else []
    values = {}
    for key in sorted(starts):
        values[key] = {var: value for line, var, value in sorted(facts.const_assigns.get(key, ())) if line > starts[key][0]}
    # A process variable tells the children apart: each sets it to its own constant
    # (prog_type = PROG_TYPE_VRRP); a flag they all reset (reload = 0) is not one.
    distinct = {var for var in {v for d in values.values() for v in d}
                if len(starts) > 1 and all(var in d for d in values.values())
                and len({d[var] for d in values.values()}) == len(values)}
    for key in sorted(starts):
        own = tuple(sorted((var, v) for var, v in values[key].items() if var in distinct))
        procs.append(Process(key, key, starts[key][0], starts[key][1], own))
    out = []
    env = Env(facts)
    region = regions(graph, procs)  # names do not depend on the options given
    for p in procs:
        idents = sorted({v for s in process_sites(p, procs, region, facts)
                         for v in env.values(s.ident, s.function, strings=True) if isinstance(v, str)})
        out.append((p, idents))
    main_idents = out[0][1] if out and out[0][0].start == "main" else []
    named = []
    for p, idents in out:
        if p.start == "main":
            name = "parent" if len(out) > 1 else (_clean(idents[0]) if idents else "main")
        else:
            name = _child_name(idents, main_idents, graph.functions[p.start].name if p.start in graph.functions else p.start)
        named.append((replace(p, name=names.get(name, name)), idents))
    return named


def _clean(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "main"


def _child_name(idents: list[str], parent_idents: list[str], function: str) -> str:
    if idents:
        ident = idents[0]
        for parent in parent_idents:
            common = 0
            while common < min(len(ident), len(parent)) and ident[common].lower() == parent[common].lower():
                common += 1
            if common >= 3:
                ident = ident[common:]
                break
        return _clean(ident)
    return _clean(re.sub(r"^(start_|run_)|(_child|_process|_main)$", "", function))


def _parent_branch(guards: Iterable[Any], var: str) -> bool:
    """True where a guard says the fork's result is non-zero (the parent), or negative (failed)."""
    if not var:
        return False
    bare = re.escape(var)
    nonzero = [rf"^{bare}$", rf"^{bare}\s*(>|<|!=)\s*0$", rf"^{bare}\s*==\s*-1$", rf"^{bare}\s*<=\s*-1$"]
    zero = [rf"^!\s*\(?{bare}\)?$", rf"^{bare}\s*==\s*0$"]
    for g in guards:
        text = re.sub(r"^\((.*)\)$", r"\1", g.text.strip())
        if g.kind in ("case", "default", "loop"):
            continue
        forms = zero if g.negated else nonzero
        if any(re.match(f, text) for f in forms):
            return True
    return False


def _on_child_side(p: Process, line: int, guards: Iterable[Any]) -> bool:
    if p.start == "main":
        return True
    return line > p.fork_line and not _parent_branch(guards, p.fork_var)


def _other_side(p: Process, procs: list[Process], function: str, line: int, guards: Iterable[Any]) -> bool:
    """True when `line` of `function` runs in a process other than `p`: the function starts a
    child, and the line is on the parent's side of its fork while `p` is the child, or on the
    child's side while `p` is not."""
    owner = next((q for q in procs if q.start == function and q.start != "main"), None)
    return owner is not None and _on_child_side(owner, line, guards) != (owner is p)


def process_sites(p: Process, procs: list[Process], region: dict[str, set[str]], facts: Facts) -> list[OpenlogSite]:
    """The openlog sites process `p` runs."""
    own = []
    for s in facts.sites:
        if s.function in region[p.name] and not _other_side(p, procs, s.function, s.line, ()):
            own.append(s)
    return own


def regions(graph: CallGraph, procs: list[Process], edge_ok: Any = None, option_test: Any = None) -> dict[str, set[str]]:
    """Functions each process runs.

    Calls under a guard that the options in force do not satisfy are left out (keepalived's
    parent runs the children's code only under -t, to test the configuration).
    Calls through a struct field are left out: a scheduler shared by every process calls
    `thread->func`, resolved to every function stored in any `func` field, which would put
    all of them in every process. Where a callback is handed over (registered) counts instead."""
    out = {}
    allowed: dict[int, bool] = {}  # id(edge data) -> edge_ok, the same for every process
    tests: dict[str, Any] = {}
    adjacency = graph.direct_calls()
    starts: dict[str, Process] = {}  # functions that fork a child
    for q in procs:
        if q.start != "main":
            starts.setdefault(q.start, q)
    for p in procs:
        values = _process_values(p, tuple(procs))
        seen = {p.start}
        todo = [p.start]
        while todo:
            key = todo.pop()
            owner = starts.get(key)
            for callee, data in adjacency.get(key, ()):
                if callee in seen:
                    continue
                if edge_ok is not None:
                    ok = allowed.get(id(data))
                    if ok is None:
                        ok = allowed[id(data)] = edge_ok(key, data)
                    if not ok:
                        continue
                if data["guards"]:
                    if option_test and key not in tests:
                        tests[key] = option_test(graph.functions.get(key))
                    if not _runs_in(values, data["guards"], tests.get(key)):
                        continue
                if owner is not None and _on_child_side(owner, data["line"], data["guards"]) != (owner is p):
                    continue  # the other side of this function's fork
                seen.add(callee)
                todo.append(callee)
        out[p.name] = seen
    return out


def runs_in(p: Process, procs: list[Process], guards: Iterable[Any], option_test: Any = None) -> bool:
    """False when a guard tests a process variable for a value process `p` does not have
    (`if (prog_type == PROG_TYPE_VRRP)` in code shared by every process)."""
    return _runs_in(_process_values(p, tuple(procs)), guards, option_test)


def _runs_in(values: tuple, guards: Iterable[Any], option_test: Any = None) -> bool:
    variables, own, others = values
    if not variables:
        return True
    for guard in guards:
        if guard.cond is None or guard.kind in ("case", "default"):
            continue
        value = _process_test(guard.cond, own, others, variables, option_test)
        if value is not None and value == guard.negated:
            return False
    return True


@functools.lru_cache(maxsize=64)
def _process_values(p: Process, procs: tuple[Process, ...]) -> tuple[set[str], dict[str, int], dict[str, set[int]]]:
    variables = {var for q in procs for var, _ in q.values}
    others = {var: {v for q in procs if q is not p for w, v in q.values if w == var} for var in variables}
    return variables, dict(p.values), others


def _process_test(node: Any, own: dict[str, int], others: dict[str, set[int]], variables: set[str],
                  option_test: Any = None) -> bool | None:
    """Three-valued: does the condition hold in the process whose variables are `own`? For the
    parent (which sets none of them) a test for a child's value is false."""
    node = strip(node)
    if node.kind == "PAREN_EXPR" and node.children:
        return _process_test(node.children[0], own, others, variables, option_test)
    if node.kind == "UNARY_OPERATOR" and node.op == "!" and node.children:
        inner = _process_test(node.children[0], own, others, variables, option_test)
        return None if inner is None else not inner
    if node.kind == "BINARY_OPERATOR" and len(node.children) == 2:
        if node.op in ("&&", "||"):
            a, b = (_process_test(c, own, others, variables, option_test) for c in node.children)
            if node.op == "&&":
                return False if a is False or b is False else (True if a and b else None)
            return True if a is True or b is True else (False if a is False and b is False else None)
        if node.op in ("==", "!="):
            left, right = (strip(c) for c in node.children)
            if left.kind != "DECL_REF_EXPR":
                left, right = right, left
            value = integer_value(right)
            if left.kind != "DECL_REF_EXPR" or left.name not in variables or value is None:
                return option_test(node) if option_test else None
            if left.name in own:
                equal = own[left.name] == value
            elif value in others[left.name]:
                equal = False  # a value only children take
            else:
                return None
            return equal if node.op == "==" else not equal
    # `prog_type == PROG_TYPE_VRRP || __test_bit(CONFIG_TEST_BIT, &debug)`: an option test
    # decides the other operand under the options in force.
    return option_test(node) if option_test else None


def message_processes(m: Message, fn_key: str, procs: list[Process], region: dict[str, set[str]],
                      guards: Iterable[Any], option_test: Any = None) -> tuple[str, ...]:
    out = []
    guards = tuple(guards)
    for p in procs:
        if fn_key in region[p.name] and runs_in(p, procs, guards, option_test) \
                and not _other_side(p, procs, fn_key, m.line, guards):
            out.append(p.name)
    return tuple(out)


# ---------------------------------------------------------------------------- facilities

@dataclass
class Model:
    procs: list[Process]
    idents: dict[str, list[str]]
    region: dict[str, set[str]]
    sites: dict[str, list[OpenlogSite]]  # process name -> the openlog sites it runs
    facts: Facts
    assignments: list[Assignment]
    logging: Logging
    option_names: frozenset[str]
    graph: CallGraph
    guard_filter: GuardFilter
    settings: Any
    regions_with: dict[Any, dict[str, set[str]]]  # regions under the settings plus a message's options

    @functools.cached_property
    def by_option(self) -> dict[str, list[Assignment]]:
        grouped: dict[str, list[Assignment]] = defaultdict(list)
        for a in self.assignments:
            grouped[a.option].append(a)
        return grouped

    def regions_anywhere(self) -> dict[str, set[str]]:
        if None not in self.regions_with:
            self.regions_with[None] = regions(self.graph, self.procs)
        return self.regions_with[None]

    def region_for(self, requires: tuple[tuple[str, ...], ...]) -> dict[str, set[str]]:
        """Regions under the settings plus the options a message needs (its first alternative):
        a -D dump runs where -D takes the program, not where -t would."""
        from srcscan.analyze.settings import Settings

        atoms = [a for a in (requires[0] if requires else ()) if not a.startswith("!")]
        if not atoms:
            return self.region
        key = tuple(sorted(atoms))
        if key not in self.regions_with:
            levels = dict(self.settings.levels)
            for atom in atoms:
                name, _, level = atom.partition(">=")
                name = name.split("==")[0]
                levels[name] = max(levels.get(name, 0), int(level) if level.isdigit() else 1)
            settings = Settings(dict(self.settings.values), levels, self.settings.macros)
            self.regions_with[key] = regions(self.graph, self.procs, self.guard_filter.edge_ok(settings),
                                             self.guard_filter.option_test(settings))
        return self.regions_with[key]


def build_model(graph: CallGraph, facts: Facts, options: Iterable[Option], rules: Rules,
                settings: Any = None, index: Any = None) -> Model:
    from srcscan.analyze.requirements import option_index
    from srcscan.analyze.settings import Settings

    options = list(options)
    settings = settings or Settings()
    guard_filter = GuardFilter(graph, index or option_index(graph, options, rules))
    named = find_processes(graph, facts, dict(rules.processes.names))
    procs = [p for p, _ in named]
    region = regions(graph, procs, guard_filter.edge_ok(settings), guard_filter.option_test(settings))
    sites = {p.name: process_sites(p, procs, region, facts) for p in procs}
    if not any(sites.values()):  # syslog opened only under an option (lighttpd): where it would be
        everywhere = regions(graph, procs)
        sites = {p.name: process_sites(p, procs, everywhere, facts) for p in procs}
    names = frozenset(n for o in options for n in o.names)
    return Model(procs, {p.name: i for p, i in named}, region, sites, facts,
                 option_assignments(facts, options), rules.logging, names, graph, guard_filter, settings, {})


class GuardFilter:
    """Which calls run under given settings: a call whose guards need options not in force
    does not; nor does one whose test of a process variable fails for the process."""

    def __init__(self, graph: CallGraph, index: Any) -> None:
        self.graph = graph
        self.index = index  # requirements.Index: options by what they write

    def edge_ok(self, settings: Any) -> Any:
        from srcscan.analyze.requirements import guard_clauses
        from srcscan.analyze.settings import holds

        def edge_ok(caller: str, data: dict) -> bool:
            fn = self.graph.functions.get(caller)
            if fn is None:
                return True
            return all(any(holds(atom, settings) for atom in clause)
                       for guard in data["guards"] for clause in guard_clauses(guard, self.index, fn))

        return edge_ok

    def option_test(self, settings: Any) -> Any:
        """fn -> condition -> does it hold under the settings (None: not an option test)."""
        from srcscan.analyze.requirements import _atoms
        from srcscan.analyze.settings import holds
        from srcscan.extract.walk import strip

        def for_function(fn: Any) -> Any:
            def test(node: Any) -> bool | None:
                atoms = _atoms(strip(node), self.index, fn) if fn is not None else set()
                return any(holds(a, settings) for a in atoms) if atoms else None
            return test

        return for_function


def overrides_for(model: Model, values: dict[str, str]) -> dict[str, Any]:
    """Variables the given option values set; a value the option rejects is an error."""
    out: dict[str, Any] = {}
    for option, given in values.items():
        assignments = model.by_option.get(option, [])
        if not assignments:
            continue
        results = [(a, assigned_value(a, given, model.facts)) for a in assignments]
        ok = [(a, v) for a, v in results if v is not None]
        if not ok:
            accepted = accepted_values(assignments, model.facts)
            raise BadOptionValue(f"{option} {given}: not a value {option} accepts"
                                 + (f" ({', '.join(accepted)})" if accepted else ""))
        for a, v in ok[:1]:
            out[a.variable] = v
    return out


def process_facilities(model: Model, values: dict[str, str], syslog_on: bool) -> dict[str, tuple[str, ...]]:
    """Facility (or other destination) of each process under the given option values."""
    logging = model.logging
    if logging.destination != "syslog" and not syslog_on:
        return {p.name: (logging.destination,) for p in model.procs}
    env = Env(model.facts, overrides_for(model, values))
    named = values.get(logging.facility_option) if logging.facility_option else None
    if named is not None:
        if named not in FACILITY_CODES:
            raise BadOptionValue(f"{logging.facility_option} {named}: not a syslog facility "
                                 f"({', '.join(sorted(FACILITY_CODES))})")
        return {p.name: (named,) for p in model.procs}
    out: dict[str, tuple[str, ...]] = {}
    for p in model.procs:  # the entry point first: children inherit from it
        found = {facility_name(v) for s in model.sites[p.name] for v in env.values(s.facility, s.function)}
        if not found:
            parents = [q.name for q in model.procs if q is not p and p.start in model.region[q.name] and q.name in out]
            found = {f for q in parents for f in out[q]} or {DEFAULT_FACILITY}
        out[p.name] = tuple(sorted(found))
    return out


def facility_expressions(model: Model, p: Process) -> str:
    return "; ".join(dict.fromkeys(sym_text(s.facility) for s in model.sites[p.name])) or "(inherited)"


def facility_changes(model: Model, base: dict[str, str]) -> dict[str, dict[str, str]]:
    """option -> process -> how giving the option changes the process's facility."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    logging = model.logging
    syslog_on = logging.syslog_option in base or logging.destination == "syslog"
    default = process_facilities(model, base, syslog_on)
    if logging.destination != "syslog" and logging.syslog_option in model.option_names \
            and logging.syslog_option not in base:
        on = process_facilities(model, {**base, logging.syslog_option: "enable"}, True)
        for name, facilities in on.items():
            out[logging.syslog_option][name] = "/".join(facilities)
    if logging.facility_option and logging.facility_option in model.option_names and logging.facility_option not in base:
        for p in model.procs:
            out[logging.facility_option][p.name] = "<value>" + (
                f" (with {logging.syslog_option})" if logging.destination != "syslog" else "")
    for option, assignments in sorted(model.by_option.items()):
        if option in base:
            continue
        samples = accepted_samples(assignments, model.facts)
        results: dict[str, dict[str, tuple[str, ...]]] = defaultdict(dict)
        for sample in samples:
            got = process_facilities(model, {**base, option: sample}, syslog_on)
            for name, facilities in got.items():
                results[name][sample] = facilities
        for name, by_sample in results.items():
            if all(by_sample[s] == default[name] for s in by_sample):
                continue
            out[option][name] = describe_changes(by_sample)
    return out


def accepted_samples(assignments: list[Assignment], facts: Facts) -> list[str]:
    samples = []
    for text in accepted_values(assignments, facts):
        m = re.fullmatch(r"(\D*)0\.\.\D*(\d+)", text)
        if m:
            if not m.group(1):
                samples += [str(i) for i in range(int(m.group(2)) + 1)]
        else:
            samples.append(text)
    return samples


def describe_changes(by_sample: dict[str, tuple[str, ...]]) -> str:
    """`local<N>` when index N gives localN for every N; else `value: facility, ...`."""
    numeric = {s: f for s, f in by_sample.items() if s.isdigit()}
    named = {s: f for s, f in by_sample.items() if not s.isdigit()}
    parts = []
    if numeric and all(f == (f"local{s}",) for s, f in numeric.items()):
        parts.append("local<N>")
    else:
        parts += [f"{s}: {'/'.join(f)}" for s, f in numeric.items()]
    parts += [s if f == (s,) else f"{s}: {'/'.join(f)}" for s, f in named.items()]
    return ", ".join(parts)


# ---------------------------------------------------------------------------- the analysis

def analyze_processes(context) -> tuple[list[Message], dict[str, Any]]:
    from srcscan.analyze.settings import parse_with

    graph = context.graph
    facts = gather(context.scan.all_files, graph)
    settings = parse_with(context.with_options, context.options, context.rules.config.false_values)
    model = build_model(graph, facts, context.options, context.rules, settings, context.index)
    values = dict(settings.values)
    syslog_on = model.logging.destination == "syslog" or settings.levels.get(model.logging.syslog_option, 0) > 0
    facilities = process_facilities(model, values, syslog_on)
    changes = facility_changes(model, values)
    guards_at = {(c.file, c.line, fn.name): (c.guards, fn) for fn in context.functions for c in fn.calls}
    by_file = file_processes(graph, model)
    messages, counts, by_file_count = [], defaultdict(int), 0
    for m in context.messages:
        guards, fn = guards_at.get((m.file, m.line, m.function), ((), None))
        key = (graph.key_for(fn.name, fn.file) if fn else None) or graph.key_for(m.function, m.file) or m.function
        procs = message_processes(m, key, model.procs, model.region_for(m.requires), guards) \
            or message_processes(m, key, model.procs, model.regions_anywhere(), guards)
        if not procs and not any(key in r for r in model.regions_anywhere().values()):
            # Not reached from any process start (called through a pointer the graph could
            # not resolve): the processes that run the rest of its file.
            procs = by_file.get(m.file) or tuple(p.name for p in model.procs)  # (an assert handler: any)
            by_file_count += 1
        facility = tuple(sorted({f for p in procs for f in facilities[p]}))
        with_ = {}
        for option, per_process in changes.items():
            texts = sorted({per_process[p] for p in procs if p in per_process})
            if texts:
                with_[option] = texts[0] if len(texts) == 1 else "; ".join(
                    f"{p}: {per_process[p]}" for p in procs if p in per_process)
        for p in procs:
            counts[p] += 1
        messages.append(replace(m, processes=procs, facility=facility, facility_with=tuple(sorted(with_.items()))))
    table = []
    for p in model.procs:
        fn = graph.functions.get(p.start)
        table.append({
            "name": p.name,
            "start": fn.name if fn else p.start,
            "file": fn.file if fn else "",
            "fork_line": p.fork_line,
            "idents": model.idents[p.name],
            "facility_expression": facility_expressions(model, p),
            "facility": list(facilities[p.name]),
            "facility_with": {o: c[p.name] for o, c in sorted(changes.items()) if p.name in c},
            "messages": counts[p.name],
        })
    return messages, {"processes": table, "processes_from_file": by_file_count, "logging": {"destination": model.logging.destination,
                                                      "syslog_option": model.logging.syslog_option,
                                                      "facility_option": model.logging.facility_option}}


def file_processes(graph: CallGraph, model: Model) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = defaultdict(list)
    for p in model.procs:
        for key in model.region[p.name]:
            fn = graph.functions.get(key)
            if fn is not None and p.name not in out[fn.file]:
                out[fn.file].append(p.name)
    order = [p.name for p in model.procs]
    return {f: tuple(sorted(names, key=order.index)) for f, names in out.items()}

