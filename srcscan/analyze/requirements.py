"""Which options each message needs: lexical guards, guards inherited through the call graph,
and guard values passed down as parameters.

A requirement is a conjunction of clauses; a clause is a set of atoms of which any one
will do (several config keys reaching one parameter). Atoms are option names (`-D`,
`proxy.debug`), levels (`proxy.debug>=2`, `-D>=2` for a second -D) and negations (`!-D`:
only without the option). Messages get them in disjunctive form: `requires` is a tuple of
alternatives, each a tuple of atoms.

A function inherits a clause when every call path to it from the entry points passes a
guard giving that clause (a must-analysis over the call graph, iterated to a fixed point).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any, Iterable, NamedTuple

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.options import Option, option_to_dict
from srcscan.catalog import Message
from srcscan.extract.calls import integer_value
from srcscan.extract.walk import Guard, member_path, strip
from srcscan.model import FunctionFacts
from srcscan.parse import Node

Clause = frozenset[str]
COMPARISONS = {">", ">=", "<", "<=", "==", "!="}
MAX_ALTERNATIVES = 16


@dataclass
class Index:
    """Options by what they write, for reading guards."""

    by_var: dict[str, list[tuple[Option, Any]]]
    by_field: dict[str, list[tuple[Option, Any]]]
    bit_test: frozenset[str]
    params: dict[tuple[str, str], Clause]  # (function key, parameter) -> options whose value it carries

    @classmethod
    def of(cls, options: Iterable[Option], bit_test: frozenset[str]) -> "Index":
        by_var, by_field = defaultdict(list), defaultdict(list)
        for o in options:
            for e in o.effects:
                (by_field if e.target.startswith(".") else by_var)[e.target.lstrip(".")].append((o, e))
        return cls(by_var, by_field, bit_test, {})


# ---------------------------------------------------------------------------- one guard

def guard_clauses(guard: Guard, index: Index, fn: FunctionFacts) -> list[Clause]:
    if guard.cond is None or guard.kind in ("case", "default", "loop") and guard.kind != "loop":
        return []
    return _clauses(guard.cond, guard.negated, index, fn)


def _clauses(node: Node, negated: bool, index: Index, fn: FunctionFacts) -> list[Clause]:
    node = strip(node)
    if node.kind == "PAREN_EXPR" and node.children:
        return _clauses(node.children[0], negated, index, fn)
    if node.kind == "UNARY_OPERATOR" and node.op == "!" and node.children:
        return _clauses(node.children[0], not negated, index, fn)
    if node.kind == "BINARY_OPERATOR" and node.op in ("&&", "||") and len(node.children) == 2:
        # A && B needs both; !(A || B) needs both negations; the others need neither for sure.
        if (node.op == "&&") != negated:
            return _clauses(node.children[0], negated, index, fn) + _clauses(node.children[1], negated, index, fn)
        return []
    atoms = _atoms(node, index, fn)
    if not atoms:
        return []
    return [frozenset(_negate(a) if negated else a for a in atoms)] if not negated or len(atoms) == 1 else []


def _negate(atom: str) -> str:
    return atom[1:] if atom.startswith("!") else "!" + atom


def _atoms(node: Node, index: Index, fn: FunctionFacts) -> set[str]:
    """Atoms of a test: `debug & 32`, `__test_bit(BIT, &debug)`, `p->conf.debug > 1`, `debug`."""
    if node.kind == "BINARY_OPERATOR" and node.op == "&" and len(node.children) == 2:
        for side, other in (node.children, node.children[::-1]):
            target, mask = _target(side), integer_value(other)
            if target and mask is not None:
                return _bit_atoms(target, mask, index)
        return set()
    if node.kind == "CALL_EXPR" and node.name in index.bit_test and len(node.children) >= 3:
        bit, target = integer_value(node.children[1]), _target(node.children[2])
        return _bit_atoms(target, 1 << bit, index) if target and bit is not None else set()
    if node.kind == "BINARY_OPERATOR" and node.op in COMPARISONS and len(node.children) == 2:
        left, right = node.children
        target, value, op = _target(left), integer_value(right), node.op
        if target is None:
            target, value, op = _target(right), integer_value(left), _mirror(node.op)
        if target is None or value is None:
            return set()
        names = _value_options(target, index, fn)
        return {a for n in names for a in [_level_atom(n, op, value)] if a}
    target = _target(node)
    return set(_value_options(target, index, fn)) if target else set()


def _mirror(op: str) -> str:
    return {">": "<", "<": ">", ">=": "<=", "<=": ">="}.get(op, op)


def _level_atom(name: str, op: str, value: int) -> str | None:
    if (op, value) in (("!=", 0), (">", 0), (">=", 1)):
        return name
    if (op, value) in (("==", 0), ("<", 1), ("<=", 0)):
        return "!" + name
    if op in (">", ">="):
        return f"{name}>={value + 1 if op == '>' else value}"
    if op in ("<", "<="):
        return f"!{name}>={value if op == '<' else value + 1}"
    return f"{name}=={value}" if op == "==" else None


class Target(NamedTuple):
    """What a guard tests: a variable ("var"), a parameter ("param") or a struct field
    ("field"; `root` is the variable it hangs from, `main_pidfile.path`, when there is one)."""

    kind: str
    name: str
    root: str = ""


def _target(node: Node) -> Target | None:
    node = strip(node)
    while node.kind in ("UNARY_OPERATOR", "PAREN_EXPR") and node.op in ("*", "&", "") and node.children:
        node = strip(node.children[0])
    if node.kind == "MEMBER_REF_EXPR":
        root, field = member_path(node)
        return Target("field", field, root)
    if node.kind == "DECL_REF_EXPR" and node.ref_kind in ("VAR_DECL", "PARM_DECL"):
        return Target("param" if node.ref_kind == "PARM_DECL" else "var", node.name)
    return None


def _pool(target: Target, index: Index) -> list[tuple[Option, Any]]:
    """The option effects a tested value may come from. A field tested through a variable
    (`main_pidfile.path`, `global_data->x`) is that variable's field, if an option sets it
    there; otherwise any option setting a field of that name through a local or parameter
    (`p->conf.debug`, whose struct differs per function)."""
    if target.kind == "var":
        return index.by_var.get(target.name, [])
    if target.kind == "field":
        return (index.by_var.get(target.root, []) if target.root else []) + index.by_field.get(target.name, [])
    return []


def _bit_atoms(target: Target, mask: int, index: Index) -> set[str]:
    atoms = set()
    pool = _pool(target, index)
    for option, effect in pool:
        if effect.mask and effect.mask & mask:
            atoms.add(option.name if effect.level == 1 else f"{option.name}>={effect.level}")
    return atoms


def _value_options(target: Target | None, index: Index, fn: FunctionFacts) -> list[str]:
    if target is None:
        return []
    if target.kind == "param":
        return sorted(index.params.get((fn.key, target.name), ()))
    pool = [(o, e) for o, e in _pool(target, index) if not e.mask]  # bit masks are read through `&`, not as values
    local = [o for o, _ in pool if fn.file in o.files]  # the key the function's own module reads
    return sorted({o.name for o in (local or [o for o, _ in pool])})


# ---------------------------------------------------------------------------- across functions

_ARG_FIELD = re.compile(r"(?:->|\.)\s*(\w+)\s*\)*\s*$")
_ARG_NAME = re.compile(r"^\(*\s*(?:\([\w\s\*]+\)\s*)?(\w+)\s*\)*$")


def param_options(graph: CallGraph, index: Index) -> dict[tuple[str, str], Clause]:
    """Parameters that carry an option's value from every caller that passes one."""
    found: dict[tuple[str, str], Clause] = {}
    for _ in range(3):  # values passed on through a parameter of a parameter
        index.params = found
        update: dict[tuple[str, str], set[str]] = defaultdict(set)
        unknown: set[tuple[str, str]] = set()
        for caller, callee, data in graph.graph.edges(data=True):
            call = data.get("call")
            fn = graph.functions.get(callee)
            if call is None or fn is None or data["kind"] != "direct":
                continue
            caller_fn = graph.functions[caller]
            for i, param in enumerate(fn.params[: len(call.args)]):
                arg = call.args[i]
                if arg.integer == 0:
                    continue  # "no debugging" passed literally: that path never logs
                m = _ARG_FIELD.search(arg.text)
                names: list[str] = []
                if m:
                    names = _value_options(Target("field", m.group(1)), index, caller_fn)
                elif (m := _ARG_NAME.match(arg.text)) and m.group(1) in caller_fn.params:
                    names = sorted(found.get((caller_fn.key, m.group(1)), ()))
                if names:
                    update[(callee, param)].update(names)
                else:
                    unknown.add((callee, param))
        found = {k: frozenset(v) for k, v in update.items() if k not in unknown}
    index.params = found
    return found


