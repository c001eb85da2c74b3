"""Guards another guard of the same message already decides: an early exit `!(A && B)` before
a message written only under `!A` never stopped it, so a release that drops or moves that exit
changes nothing for the message. Text in, text out: no pairing decisions here."""

from __future__ import annotations

import re

from srcscan.catalog import Message
from srcscan.requirement_atoms import BDD  # dd's manager: CUDD's when installed, else pure Python
from srcscan.diff.analysis import _same_loops as same_loops, _same_switches as same_switches
from srcscan.diff.model import FileTexts
from srcscan.diff.ternary import split_top_level
from srcscan.diff.text import _uncast, call_arguments_end


def without_implied_exits(guards: tuple[str, ...]) -> tuple[str, ...]:
    """The guards but each early exit `!(A && B && ...)` one of whose conjuncts another guard
    of the list negates (`!A`, or `!A` as a conjunct of one: `x && !A`): that exit is taken
    only where the message is not written.
    keepalived 2.2.7's vrrp_complete_instance() returned early on `list_empty(&vrrp->vip) &&
    (vrrp->version == VRRP_VERSION_3 || vrrp->strict_mode)` before messages written under
    `!list_empty(&vrrp->vip)`; 2.3.3 checks it at the end of the function: no change for
    them (it is for the function's other messages)."""
    keys = [_key(g) for g in guards]
    out = []
    for k, g in enumerate(guards):
        # what the other guards make true: each, and each of its conjuncts
        others = {c for other in keys[:k] + keys[k + 1:] for c in [other] + [_bare(p) for p in _split_and(other)]}
        if not any(_negations(c) & others for c in _exit_conjuncts(keys[k])):
            out.append(g)
    return tuple(out)


def _key(guard: str) -> str:
    return " ".join(_uncast(guard).split())


def _exit_conjuncts(guard: str) -> list[str]:
    """`!(A && (B || C))` -> [`A`, `B || C`]; [] for a guard of another form or one conjunct."""
    if not guard.startswith("!("):
        return []
    end, _ = call_arguments_end(guard, 2)
    if end != len(guard) - 1:
        return []
    parts = _split_and(guard[2:-1])
    return [_bare(p) for p in parts] if len(parts) > 1 else []


def _split_and(text: str) -> list[str]:
    """`A && (B || C) && D` at its top-level `&&`; a top-level `||` makes the whole one part."""
    return [text] if len(split_top_level(text, "||")) > 1 else split_top_level(text, "&&")


def _bare(part: str) -> str:
    """A conjunct without parentheses around the whole of it."""
    while part.startswith("(") and call_arguments_end(part, 1)[0] == len(part) - 1:
        part = part[1:-1].strip()
    return part


def _negations(guard: str) -> set[str]:
    """The ways srcscan writes a guard's negation, and the guard a negation negates."""
    out = {f"!({guard})", f"!{guard}"}
    if guard.startswith("!(") and call_arguments_end(guard, 2)[0] == len(guard) - 1:
        out.add(guard[2:-1])
    elif guard.startswith("!"):
        out.add(guard[1:])
    return out


# ---------------------------------------------------------------------------- read as logic
# A guard read as a boolean formula over its tests: ("and"|"or", parts), ("not", part) or
# ("atom", key). A comparison of an expression with a constant is the atom ("eq", expr, value)
# (`!=` its negation), a bare expression `x` the negation of ("eq", x, 0).
MAX_ATOMS = 24  # more tests than this in one message: not decided (the guard is kept)
_COMPARISON = re.compile(r"^(?P<l>.+?)\s*(?P<op>==|!=)\s*(?P<r>.+)$")


