"""What one guard demands of the options: a guard (a typed C expression) becomes a formula
over option atoms by polarity. The code under `cond` runs only if the necessary formula
N(cond) holds, where a test srcscan cannot tie to an option (a runtime test) is "true" in N
and "false" in the sufficient formula S used under `!`: N(a && b) = N(a) & N(b),
N(a || b) = N(a) | N(b), N(!a) = !S(a). So `opt_a || (opt_b && runtime)` needs "either
option", and `!(opt && runtime)` needs nothing.

Tests recognised (analyze.testatoms names the atoms of each): `debug & 32`, `__test_bit(BIT,
&debug)` (the rules' bit tests), levels (`p->conf.debug > 1`), emptiness tests of what a key
fills, plain flags, values set before the getopt loop. No I/O.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from srcscan.analyze.fillvalues import entry_field_test
from srcscan.analyze.guardtext import split
from srcscan.analyze.nonempty import empty_test, nonempty_field_test
from srcscan.analyze.guardedlocals import (copied_values_test, entry_set_unless, global_test, param_set_only_under, set_only_under,
                                          stored_through_locals, walk_start)
from srcscan.analyze.keyindex import key_index_test
from srcscan.analyze.keywordblocks import keyword_value_test, within_blocks
from srcscan.analyze.lastwrite import at_line, choice_at_line
from srcscan.analyze.neverstored import never_stored_test
from srcscan.analyze.nullargs import null_argument
from srcscan.analyze.ondefaults import on_by_default
from srcscan.analyze.sharedfills import shared_need
from srcscan.analyze.zerofields import zero_need
from srcscan.analyze.steppedlocals import stepped_only_under
from srcscan.analyze.parsedvalues import parsed_test
from srcscan.analyze.pointertables import row_guards
from srcscan.analyze.progname import program_name_test
from srcscan.analyze.codetests import code_test
from srcscan.analyze.testatoms import loop_counter, mirror, test_atoms
from srcscan.analyze.valuetests import compared_values, entry_value, masked_value
from srcscan.analyze.optionvalues import (COMPARISONS, cleared_local, integer_of, local_of,
                                          negated_key_test, stored_after_loop, target_of, walk_step,
                                          value_options)
from srcscan.cexpr import Binary, Call, CExpr, Cond, Const, Name, Other, Unary, evaluate, render, strip, walk
from srcscan.model import FunctionFacts, Guard
from srcscan.requirement import Atom, Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

def guard_requirement(guard: Guard, index: Index, fn: FunctionFacts) -> Requirement:
    """What `guard` demands of the options for the code under it; TRUE when it tests no
    option (or is a switch label)."""
    memo = (id(guard), fn.key)
    hit = index.memo.get(memo)
    if hit is not None and hit[0] is guard:
        return hit[1]
    if guard.kind == "case":
        found = index.option_case(guard, fn) or Requirement.TRUE
    elif guard.expr is None or guard.kind == "default":
        found = Requirement.TRUE
    elif (rows := row_guards(guard, index, fn)) is not None:
        # `*children_term[i].pid_p > 0`: the guard read with each row's variable (pointertables)
        found = Requirement.any_of(guard_requirement(g, index, fn) for g in rows)
    elif guard.negated:
        found = ~_formula(guard.expr, index, fn, necessary=False, line=guard.line)
    else:
        found = _formula(guard.expr, index, fn, necessary=True, line=guard.line)
    found = Requirement.TRUE if mandatory(guard, fn, found, index) else within_blocks(found, guard.expr, index)
    index.memo[memo] = (guard, found)  # the guard is kept: its id stays its own
    return found


def mandatory_guard(guard: Guard, index: Index, fn: FunctionFacts) -> bool:
    """Whether `guard` is an early return of `main` the daemon does not run past without some
    config keys (mandatory)."""
    if guard.kind != "early-return" or fn.name != "main" or guard.expr is None:
        return False
    found = ~_formula(guard.expr, index, fn, necessary=False) if guard.negated else \
        _formula(guard.expr, index, fn, necessary=True)
    return mandatory(guard, fn, found, index)


def mandatory(guard: Guard, fn: FunctionFacts, found: Requirement, index: Index) -> bool:
    """An early return of `main` unless config keys are given: the daemon does not run without
    them (lighttpd 1.4.19's `if (srv->config_storage[0]->document_root->used <= 1) { ...
    return -1; }` in server.c), so they are no requirement of what it logs afterwards. The
    message about the missing key, under the `if` itself, keeps its `!key`."""
    if guard.kind != "early-return" or fn.name != "main" or found.is_true or found.is_false:
        return False
    atoms = [a for alt in found.alternatives() for a in alt]
    return all(not a.startswith("!") and getattr(index.by_name.get(re.split(r">=|==", a)[0]), "kind", "") == "config"
               for a in atoms)


def _formula(e: CExpr, index: Index, fn: FunctionFacts, necessary: bool, line: int = 0) -> Requirement:
    e = strip(e)
    while isinstance(e, Binary) and e.op == "=":  # `if ((cpv = rewrite_once))`: the value assigned
        e = strip(e.right)
    if isinstance(e, Other) and (chain := split(e.text, fn.params if fn is not None else ())) is not None:
        e = chain  # a chain of tests clang kept as text for a part it could not type (guardtext)
    if necessary and (entry := entry_field_test(e, index, fn, guard_requirement)) is not None:
        return entry  # `!rec->issrv` in a walk: the entry came from a store giving it 0 (fillvalues)
    if necessary and (filled := nonempty_field_test(e, index, fn, guard_requirement)) is not None:
        return filled  # `strlen(serv->domain) != 0`: a store of a non-empty string ran (nonempty)
    if not necessary and (nonempty := empty_test(e, index)) is not None \
            and (filled := nonempty_field_test(nonempty, index, fn, guard_requirement)) is not None:
        return ~filled  # `strlen(domain) == 0` holds without what a non-empty one needs
    if isinstance(e, Unary) and e.op == "!":
        return ~_formula(e.operand, index, fn, not necessary, line)
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        left = _formula(e.left, index, fn, necessary, line)
        right = _formula(e.right, index, fn, necessary, line)
        return left & right if e.op == "&&" else left | right
    if (pair := truth_difference(e)) is not None:
        # `!!old->ns != !!new->ns`: exactly one holds, so one of them does (N(a) | N(b)); the two
        # may come from two loads of the configuration (a reload), so nothing is sufficient
        return _formula(pair[0], index, fn, True, line) | _formula(pair[1], index, fn, True, line) \
            if necessary else Requirement.FALSE
    if line and (choice := choice_at_line(e, index, fn, line)) is not None:
        e = choice  # a local holding one of two fields (lastwrite.choice_at_line)
    if isinstance(e, Cond):
        # `c ? a : b` as a truth value: (c && a) || (!c && b), each part read as above
        return (_formula(e.test, index, fn, necessary, line) & _formula(e.yes, index, fn, necessary, line)) \
            | (~_formula(e.test, index, fn, not necessary, line) & _formula(e.no, index, fn, necessary, line))
    if (constant := integer_of(e)) is not None:
        # `if (enable_snmp_vrrp || ... || false)`, its other tests under #ifdef: the constant's own truth
        return Requirement.TRUE if constant else Requirement.FALSE
    if necessary and (argument := null_argument(e, index, fn)) is not None:
        return _formula(argument, index, fn, necessary, line)  # `rr_on_list(daemon->filter_rr, t)`: 0 for NULL
    if line and stored_after_loop(e, index, fn, line):
        return Requirement.TRUE if necessary else Requirement.FALSE  # a value of the run
    found = option_test(e, index, fn, unknown=Requirement.TRUE if necessary else Requirement.FALSE, necessary=necessary,
                        line=line)
    if found is None:
        return Requirement.TRUE if necessary else Requirement.FALSE
    return found


def truth_difference(e: CExpr) -> tuple[CExpr, CExpr] | None:
    """(a, b) for a test that holds when exactly one of the truth values of `a` and `b` holds:
    `!!a != !!b` or `!a != !b` (each side negated the same number of times, at least once, so
    each side is 0 or 1 and the sides differ exactly when one of `a`, `b` is set: C11 6.5.3.3);
    None for any other test (`!a != !!b` holds when both or neither are set)."""
    if not (isinstance(e, Binary) and e.op == "!="):
        return None
    sides = []
    for side in (e.left, e.right):
        side, nots = strip(side), 0
        while isinstance(side, Unary) and side.op == "!":
            side, nots = strip(side.operand), nots + 1
        sides.append((side, nots))
    (a, na), (b, nb) = sides
    return (a, b) if na and nb and na % 2 == nb % 2 else None


def option_test(e: CExpr, index: Index, fn: FunctionFacts | None, unknown: Requirement | None = None,
                necessary: bool | None = None, line: int = 0) -> Requirement | None:
    """The options a test reads, as a formula (any one of the options reaching the value);
    None when the test reads no option. Recognises `debug & 32`, `__test_bit(BIT, &debug)`
    (a rules' bit_test function), `p->conf.debug > 1` and a plain `debug`. `unknown` stands
    for a run-time test where one is part of the answer (_holds_by_default); by default the
    test itself, as an atom the analyses quantify away."""
    if (named := program_name_test(e, index, fn)) is not None:
        return named  # the program's name, as the daemon is started (analyze.progname)
    if line and (decided := at_line(e, index, fn, line)) is not None:
        e = decided  # a local the last assignment before the test decides (lastwrite)
    keyed = key_index_test(strip(e), index, fn, line)
    if keyed is not None:
        key, equal, others = keyed
        given = Requirement.any_of(Requirement.atom(k) for k in key.split("|"))
        if necessary is True:
            # `cpv->k_id != 3`: an entry of the list, of another key of the table than that one
            return given if equal else (Requirement.any_of(Requirement.atom(k) for k in others) if others else None)
        if necessary is False:
            return None if equal else ~given
        if unknown is None:
            unknown = Requirement.atom(Atom(f"?{fn.key if fn else ''}:{render(e)}", test=e))
        return given & unknown if equal else ~(given & unknown)
    coded = index.code_test(e, fn) if fn is not None else None
    if coded is not None:  # `option == LOPT_HOST_INOTIFY` in the option handler's switch
        if necessary is not None:
            return coded if necessary else None
        if unknown is None:
            unknown = Requirement.atom(Atom(f"?{fn.key}:{render(e)}", test=e))
        return coded & unknown
    if index.parsed and (parsed := parsed_test(strip(e), fn, index.parsed, necessary, unknown,
                                                index.emptiness_tests)) is not None:
        return parsed  # a value parsed out of keys' strings (analyze.parsedvalues)
    by_default = _holds_by_default(strip(e), index, fn, unknown)
    if by_default is None:  # a field a key's case stores negated (optionvalues.negated_key_test)
        by_default = negated_key_test(strip(e), index, fn, necessary, unknown)
    if by_default is None:  # a flag on by default (ondefaults)
        by_default = on_by_default(e, index, fn, necessary)
    if by_default is not None:
        return by_default
    atoms = test_atoms(strip(e), index, fn)
    if not atoms:
        return _necessary_only(strip(e), index, fn, unknown, line)
    if all(a.startswith("!") for a in atoms):  # a value none of the options may have set: all of them not given
        if necessary is not False and cleared_local(strip(e), index, fn) or any(e.op in ("reset", "list_add") for a in atoms for e in getattr(
                index.by_name.get(re.split(r"[<>=]", a[1:], maxsplit=1)[0]), "effects", ())):
            # `NULL == scripts` with `scripts = NULL` on some path, `auth_required == 0` with
            # `auth_required = 0` before the loop that may set it, `0 == srv->srvconf.max_worker`
            # which -1 also makes hold (optionflow.with_resets): "no key given" is enough for the
            # test to hold, not needed for it: that, or a run-time test (read as necessary: no
            # need; its negation needs a key). So is an empty list a keyword fills: its entries
            # may be rejected, or be another object's (keepalived's `list_empty(&vs->rs)`)
            if unknown is None:
                unknown = Requirement.atom(Atom(f"?{fn.key if fn else ''}:{render(e)}", test=e))
            return Requirement.all_of(_literal(a) for a in sorted(atoms)) | unknown
        # The value is zero (or low) only when none of the options reaching it sets it:
        # `NULL == conf->exts`, which any of six `*.server` keys fills, needs all six not given.
        return Requirement.all_of(_literal(a) for a in sorted(atoms))
    if any(a.startswith("?") for a in atoms):  # a bit code may set under an option (foldedbits)
        if unknown is None:
            unknown = Requirement.atom(Atom(f"?{fn.key if fn else ''}:{render(e)}", test=e))
        return Requirement.any_of(_literal(a) if not a.startswith("?") else Requirement.atom(a[1:]) & unknown
                                  for a in sorted(atoms))
    return keyword_value_test(e, atoms, index, necessary, unknown) or Requirement.any_of(_literal(a) for a in sorted(atoms))


def _loop_guard(e: CExpr, fn: FunctionFacts | None, line: int) -> bool:
    """Whether `e` is (part of) the guard of a loop of `fn` at `line` (a guard of kind "loop"
    there, on some call, write or return of the body): `i < bound` after the loop (`if (i !=
    files.used)`) tests where the walk stopped, not that the body ran."""
    if fn is None or not line:
        return False
    guards = [g for c in fn.calls for g in c.guards] + [g for r in fn.returns for g in r.guards]
    return any(g.kind == "loop" and g.line == line and g.expr is not None and any(strip(x) == e for x in walk(g.expr))
               for g in guards)


def _necessary_only(e: CExpr, index: Index, fn: FunctionFacts | None,
                    unknown: Requirement | None = None, line: int = 0) -> Requirement | None:
    """Tests that hold only under some options but do not hold whenever those are given, as a
    necessary condition `options & test` (under `!` such a test tells nothing); None for any
    other test. These kinds (and run state only code under options sets, codetests):
    - a local walking a list (`for (d = daemon->dirs; d; d = d->next)`): non-null only when the
      option filling the list was given, null at the walk's end whatever the list holds;
    - a local given a value of the run only under tests of options (`struct passwd *pwd =
      NULL; if (srv->srvconf.username) pwd = getpwnam(...)`: `NULL != pwd` needs
      server.username; analyze.guardedlocals);
    - a pointer or flag of the daemon's global state that no option sets but that only code
      running under options stores a value in (Index.set_by: dnsmasq's `daemon->ubus`, stored
      by ubus_init(), which main() calls under --enable-ubus), also through a local
      (`ubus = daemon->ubus; if (!ubus) return;`)."""
    if isinstance(e, Binary) and e.op in ("<", "!=") and integer_of(e.right) is None and loop_counter(e.left, index, fn) \
            and (bound := target_of(e.right)) is not None and bound.kind == "field" and bound.root in index.set_by \
            and _loop_guard(e, fn, line):
        e = strip(e.right)  # `for (i = 0; i < fdlog_files.used; ++i)`: the body runs only when the bound is set
    set_global = global_test(e, index, fn, guard_requirement)  # a file-scope variable, or a call's result
    if set_global is not None or (set_global := code_test(e, index, fn, guard_requirement, line)) is not None:
        return set_global & (unknown or Requirement.atom(Atom(f"?{fn.key if fn else ''}:{render(e)}", test=e)))
    copied = copied_values_test(e, index, fn, guard_requirement)  # `server->edns_pktsz > SAFE_PKTSZ`
    if copied is not None:
        if unknown is None:
            unknown = Requirement.atom(Atom(f"?{fn.key if fn else ''}:{render(e)}", test=e))
        return copied & unknown
    unset = 0
    if isinstance(e, Binary) and e.op == "!=" and integer_of(e.right) is not None:
        e, unset = strip(e.left), integer_of(e.right)  # `fd != -1`: another value than -1
    elif isinstance(e, Binary) and e.op == "!=" and integer_of(e.left) is not None:
        e, unset = strip(e.right), integer_of(e.left)  # `NULL != pwd`, `-1 != stdin_fd`
    stored = stored_through_locals(e, unset, index, fn, guard_requirement)
    if stored is not None:
        if unknown is None:
            unknown = Requirement.atom(Atom(f"?{fn.key if fn else ''}:{render(e)}", test=e))
        return stored & unknown
    if unset != 0:  # a field the entry point gives `unset` unless an option's side stores another
        entry = entry_set_unless(e, unset, index, fn, guard_requirement)
        if entry is None:
            return None
        if unknown is None:
            unknown = Requirement.atom(Atom(f"?{fn.key if fn else ''}:{render(e)}", test=e))
        return entry & unknown
    compared = compared_values(e, index, fn, line)
    if compared is not None:
        if unknown is None:
            unknown = Requirement.atom(Atom(f"?{fn.key if fn else ''}:{render(e)}", test=e))
        return compared & unknown
    masked = masked_value(e, index, fn)
    masked = masked if masked is not None else entry_value(e, index)
    if masked is not None:
        if unknown is None:
            unknown = Requirement.atom(Atom(f"?{fn.key if fn else ''}:{render(e)}", test=e))
        return masked & unknown
    e = _set_when_holds(e, index)
    target = target_of(e)
    if target is not None and target.kind == "field" and target.root not in index.set_by and never_stored_test(e, index, fn):
        return Requirement.FALSE  # `daemon->luascript`, which no code of the build stores in: 0 (neverstored)
    if target is not None and target.kind == "param" and fn is not None:
        need = param_set_only_under(target.name, index, fn, guard_requirement)
        if need is None:
            return None
        if unknown is None:
            unknown = Requirement.atom(Atom(f"?{fn.key}:{render(e)}", test=e))
        return need & unknown
    if target is None or target.kind not in ("field", "var"):
        return None
    if target.kind == "var" and target.name in index.set_by and fn is not None and local_of(target.name, index, fn) is None:
        need = index.set_by[target.name]  # a file-scope flag only code under options sets (globalflags)
    elif target.kind == "var":
        values = local_of(target.name, index, fn) if fn is not None else None
        if not values:
            return None
        walk = any(v is not None and walk_step(v, target.name, index, fn) for v in values)
        if walk and line:
            values = walk_start(target.name, values, index, fn, line)
        found = []
        for value in values:
            if value is None or integer_of(value) == 0 or walk_step(value, target.name, index, fn):
                continue
            if (held := _null_result_need(value, index, fn, frozenset({target.name}))) is not None:
                found.append(held)  # `config = find_config(daemon->dhcp_conf, ...)`: NULL without the list
                continue
            inner = target_of(value)
            if inner is not None and inner.kind == "field" and inner.root in index.set_by:
                found.append(index.set_by[inner.root])
                continue
            if (zero := zero_need(inner, index)) is not None:
                found.append(zero)  # `for (n = ev->pendclose; n; )`: a field only some code sets (zerofields)
                continue
            names = value_options(inner, index, fn) if walk and inner is not None else []
            if not names:
                found = None  # a value of the run: the local is set only where its writes' guards hold
                break
            found.append(Requirement.any_of(Requirement.atom(n) for n in names))
            if inner is not None and inner.root in index.also_filled:
                # filled by other code too (dnsmasq's dhcp_read_ethers in the --dhcp-host list)
                found.append(index.also_filled[inner.root])
            if inner is not None and inner.root in getattr(index, "parser_fills", {}):
                # also filled by the parser itself after its loop (dnsmasq's CHAOS TXT records,
                # add_txt("version.bind", ...) unless --no-ident)
                found.append(index.parser_fills[inner.root])
        if found is None and fn is not None:
            guarded = set_only_under(target.name, index, fn, guard_requirement)
            found = [guarded] if guarded is not None else None
        if found == [] and fn is not None \
                and (stepped := stepped_only_under(target.name, values, index, fn, guard_requirement)) is not None:
            found = [stepped]  # 0 until a `++` ran (steppedlocals: keepalived's wait_count)
        if not found:
            return None
        need = Requirement.any_of(found)
    elif target.root in index.set_by:
        need = index.set_by[target.root]
    elif (shared := shared_need(target, index, fn)) is not None:
        need = shared  # a field keyword handlers and other code fill (sharedfills)
    elif (zero := zero_need(target, index)) is not None:
        need = zero  # a field of a struct only calloc() makes that only some code sets (zerofields)
    else:
        return None
    if unknown is None:
        unknown = Requirement.atom(Atom(f"?{fn.key if fn else ''}:{render(e)}", test=e))
    return need & unknown


def _null_result_need(value: CExpr, index: Index, fn: FunctionFacts | None, busy: frozenset[str]) -> Requirement | None:
    """What a local's value being non-NULL needs when it is a call returning NULL for a NULL
    argument (analyze.nullargs: dnsmasq's find_config(daemon->dhcp_conf, ...)), or another local
    holding only such results and NULL (`config = new`); None otherwise."""
    value = strip(value)
    if isinstance(value, Call):
        argument = null_argument(value, index, fn)
        mark = ("null-result", fn.key if fn is not None else "", render(value))
        if argument is None or mark in index.reading_locals:
            return None
        index.reading_locals.add(mark)  # `p = next_of(p)`: the argument read again
        try:
            need = option_test(argument, index, fn, Requirement.TRUE, necessary=True)
            inner = target_of(argument)
            if need is not None and inner is not None and inner.kind == "field":
                for table in (index.also_filled, getattr(index, "parser_fills", {})):
                    if inner.root in table:  # other code fills the list too (/etc/ethers' dhcp_read_ethers)
                        need = need | table[inner.root]
            return need
        finally:
            index.reading_locals.discard(mark)
    if isinstance(value, Name) and value.ref == "var" and value.name not in busy and fn is not None:
        values = [v for v in local_of(value.name, index, fn) or () if v is not None and integer_of(v) != 0]
        needs = [_null_result_need(v, index, fn, busy | {value.name}) for v in values]
        return Requirement.any_of(needs) if needs and all(n is not None for n in needs) else None
    return None


def _set_when_holds(e: CExpr, index: Index) -> CExpr:
    """`vrrp_child > 0` for a variable only stores make non-zero (Index.set_by): a comparison with
    a constant that fails with 0 holds only once a store ran, as `vrrp_child` does; `e` itself
    for any other test."""
    if not (isinstance(e, Binary) and e.op in COMPARISONS):
        return e
    for side, other in ((e.left, e.right), (e.right, e.left)):
        target = target_of(side)
        if target is None or integer_of(other) is None or integer_of(side) is not None:
            continue
        if (target.kind == "var" and target.name in index.set_by) or (target.kind == "field" and target.root in index.set_by):
            at_zero = evaluate(Binary(e.op, Const(0, "0"), other) if side is e.left else Binary(e.op, other, Const(0, "0")))
            return strip(side) if at_zero == 0 else e
    return e


def _holds_by_default(e: CExpr, index: Index, fn: FunctionFacts | None,
                      unknown: Requirement | None = None) -> Requirement | None:
    """A test of a value set before the getopt loop (Index.start_values) that holds with that
    value (dnsmasq's `daemon->cachesize != 0`, 150 unless -c says otherwise): it holds
    without the options that set the value, and may hold with them (a run-time test there):
    `!(options) | test`; one that fails with it needs one of those options: `options & test`.
    None for any other test, and for a start value of 0 (a flag an option turns on)."""
    if isinstance(e, Binary) and e.op in COMPARISONS:
        target, value, op = target_of(e.left), integer_of(e.right), e.op
        if target is None:
            target, value, op = target_of(e.right), integer_of(e.left), mirror(e.op)
    else:
        target, value, op = target_of(e), 0, "!="
    start = index.start_values.get(target.name) if target is not None and target.kind in ("field", "var") else None
    if not start or value is None:
        return None  # no start value, or 0: an option turning a feature on, read as before
    names = value_options(target, index, fn, by_default=False)
    if not names:
        return None
    given = Requirement.any_of(Requirement.atom(n) for n in names)
    if unknown is None:
        unknown = Requirement.atom(Atom(f"?{fn.key if fn else ''}:{render(e)}", test=e))
    if not _compare(start, op, value):
        if start is True or (op, value) not in (("==", 0), ("<", 1), ("<=", 0)):
            return None  # a pointer; or a level (`cachesize > 10000`: -c>=10001), read as before
        # Zero only through an option setting it (dnsmasq's `daemon->port == 0`, 53 unless
        # -p says otherwise): not "the option not given" but the option given.
        return given & unknown
    return ~given | unknown


def _compare(a: int, op: str, b: int) -> bool:
    return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b, "==": a == b, "!=": a != b}[op]


def _literal(text: str) -> Requirement:
    return Requirement.atom(text[1:], negated=True) if text.startswith("!") else Requirement.atom(text)


def several_options(own: list[tuple[Guard, Requirement]], index: Index, fn: FunctionFacts) -> bool:
    """A test of the site's own guards that any one of several options passes."""
    for g, r in own:
        if r.is_true or g.expr is None:
            continue
        for e in _guard_tests(g.expr):
            found = option_test(e, index, fn, unknown=Requirement.TRUE)
            if found is not None and len(found.atoms()) > 1:
                return True
    return False


def _guard_tests(e: CExpr) -> list[CExpr]:
    e = strip(e)
    if isinstance(e, Unary) and e.op == "!":
        return _guard_tests(e.operand)
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        return _guard_tests(e.left) + _guard_tests(e.right)
    return [e]