MAX_PATHS = 6  # alternatives kept per function before falling back to what they share

Paths = tuple[frozenset[Clause], ...]  # alternatives: each the clauses one kind of call path passes


def inherited(graph: CallGraph, index: Index) -> tuple[dict[str, Paths], dict[str, bool]]:
    """For each function, the guards its call paths from the entry points pass, as alternatives
    (`dump_list` called under -D in one place and under -d in another: -D or -d); and whether
    resolving calls through function pointers mattered. An alternative with no clauses means
    some path needs nothing: the function then inherits no requirement."""
    req: dict[str, set[frozenset[Clause]] | None] = {k: None for k in graph.graph}
    for e in graph.entry_points:
        req[e] = {frozenset()}
    via_pointer: dict[str, bool] = defaultdict(bool)
    edge_clauses: dict[tuple, frozenset[Clause]] = {}
    for caller, callee, key, data in graph.graph.edges(keys=True, data=True):
        if data["kind"] == "stored":
            continue  # when a stored callback runs is decided where its field is called
        fn = graph.functions[caller]
        edge_clauses[(caller, callee, key)] = frozenset(
            c for g in data["guards"] for c in guard_clauses(g, index, fn))
    order = sorted(graph.reachable(graph.entry_points))
    changed, rounds = True, 0
    while changed and rounds < 50:
        changed, rounds = False, rounds + 1
        for node in order:
            if node in graph.entry_points:
                continue
            alternatives: set[frozenset[Clause]] = set()
            pointer = False
            for caller, _, key, data in graph.graph.in_edges(node, keys=True, data=True):
                if req.get(caller) is None or data["kind"] == "stored":
                    continue
                alternatives |= {a | edge_clauses[(caller, node, key)] for a in req[caller]}
                pointer = pointer or data["kind"] != "direct" or via_pointer[caller]
            if not alternatives:
                continue
            alternatives = _simplify(alternatives)
            if alternatives != req[node]:
                req[node], changed = alternatives, True
            via_pointer[node] = pointer and frozenset() not in alternatives
    out = {}
    for k, v in req.items():
        out[k] = () if not v or frozenset() in v else tuple(sorted(v, key=lambda a: sorted(map(sorted, a))))
    return out, via_pointer