def without_vacuous_exits(guards: tuple[str, ...], constants: dict[str, int] | None = None) -> tuple[str, ...]:
    """The guards but each early exit `!(E)` that the other guards kept already rule out (E
    cannot hold where they all hold, read as logic over the tests: `x != C` is not `x == C`,
    `x == C1` and `x == C2` exclude each other for constants of other known values, `x` is
    `x != 0`): the exit is taken only where the message is not written, so a release that drops,
    adds or moves it changes nothing for the message. keepalived 2.2.7's
    vrrp_complete_instance() returned early on `list_empty(&vrrp->vip) && (vrrp->version ==
    VRRP_VERSION_3 || vrrp->strict_mode)`, 2.3.3 checks it at the end; `Cannot use AH
    authentication with IPv6` is written after `!(vrrp->strict_mode && vrrp->auth_type !=
    VRRP_AUTH_NONE)` and `!(vrrp->version == VRRP_VERSION_3 && vrrp->auth_type !=
    VRRP_AUTH_NONE)`, under `vrrp->auth_type == VRRP_AUTH_AH`: never in a strict or v3
    instance, so never where that exit was taken. `constants` gives named constants' values
    (Message.constants); an upper-case name of unknown value excludes no other."""
    values = dict(constants or {})
    kept = list(guards)
    k = 0
    while k < len(kept):
        g = _key(kept[k])
        # a test written twice tests a value the code set again in between (lighttpd 1.4.79's
        # `sqlrc = sqlite3_initialize(); if (sqlrc != SQLITE_OK) ...; sqlrc = sqlite3_open_v2(...)`)
        again = any(_key(o) == g for j, o in enumerate(kept) if j != k)
        if g.startswith("!(") and call_arguments_end(g, 2)[0] == len(g) - 1 and not again:
            others = [_formula(_key(o), values) for j, o in enumerate(kept) if j != k]
            # others that cannot all hold read a value the code changed between two tests
            # (`!vrrp_node` ... `vrrp_node`): no logic over the text decides anything there
            if _satisfiable(("and", others)) and not _satisfiable(("and", others + [_formula(g[2:-1], values)])):
                del kept[k]
                continue
        k += 1
    return tuple(kept)


def _formula(text: str, values: dict[str, int]) -> tuple:
    text = _bare(text.strip())
    parts = split_top_level(text, "||")
    if len(parts) > 1:
        return ("or", [_formula(p, values) for p in parts])
    parts = split_top_level(text, "&&")
    if len(parts) > 1:
        return ("and", [_formula(p, values) for p in parts])
    if text.startswith("!") and not text.startswith("!="):
        return ("not", _formula(text[1:], values))
    m = _COMPARISON.match(text)
    if m and len(split_top_level(text, m.group("op"))) == 2:
        left, right = (_bare(s.strip()) for s in split_top_level(text, m.group("op")))
        lv, rv = _constant(left, values), _constant(right, values)
        if rv is not None or lv is not None:
            expr, value = (left, rv) if rv is not None else (right, lv)
            atom = ("atom", ("eq", " ".join(expr.split()), value))
            return atom if m.group("op") == "==" else ("not", atom)
        return ("atom", ("test", " ".join(text.split())))
    if re.search(r"[<>]|[^=!<>]=[^=]", text.replace("->", ".")):
        return ("atom", ("test", " ".join(text.split())))
    return ("not", ("atom", ("eq", " ".join(text.split()), 0)))


def _constant(text: str, values: dict[str, int]) -> int | str | None:
    """The value of a constant operand: a number, a named constant's value (`values`), NULL as
    0, or an upper-case name of unknown value (itself); None for anything else."""
    if text in values:
        return values[text]
    if text in ("NULL", "false"):
        return 0
    m = re.fullmatch(r"(0[xX][0-9a-fA-F]+|\d+)[uUlL]*", text)
    if m:
        return int(m.group(1), 0) if not re.fullmatch(r"0\d+", m.group(1)) else int(m.group(1), 8)
    return text if re.fullmatch(r"[A-Z][A-Z0-9_]*", text) else None


