"""Values a key selects by name: a helper handed a key's value compares it with string
literals and stores a constant for each (lighttpd's server.stat-cache-engine, configfile.c:

    case 28:/* server.stat-cache-engine */
      if (0 != stat_cache_choose_engine(cpv->v.b, srv->errh))

and stat_cache.c:

    else if (buffer_eq_slen(stat_cache_string, CONST_STR_LEN("inotify")))
        sc.stat_cache_engine = STAT_CACHE_ENGINE_FSMON;

). Each such store is a selection: key `server.stat-cache-engine` given as "inotify" stores
STAT_CACHE_ENGINE_FSMON (2) in `sc.stat_cache_engine`. A test of that variable against a
constant then reads atoms `key=literal` (`server.stat-cache-engine=inotify`): `== FSMON` needs
one of the literals storing FSMON ("inotify", "kqueue", "fam": each build profile's parse
brings its own); a test that holds with the value the variable has without the key (0, a
zeroed file-scope variable) needs none of the literals storing anything else.

A helper is a function called in a key switch's case with the case's value (`cpv->v...`) as
an argument; a selection is a store of an integer constant to a variable or a field (not a
local) under a guard that holds when a call compares that parameter with a string literal
(`buffer_eq_slen(param, "inotify", ...)`). Facts in (function facts, writes, the key
switches' cases), selections out; no I/O.

Entry selections (entry_selections) are the same shape one level down: a helper handed a key's
list compares each entry's name with a literal and fills a field for it (mod_cgi.c's
cgi.limits: `limits->read_timeout` only for the "read-timeout" entry), so the field is non-zero
only with the key given that entry (`cgi.limits=read-timeout`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping

from srcscan.cexpr import Binary, Call, CExpr, Const, Member, Name, Unary, evaluate, strip
from srcscan.cexpr import Index as CIndex
from srcscan.model import Guard, Write


@dataclass(frozen=True)
class Selection:
    key: str  # the config key (`server.stat-cache-engine`)
    literal: str  # the name its value is compared with (`inotify`)
    value: int  # the constant stored for it (2, STAT_CACHE_ENGINE_FSMON)

    @property
    def atom(self) -> str:
        return f"{self.key}={self.literal}"


def key_selections(functions: Mapping[str, object], key_for, key_cases: Mapping[tuple[str, str], Mapping[int, Mapping[int, str]]],
                   writes: Iterable[Write]) -> dict[str, tuple[Selection, ...]]:
    """Stored name -> its selections: the written target as the writes facts name it
    (`sc.stat_cache_engine` for a file-scope variable's field, `.field` through a pointer).
    `functions`: function key -> FunctionFacts; `key_for(name, file)`: a called function's
    key; `key_cases`: (file, function) -> switch line -> case label -> key (a key switch's cases,
    options.find_key_cases)."""
    params = key_params(functions, key_for, key_cases)
    out: dict[str, set[Selection]] = defaultdict(set)
    for w in writes:
        given = params.get((w.file, w.function))
        if not given or w.local or w.op != "=" or w.value is None:
            continue
        value = evaluate(w.value)
        if value is None:
            continue
        for guard in w.guards:
            found = _compared(guard, given)
            if found:
                for key, literal in found:
                    out[w.target].add(Selection(key, literal, value))
                break
    return {t: tuple(sorted(s, key=lambda x: (x.key, x.literal, x.value))) for t, s in out.items()}


def key_params(functions: Mapping[str, object], key_for,
               key_cases: Mapping[tuple[str, str], Mapping[int, Mapping[int, str]]]) -> dict[tuple[str, str], dict[str, str]]:
    """(file, function) -> parameter -> key: the helpers a key switch's case hands the case's
    value (`cpv->v...`) to, and which parameter receives it."""
    params: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for fn in functions.values():
        switches = key_cases.get((fn.file, fn.name))
        if not switches:
            continue
        for call in fn.calls:
            if call.indirect or not call.exprs:
                continue
            key = _case_key(call.guards, switches)
            callee_key = key_for(call.callee, call.file) if key else None
            callee = functions.get(callee_key) if callee_key else None
            if callee is None:
                continue
            switch_root = _root(next(g.expr for g in reversed(call.guards) if g.kind == "case"))
            for i, arg in enumerate(call.exprs):
                if i < len(callee.params) and switch_root and _root(arg) == switch_root and not _is_switch_read(arg):
                    params[(callee.file, callee.name)][callee.params[i]] = key
    return params


def entry_selections(functions: Mapping[str, object], key_for,
                     key_cases: Mapping[tuple[str, str], Mapping[int, Mapping[int, str]]], writes: Iterable[Write],
                     local_values: Mapping[tuple[str, str], Mapping[str, tuple]], name_field: str) \
        -> dict[tuple[str, str], tuple[str, ...]]:
    """(struct, field) -> the atoms `key=name` of the named entries of a key's list that fill
    it: lighttpd's mod_cgi_parse_limits(cpv->v.a), called only in cgi.limits' case, walks the
    list (`du = a->data[i]`) and stores `limits->read_timeout = v` only under
    `buffer_eq_icase_slen(&du->key, CONST_STR_LEN("read-timeout"))`, so the field is non-zero
    only with cgi.limits given an entry "read-timeout" (`cgi.limits=read-timeout`).
    `name_field`: the member holding an entry's name (the rules' `[config] entry_name_field`,
    `key`); `local_values`: (file, function) -> local -> the values assigned to it. A field
    with any other store of a value that may be non-zero (elsewhere, or not under such a
    test), or whose struct the parse did not name, is left out; so is a helper that code
    outside the key's case calls too."""
    if not name_field:
        return {}
    params = key_params(functions, key_for, key_cases)
    for fn in functions.values():  # a helper also called outside a key's case gets other lists
        for call in fn.calls:
            callee = key_for(call.callee, call.file) if not call.indirect else None
            target = functions.get(callee) if callee else None
            if target is not None and (target.file, target.name) in params \
                    and not _case_key(call.guards, key_cases.get((fn.file, fn.name), {})):
                params.pop((target.file, target.name))
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    other: set[tuple[str, str]] = set()
    for w in writes:
        if w.local or "." not in w.target or w.value is None or evaluate(w.value) == 0:
            continue
        field = (w.owner, w.target.rsplit(".", 1)[-1])
        given = params.get((w.file, w.function))
        named = _named_entry(w.guards, given, local_values.get((w.file, w.function), {}), name_field) if given else None
        if named is None or not w.owner:
            other.add(field)
        else:
            found[field].add(f"{named[0]}={named[1]}")
    return {f: tuple(sorted(atoms)) for f, atoms in found.items() if f not in other}