def _simplify(alternatives: set[frozenset[Clause]]) -> set[frozenset[Clause]]:
    """Drop alternatives that demand more than another (A or A-and-B is A); past MAX_PATHS,
    keep only what they all share."""
    if frozenset() in alternatives:
        return {frozenset()}
    kept = {a for a in alternatives if not any(b < a for b in alternatives)}
    if len(kept) > MAX_PATHS:
        return {frozenset.intersection(*kept)}
    return kept


def to_alternatives(clauses: Iterable[Clause]) -> tuple[tuple[str, ...], ...]:
    clauses = sorted({c for c in clauses if c}, key=sorted)
    if not clauses:
        return ()
    alternatives = set()
    for combo in itertools.islice(itertools.product(*[sorted(c) for c in clauses]), MAX_ALTERNATIVES):
        atoms = set(combo)
        if any(_negate(a) in atoms for a in atoms):
            continue  # contradictory: never logged
        alternatives.add(tuple(sorted(atoms)))
    return tuple(sorted(alternatives))


# ---------------------------------------------------------------------------- the analysis

def option_index(graph: CallGraph, options: Iterable[Option], rules) -> Index:
    """Options by what they write, and the parameters that carry their values."""
    index = Index.of(options, rules.options.bit_test)
    param_options(graph, index)
    return index


