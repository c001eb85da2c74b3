"""A test of a parameter the function assigns before it, or of a local it gives only constants,
read as a test of the parameters' values on entry, so that the callers' arguments decide it.

dnsmasq's one_file(file, hard_opt): `if (hard_opt == LOPT_CONF_OPT) { hard_opt = 0; ... }`,
`if (hard_opt == LOPT_CONF_SCRIPT) { hard_opt = 0; do_popen = 1; }`; then `if (do_popen)
die("%s returns non-zero error code")` holds only for a call passing LOPT_CONF_SCRIPT
(--conf-script), and `if (hard_opt != 0) my_syslog(...)` only for one passing another value
than 0, LOPT_CONF_OPT and LOPT_CONF_SCRIPT (the DHCP host and option files).

The value at a line is built from the assignments before it, each under its guards, as a
chain of `guard ? value : before`; the test is then spread over the choices (`(g && T(value))
|| (!g && T(before))`), so that constants fold and what remains tests parameters on entry.
Facts in (extract.writes' local and parameter writes, typed C expressions), expressions out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import fields, is_dataclass, replace
from typing import Callable, Iterable, Mapping

from srcscan.cexpr import Binary, CExpr, Cond, Const, Name, Unary, evaluate, walk
from srcscan.model import FunctionFacts, Write

MAX_WRITES = 8  # assignments of one name followed; more, and the test stays a value of the run
MAX_DEPTH = 3  # guards of assignments read in turn at their own lines


def flow_writes(writes: Iterable[Write], steps: Iterable[Write] = ()) -> dict[tuple[str, str], dict[str, tuple[Write, ...]]]:
    """(file, function) -> name -> the assignments and declaration of each parameter assigned in
    the function and each local given only integer constants, at least twice (a declaration
    and an assignment), in line order. A local the function steps (`steps`: extract.writes.extract_steps'
    `++u`) is left out: its value at a test is of the run, not the last constant assigned
    (lighttpd's config_plugin_values_init: `for (uint32_t u = 0; ...; ++u) { ... if (... || 0 == u)
    continue; ... }` and a second loop declaring another `u = 0` is no `u` that stays 0)."""
    stepped = {(w.file, w.function, w.target) for w in steps}
    found: dict[tuple[str, str], dict[str, list[Write]]] = defaultdict(lambda: defaultdict(list))
    for w in writes:
        if w.local and (w.param or (w.file, w.function, w.target) not in stepped):
            found[(w.file, w.function)][w.target].append(w)
    out: dict[tuple[str, str], dict[str, tuple[Write, ...]]] = {}
    for key, names in found.items():
        kept = {}
        for name, ws in names.items():
            ws = sorted(set(ws), key=lambda w: (w.line, w.op != "decl"))
            if not ws[0].param and not all(w.value is not None and evaluate(w.value) is not None for w in ws):
                continue  # a local given a value of the run
            if not ws[0].param and ws[0].op != "decl":
                continue  # a local declared elsewhere (a file-scope name of that name)
            if not ws[0].param and len(ws) == 1:
                # given one constant and never assigned again: in C written that way the value is
                # the build configuration's pick (`size_t len = #ifdef HAVE_SNI get(...) #else 0
                # #endif` in lighttpd's mod_wolfssl), of which the parse saw only one branch
                continue
            kept[name] = tuple(ws)
        if kept:
            out[key] = kept
    return out


def entry_form(e: CExpr, fn: FunctionFacts, line: int, writes: Mapping[str, tuple[Write, ...]]) -> CExpr | None:
    """`e`, tested at `line` of `fn`, with the parameters assigned before it and the locals of
    `writes` replaced by their values there (over the parameters' values on entry), spread over
    the choices; None when `e` reads none of them or a value cannot be told."""
    found = _entry(e, fn, line, writes, 0)
    return None if found is None or found is e else found