def _atoms(f: tuple, out: list) -> list:
    if f[0] == "atom":
        if f[1] not in out:
            out.append(f[1])
    elif f[0] == "not":
        _atoms(f[1], out)
    else:
        for p in f[1]:
            _atoms(p, out)
    return out


# The tests' formulas are decided by a binary decision diagram (the `dd` library, CUDD's C
# implementation when installed, as srcscan.requirement_atoms): one manager for the process, one
# variable per test seen; a new manager once MAX_VARIABLES tests were seen (a history run reads
# the guards of every release: the manager would grow with each).
MAX_VARIABLES = 4096
_MANAGER = BDD()
_VARIABLES: dict[tuple, str] = {}


def _fresh_manager() -> None:
    global _MANAGER
    _MANAGER = BDD()
    _VARIABLES.clear()


def _variable(atom: tuple):
    name = _VARIABLES.get(atom)
    if name is None:
        name = f"t{len(_VARIABLES)}"
        _MANAGER.declare(name)
        _VARIABLES[atom] = name
    return _MANAGER.var(name)


def _diagram(f: tuple):
    """f as a BDD of _MANAGER."""
    if f[0] == "atom":
        return _variable(f[1])
    if f[0] == "not":
        return ~_diagram(f[1])
    out = _MANAGER.true if f[0] == "and" else _MANAGER.false
    for part in f[1]:
        out = out & _diagram(part) if f[0] == "and" else out | _diagram(part)
    return out


def _satisfiable(f: tuple) -> bool:
    """Can f hold, one expression equalling one value at a time (`x == 1` and `x == 2` exclude
    each other; a constant of unknown value, kept as its name, excludes no other)? True (not
    decided) with more than MAX_ATOMS tests."""
    atoms = _atoms(f, [])
    if len(atoms) > MAX_ATOMS:
        return True
    if len(_VARIABLES) + len(atoms) > MAX_VARIABLES:
        _fresh_manager()  # (no diagram outlives a call)
    u = _diagram(f)
    by_expr: dict[str, list[tuple]] = {}
    for a in atoms:
        if a[0] == "eq" and isinstance(a[2], int):
            by_expr.setdefault(a[1], []).append(a)
    for same in by_expr.values():
        for i, a in enumerate(same):
            for b in same[i + 1:]:
                if a[2] != b[2]:
                    u &= ~(_variable(a) & _variable(b))
    return u != _MANAGER.false


def same_logic(a: Message, b: Message, texts: FileTexts | None) -> bool:
    """Do two messages' guards, written differently, say the same (read as logic over their
    tests, as without_vacuous_exits does), the loops and switches around the calls the same?
    Two exits in one (`if (NULL == d) return; if (0 == d->size) return;` -> `if (NULL == d ||
    0 == d->size) return;`, lighttpd 1.4.79's mod_gnutls acme-tls/1 certificate), one test
    split in two (keepalived 2.3.3's `if (!reload && global_data->vrrp_startup_delay)` ->
    `if (!reload) { if (global_data->vrrp_startup_delay)`), a test the message's own guards
    decide (tcp_epilog()'s `is_success || ((checker->is_up || !checker->has_run) && ...)` for
    `TCP connection to %s success.`, written under `is_success`). Not when the two lists hold
    the same tests as written (a test written twice tests a value set again in between), or
    when either cannot hold."""
    keys = [sorted({_key(g) for g in m.conditions}) for m in (a, b)]
    if keys[0] == keys[1]:
        return False
    fa = ("and", [_formula(_key(g), dict(a.constants)) for g in a.conditions])
    fb = ("and", [_formula(_key(g), dict(b.constants)) for g in b.conditions])
    if not (_satisfiable(fa) and _satisfiable(fb)) or _satisfiable(("and", [fa, ("not", fb)])) \
            or _satisfiable(("and", [fb, ("not", fa)])):
        return False
    return texts is None or (same_loops(a, b, texts) and same_switches(a, b, texts))