def analyze_requirements(context) -> tuple[list[Message], dict[str, Any]]:
    options, index, graph = context.options, context.index, context.graph
    inherited_req, via_pointer = inherited(graph, index)
    calls_by_site = {(c.file, c.line, c.col, fn.name): (c, fn) for fn in context.functions for c in fn.calls}
    by_place = defaultdict(list)
    for (file, line, col, name), value in calls_by_site.items():
        by_place[(file, name)].append((line, value))
    messages = []
    for m in context.messages:
        site = _site(by_place, m)
        if site is None:
            messages.append(m)
            continue
        call, fn = site
        lexical = [c for g in call.guards for c in guard_clauses(g, index, fn)]
        key = graph.key_for(fn.name, fn.file) or fn.key
        paths = inherited_req.get(key, ())
        from_callers = frozenset().union(*paths) if paths else frozenset()
        found = {alt for path in (paths or (frozenset(),)) for alt in to_alternatives(list(lexical) + list(path))}
        requires = tuple(sorted(a for a in found if not any(set(b) < set(a) for b in found)))
        derivation = [f"lexical guard at {g_file}:{g.line}: {g.describe()}"
                      for g in call.guards for g_file in [call.file] if guard_clauses(g, index, fn)]
        if from_callers:
            where = "; ".join(_guard_sites(graph, index, key, from_callers)) or "callers guarded further up"
            if len(paths) > 1:
                derivation.append(f"inherited: every call path to {fn.name}() passes one of {len(paths)} guards ({where})")
            else:
                derivation.append(f"inherited: every call path to {fn.name}() passes the guard ({where})")
            if via_pointer.get(key):
                derivation.append("depends on resolving calls through function pointers")
        if any(len(c) > 1 for c in list(lexical) + list(from_callers)):
            derivation.append("any one of several options reaching the same value")
        messages.append(replace(m, requires=requires, derivation=tuple(derivation) if requires else ()))
    if context.with_options:
        from srcscan.analyze.settings import parse_with, satisfied

        from srcscan.preprocessor import build_holds

        settings = parse_with(context.with_options, options, context.rules.config.false_values)
        messages = [m for m in messages if satisfied(m.requires, settings)
                    and (not settings.macros or build_holds(m.build, settings.macros))]
    return messages, {"options": [option_to_dict(o) for o in options]}


def _guard_sites(graph: CallGraph, index: Index, key: str, clauses: frozenset[Clause], limit: int = 3) -> list[str]:
    """Where the inherited guards are: the nearest calls (up the call graph) whose guards
    give one of `clauses`, as "file:line in caller() [via f()]"."""
    found: list[str] = []
    todo = [(key, "")]
    seen = {key}
    while todo and len(found) < limit:
        node, via = todo.pop(0)
        for caller, _, data in sorted(graph.graph.in_edges(node, data=True), key=lambda e: (e[0], e[2]["line"])):
            if data["kind"] == "stored":
                continue
            fn = graph.functions[caller]
            if any(c in clauses for g in data["guards"] for c in guard_clauses(g, index, fn)):
                text = next(g.describe() for g in data["guards"] if guard_clauses(g, index, fn))
                kind = "" if data["kind"] == "direct" else f", {data['kind']} through {data['via']}"
                found.append(f"{fn.file}:{data['line']} in {fn.name}(){via}{kind}: {text}")
            elif caller not in seen:
                seen.add(caller)
                todo.append((caller, f" via {fn.name}(){via}"))
    return list(dict.fromkeys(found))[:limit]


def _site(by_place, m: Message):
    candidates = by_place.get((m.file, m.function), [])
    exact = [v for line, v in candidates if line == m.line]
    if exact:
        return exact[0]
    near = sorted(candidates, key=lambda lv: abs(lv[0] - m.line))
    return near[0][1] if near and abs(near[0][0] - m.line) <= 3 else None