def _named_entry(guards: tuple[Guard, ...], given: Mapping[str, str], locals_: Mapping[str, tuple],
                 name_field: str) -> tuple[str, str] | None:
    """(key, name) for the innermost guard holding when a call compares an entry's name
    (`&du->key`, `du` a local given an element of a parameter that holds a key's list) with a
    string literal; None when no guard does."""
    for guard in reversed(guards):
        if guard.expr is None or guard.negated or guard.kind not in ("if", "else"):
            continue
        e = strip(guard.expr)
        if not isinstance(e, Call):
            continue
        literals = [strip(a).text[1:-1] for a in e.args
                    if isinstance(strip(a), Const) and strip(a).text.startswith('"') and strip(a).text.endswith('"')]
        keys = {k for a in e.args for k in [_entry_of(a, given, locals_, name_field)] if k}
        if len(literals) == 1 and len(keys) == 1:
            return keys.pop(), literals[0]
    return None


def _entry_of(e: CExpr, given: Mapping[str, str], locals_: Mapping[str, tuple], name_field: str) -> str:
    """The key whose list an entry's name `&du->key` comes from ("" for anything else): `du`
    a local each of whose values is an element of a parameter holding the key's list."""
    e = strip(e)
    if isinstance(e, Unary) and e.op == "&":
        e = strip(e.operand)
    if not isinstance(e, Member) or e.field != name_field:
        return ""
    base = strip(e.base)
    if not isinstance(base, Name) or base.ref != "var":
        return ""
    values = [v for v in locals_.get(base.name, ()) if v is not None]
    roots = {_element_root(v) for v in values}
    return given.get(roots.pop(), "") if len(roots) == 1 and values else ""