def _entry(e: CExpr, fn: FunctionFacts, line: int, writes: Mapping[str, tuple[Write, ...]], depth: int) -> CExpr | None:
    """entry_form's reading: `e` itself when it reads nothing to replace, None when it cannot be told."""
    if depth > MAX_DEPTH:
        return None
    values: dict[tuple[str, str], CExpr] = {}
    for x in walk(e):
        if isinstance(x, Name) and x.ref in ("param", "var") and x.name in writes and (x.name, x.ref) not in values:
            ws = writes[x.name]
            if (x.ref == "param") != ws[0].param:
                return None
            value = _value_at(x.name, ws, fn, line, writes, depth)
            if value is None:
                return None
            if value != Name(x.name, "param"):
                values[(x.name, x.ref)] = value
    if not values:
        return e
    return _spread(_put(e, values))


def _value_at(name: str, ws: tuple[Write, ...], fn: FunctionFacts, line: int,
              writes: Mapping[str, tuple[Write, ...]], depth: int) -> CExpr | None:
    before = [w for w in ws if w.line < line and fn.line <= w.line]
    if len(before) > MAX_WRITES:
        return None
    if ws[0].param:
        value: CExpr = Name(name, "param")
    else:
        if not before or before[0].op != "decl":
            return None
        value, before = before[0].value, before[1:]
    for w in before:
        if w.op != "=" or w.value is None or evaluate(w.value) is None:
            return None  # `x |= 4`, or a value of the run given to a parameter
        held = _guards_expr(w, fn, writes, depth)
        if held is None:
            return None
        value = w.value if evaluate(held) else value if evaluate(held) == 0 else Cond(held, w.value, value)
    return value


def _guards_expr(w: Write, fn: FunctionFacts, writes: Mapping[str, tuple[Write, ...]], depth: int) -> CExpr | None:
    """What holds where `w` runs, as one expression read at the guards' own lines; None for a
    loop, a switch label or a guard without an expression."""
    parts: list[CExpr] = []
    for g in w.guards:
        if g.kind in ("loop", "case", "default") or g.expr is None:
            return None
        part = _entry(g.expr, fn, g.line, writes, depth + 1)
        if part is None:
            return None  # reads a name assigned before the guard that could not be followed
        parts.append(Unary("!", part) if g.negated else part)
    held: CExpr = Const(1, "1")
    for part in parts:
        held = part if held == Const(1, "1") else Binary("&&", held, part)
    return held


def _put(e: CExpr, values: Mapping[tuple[str, str], CExpr]) -> CExpr:
    """`e` with each Name of `values` (by name and ref) replaced."""
    return _rewrite(e, lambda x: values.get((x.name, x.ref)) if isinstance(x, Name) else None)


def _rewrite(e: CExpr, at: Callable[[CExpr], CExpr | None]) -> CExpr:
    """`e` with each node for which `at` gives a replacement replaced (outermost first)."""
    new = at(e)
    if new is not None:
        return new
    if not is_dataclass(e):
        return e
    changes = {}
    for f in fields(e):
        v = getattr(e, f.name)
        if is_dataclass(v):
            found = _rewrite(v, at)
            if found is not v:
                changes[f.name] = found
        elif isinstance(v, tuple) and v and is_dataclass(v[0]):
            found_t = tuple(_rewrite(x, at) for x in v)
            if found_t != v:
                changes[f.name] = found_t
    return replace(e, **changes) if changes else e


def _spread(e: CExpr) -> CExpr:
    """`T(g ? a : b)` -> `(g && T(a)) || (!g && T(b))`, for every choice in `e`."""
    choice = next((x for x in walk(e) if isinstance(x, Cond)), None)
    if choice is None:
        return e
    if e == choice:
        yes, no = _spread(choice.yes), _spread(choice.no)
    else:
        yes, no = _spread(_swap(e, choice, choice.yes)), _spread(_swap(e, choice, choice.no))
    return Binary("||", Binary("&&", choice.test, yes), Binary("&&", Unary("!", choice.test), no))


def _swap(e: CExpr, old: CExpr, new: CExpr) -> CExpr:
    return _rewrite(e, lambda x: new if x == old else None)
