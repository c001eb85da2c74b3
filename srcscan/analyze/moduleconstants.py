"""Tests of a field each module stores its own constant in, read per alternative: shared code
comparing the field with a constant runs, for one module's keys, with that module's constant.

lighttpd 1.4.85's http_response_process_headers() (http-header-glue.c), which every backend
module's response parsing reaches, checks the header lines' CR only `if (opts->backend ==
BACKEND_PROXY && http_header_strict)` (http-header-glue.c:961). The field is stored only with
constants, each by one module when it takes a request (`hctx->opts.backend = BACKEND_CGI`,
mod_cgi.c:1159; BACKEND_FASTCGI, mod_fastcgi.c:542; BACKEND_SCGI, mod_scgi.c:294;
BACKEND_AJP13, mod_ajp13.c:1022; BACKEND_PROXY in mod_proxy.c:1173, mod_sockproxy.c:224 and
mod_wstunnel.c:546). The callers' requirement has one alternative per module (`cgi.assign`,
`fastcgi.server`, ..., `proxy.server`); with `cgi.assign` alone, the only store that runs puts
BACKEND_CGI in the field, and the test fails. So 'HTTP backend response missing CR before LF'
needs proxy.server, sockproxy.server or wstunnel.server.

Read per alternative of the requirement, as the options given and no other: the stores that
can run are those whose function's callers' requirement and own guards (`if (NULL ==
pconf.exts) return ...;` before it) hold then; an alternative is dropped when some store can
run, every such store is in a file of the alternative's keys' tables (the module's own), and
none of them stores a value the test accepts. Only when sure of the stores: every store of a field of that name is one the
parse holds (none written in the text that no parse holds, none through a struct the parse
could not name), each an `=` of a constant, and the field is neither stepped nor has its
address taken. What this takes as given, as analyze.contexts.one_module does: a module stores
its constant when it takes the request, before the shared code reads it (lighttpd's modules do
so where they create the request's context or select themselves as its handler), so that the
value the allocation left is not what the test reads. Unchanged when no alternative would be
left. No I/O.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Mapping

from srcscan.analyze.optiontests import guard_requirement
from srcscan.cexpr import Binary, CExpr, Member, Unary, evaluate, strip
from srcscan.model import Guard, Write
from srcscan.requirement import Atom, Requirement

_TESTS = ("if", "else", "early-return", "and", "or", "ternary")
_FLIP = {"==": "!=", "!=": "=="}


def module_constants(requirement: Requirement, guards: Iterable[Guard], values,
                     store_need: Callable[[Write], Requirement | None],
                     key_files: Callable[[str], tuple[str, ...]]) -> tuple[Requirement, tuple[tuple[int, str], ...]]:
    """(`requirement` without the alternatives under which no store that can run gives the
    field a guard compares with a constant a value passing the comparison; (line, why) for each
    guard that dropped some). `values`: the tree's fieldvalues.FieldValues (its stores by field, the
    files' texts); `store_need`: what a store running needs (store_needs), None when srcscan
    cannot place it; `key_files`: the files of the key tables of an atom's config key (none for
    another option)."""
    if values is None or requirement.is_true or requirement.is_false:
        return requirement, ()
    tests = [(g, m, op, c) for g in guards if g.kind in _TESTS and g.expr is not None
             for m, op, c in _compares(g.expr, not g.negated)]
    tests = [(g, m, op, c, stores) for g, m, op, c in tests
             if (stores := _constant_stores(m, values)) is not None]
    if not tests:
        return requirement, ()
    kept: list[tuple[str, ...]] = []
    dropped: dict[int, tuple[tuple, list[tuple[str, ...]]]] = {}  # guard line -> (its test, the alternatives)
    for alt in requirement.alternatives():
        levels = _levels(alt)
        own = frozenset(f for text in alt if not text.startswith("!") for f in key_files(text))
        ruled = None if levels is None or not own else next(
            (t for t in tests if _rules_out(t[2], t[3], t[4], levels, store_need, own)), None)
        if ruled is None:
            kept.append(alt)
        else:
            dropped.setdefault(ruled[0].line, (ruled, []))[1].append(alt)
    if not dropped or not kept:
        return requirement, ()
    return Requirement.from_alternatives(kept), tuple((line, _why(*dropped[line])) for line in sorted(dropped))


def _why(test: tuple, alternatives: list[tuple[str, ...]]) -> str:
    g, m, op, c, stores = test
    given = " or ".join(" && ".join(alt) for alt in alternatives)
    where = "; ".join(dict.fromkeys(f"{w.file}:{w.line} `= {w.text}`" for w in stores))  # each parse's writes
    return (f"{g.describe()}: each module stores its own constant in {m.field} when it takes the request "
            f"({where}); with {given} alone, no store that runs makes {m.field} {op} {c}")


def _compares(e: CExpr, holds: bool) -> list[tuple[Member, str, int]]:
    """(field, op, constant) for each comparison `field op constant` (== or !=) that `e` being
    `holds` needs: through `!`, either operand of a holding `&&` (failing `||`)."""
    e = strip(e)
    if isinstance(e, Unary) and e.op == "!":
        return _compares(e.operand, not holds)
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        return _compares(e.left, holds) + _compares(e.right, holds) if (e.op == "&&") == holds else []
    if isinstance(e, Binary) and e.op in _FLIP:
        for side, other in ((e.left, e.right), (e.right, e.left)):
            side, constant = strip(side), evaluate(other)
            if constant is not None and isinstance(side, Member) and side.owner:
                return [(side, e.op if holds else _FLIP[e.op], constant)]
    return []


def _constant_stores(m: Member, values) -> list[Write] | None:
    """Every store of `m`'s field of its struct, each an `=` of a constant; None when not sure
    these are all (a store of a field of that name the parse does not hold or cannot place, the
    field stepped or its address taken) or when one stores anything else."""
    if not m.owner or m.owner.startswith("/") or m.field in values.stepped \
            or (m.field, m.owner) in values.addressed():
        return None
    named = values.by_field.get(m.field, [])
    if any(not w.owner for w in named) or values.unparsed_stores(m.field, named):
        return None
    stores = [w for w in named if w.owner == m.owner]
    if not stores or any(w.op != "=" or w.value is None or evaluate(strip(w.value)) is None for w in stores):
        return None
    return stores


def _levels(alternative: tuple[str, ...]) -> dict[str, int] | None:
    """The options an alternative gives, as Requirement.holds reads them (`k=v` gives `k`
    too); None when one of its atoms cannot be read."""
    levels: dict[str, int] = {}
    for text in alternative:
        if text.startswith("!"):
            continue
        try:
            atom = Atom.parse(text)
        except Exception:
            return None
        levels[atom.name] = max(levels.get(atom.name, 0), atom.level)
        if "=" in atom.name:
            base = atom.name.split("=", 1)[0]
            levels[base] = max(levels.get(base, 0), 1)
    return levels


def _rules_out(op: str, constant: int, stores: list[Write], levels: Mapping[str, int],
               store_need: Callable[[Write], Requirement | None], own: frozenset[str]) -> bool:
    """Whether some store can run with the options `levels`, each of those in a file of `own`
    (the modules whose keys the options are), and none of them stores a value making `field
    op constant` hold."""
    running = []
    for w in stores:
        need = store_need(w)
        if need is None:
            return False  # a store srcscan cannot place in the call graph: anything may run
        if need.holds(levels):
            running.append(w)
    if not running or any(w.file not in own for w in running):
        return False
    return all((evaluate(strip(w.value)) == constant) != (op == "==") for w in running)


def key_files(index) -> Callable[[str], tuple[str, ...]]:
    """The files of the key tables of an atom's config key (`cgi.assign`, `auth.backend=ldap`
    read as `auth.backend`: Option.files); () for a command-line option or an unknown name.
    `index`: analyze.optionindex's (its options by name)."""
    def files(text: str) -> tuple[str, ...]:
        option = index.by_name.get(re.split(r"[<>=]", text, maxsplit=1)[0])
        return option.files if option is not None and option.kind == "config" else ()
    return files


def store_needs(graph, index, from_callers: Mapping[str, Requirement]) -> Callable[[Write], Requirement | None]:
    """What a store running needs, tests of the run left out: its function's callers'
    requirement (`from_callers`, by call-graph key) and the store's own guards (Write.guards:
    mod_cgi's `if (NULL == pconf.exts) return ...;` before it); None for a store in no function
    of the call graph (`graph`, analyze.callgraph; `index`, analyze.optionindex's)."""
    def need(w: Write) -> Requirement | None:
        key = graph.key_for(w.function, w.file) if w.function else None
        fn = graph.functions.get(key) if key else None
        if fn is None:
            return None
        own = Requirement.all_of(guard_requirement(g, index, fn) for g in w.guards)
        return (from_callers.get(key, Requirement.TRUE) & own).exists(lambda a: a.is_test)
    return need