def _element_root(e: CExpr) -> str:
    """The parameter `p` of an element `p->data[i]` (through casts)."""
    e = strip(e)
    if not isinstance(e, CIndex):
        return ""
    base = strip(e.base)
    if isinstance(base, Member):
        base = strip(base.base)
    return base.name if isinstance(base, Name) and base.ref == "param" else ""


def selection_atoms(found: tuple[Selection, ...], op: str, value: int, start: int = 0) -> set[str] | None:
    """The atoms a test `stored op value` reads (testatoms.test_atoms' convention: a set of
    positive atoms is "any one of them", a set of `!` atoms "none of them"); None when the
    test is no equality or no selection tells anything. `start`: the value without the key."""
    if op not in ("==", "!="):
        return None
    same = {s.atom for s in found if s.value == value}
    other = {s.atom for s in found if s.value != value}
    holds_without = (value == start) == (op == "==")
    if holds_without:
        # holds unless the key picks a value that makes it fail
        fails = other if op == "==" else same
        return {"!" + a for a in sorted(fails)} or None
    picks = same if op == "==" else other
    return set(picks) or None


def _case_key(guards: tuple[Guard, ...], switches: Mapping[int, Mapping[int, str]]) -> str:
    """The key of the innermost key-switch case enclosing a call ("" when none, or several)."""
    for g in reversed(guards):
        if g.kind != "case":
            continue
        keys = switches.get(g.line, switches.get(0, {}))
        names = {keys.get(label) for label in g.labels}
        return names.pop() if len(names) == 1 and None not in names else ""
    return ""


def _root(e: CExpr | None) -> str:
    """The variable or parameter a member chain starts from (`cpv` of `cpv->v.b`)."""
    while e is not None:
        e = strip(e)
        if isinstance(e, Member):
            e = e.base
        elif isinstance(e, Unary) and e.op in ("*", "&"):
            e = e.operand
        elif isinstance(e, Name):
            return e.name
        else:
            return ""
    return ""


def _is_switch_read(e: CExpr) -> bool:
    """`cpv->k_id`: the switch's own index, not the key's value."""
    e = strip(e)
    return isinstance(e, Member) and e.field == "k_id"


def _compared(guard: Guard, given: Mapping[str, str]) -> list[tuple[str, str]]:
    """(key, literal) pairs for a guard holding when a call compares a parameter given a
    key's value with a string literal (`buffer_eq_slen(p, "x", 1)`, or several with `||`)."""
    if guard.expr is None or guard.negated or guard.kind not in ("if", "else"):
        return []
    return _comparisons(guard.expr, given)


def _comparisons(e: CExpr, given: Mapping[str, str]) -> list[tuple[str, str]]:
    e = strip(e)
    if isinstance(e, Binary) and e.op == "||":
        left, right = _comparisons(e.left, given), _comparisons(e.right, given)
        return left + right if left and right else []
    if not isinstance(e, Call):
        return []
    names = [strip(a).name for a in e.args if isinstance(strip(a), Name) and strip(a).ref == "param"]
    literals = [strip(a).text[1:-1] for a in e.args
                if isinstance(strip(a), Const) and strip(a).text.startswith('"') and strip(a).text.endswith('"')]
    keys = {given[n] for n in names if n in given}
    if len(keys) != 1 or len(literals) != 1:
        return []
    return [(keys.pop(), literals[0])]
