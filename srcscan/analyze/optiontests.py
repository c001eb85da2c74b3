"""What one guard demands of the options: a guard (a typed C expression) becomes a formula
over option atoms by polarity. The code under `cond` runs only if the necessary formula
N(cond) holds, where a test srcscan cannot tie to an option (a runtime test) is "true" in N
and "false" in the sufficient formula S used under `!`: N(a && b) = N(a) & N(b),
N(a || b) = N(a) | N(b), N(!a) = !S(a). So `opt_a || (opt_b && runtime)` needs "either
option", and `!(opt && runtime)` needs nothing.

Tests recognised: `debug & 32`, `__test_bit(BIT, &debug)` (the rules' bit tests), levels (`p->conf.debug
> 1`), emptiness tests of what a key fills, plain flags, values set before the getopt loop. No I/O.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from srcscan.analyze.features import feature_atom
from srcscan.analyze.guardedlocals import global_test, param_set_only_under, set_only_under, stored_through_locals, walk_start
from srcscan.analyze.keyindex import key_index_test
from srcscan.analyze.keyselections import selection_atoms
from srcscan.analyze.keywordblocks import keyword_value_test, within_blocks
from srcscan.analyze.keywordlists import list_walk
from srcscan.analyze.lastwrite import at_line
from srcscan.analyze.defaultbits import on_by_default as on_by_default_bit
from srcscan.analyze.ondefaults import on_by_default
from srcscan.analyze.sharedfills import shared_need
from srcscan.analyze.parsedvalues import parsed_test
from srcscan.analyze.codetests import code_test
from srcscan.analyze.valuetests import compared_values, entry_value, masked_value
from srcscan.analyze.optionvalues import (COMPARISONS, Target, cleared_local, integer_of, local_of,
                                          negated_key_test, option_pool, stored_after_loop, target_of, walk_step,
                                          value_options)
from srcscan.cexpr import Binary, Call, CExpr, Const, Member, Name, Unary, evaluate, render, strip, walk
from srcscan.cexpr import Index as Subscript
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
    if isinstance(e, Unary) and e.op == "!":
        return ~_formula(e.operand, index, fn, not necessary, line)
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        left = _formula(e.left, index, fn, necessary, line)
        right = _formula(e.right, index, fn, necessary, line)
        return left & right if e.op == "&&" else left | right
    if (constant := integer_of(e)) is not None:
        # `if (enable_snmp_vrrp || ... || false)`, its other tests under #ifdef: the constant's own truth
        return Requirement.TRUE if constant else Requirement.FALSE
    if line and stored_after_loop(e, index, fn, line):
        return Requirement.TRUE if necessary else Requirement.FALSE  # a value of the run
    found = option_test(e, index, fn, unknown=Requirement.TRUE if necessary else Requirement.FALSE, necessary=necessary,
                        line=line)
    if found is None:
        return Requirement.TRUE if necessary else Requirement.FALSE
    return found


def option_test(e: CExpr, index: Index, fn: FunctionFacts | None, unknown: Requirement | None = None,
                necessary: bool | None = None, line: int = 0) -> Requirement | None:
    """The options a test reads, as a formula (any one of the options reaching the value);
    None when the test reads no option. Recognises `debug & 32`, `__test_bit(BIT, &debug)`
    (a rules' bit_test function), `p->conf.debug > 1` and a plain `debug`. `unknown` stands
    for a run-time test where one is part of the answer (_holds_by_default); by default the
    test itself, as an atom the analyses quantify away."""
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
    atoms = _atoms(strip(e), index, fn)
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
    set_global = global_test(e, index, fn, guard_requirement)  # a file-scope variable, or a call's result
    if set_global is not None or (set_global := code_test(e, index, fn, guard_requirement, line)) is not None:
        return set_global & (unknown or Requirement.atom(Atom(f"?{fn.key if fn else ''}:{render(e)}", test=e)))
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
    if unset != 0:
        return None
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
    target = target_of(e)
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
            inner = target_of(value)
            if inner is not None and inner.kind == "field" and inner.root in index.set_by:
                found.append(index.set_by[inner.root])
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
        if not found:
            return None
        need = Requirement.any_of(found)
    elif target.root in index.set_by:
        need = index.set_by[target.root]
    elif (shared := shared_need(target, index, fn)) is not None:
        need = shared  # a field keyword handlers and other code fill (sharedfills)
    else:
        return None
    if unknown is None:
        unknown = Requirement.atom(Atom(f"?{fn.key if fn else ''}:{render(e)}", test=e))
    return need & unknown


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
            target, value, op = target_of(e.right), integer_of(e.left), _mirror(e.op)
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


def _equal_atoms(e: Call, index: Index, fn: FunctionFacts | None) -> set[str]:
    """`buffer_eq_slen(srv->srvconf.bindhost, CONST_STR_LEN("/dev/stdin"))` (a rules'
    `equality_tests` call): the key filling the first argument given with the one string
    literal among the others (`server.bind=/dev/stdin`); nothing when the value is no key's or
    the literal not one word of an atom's value. A parameter is none: its callers may pass what
    a key's list holds (the TLS modules' mod_openssl_ssl_conf_proto_val(srv, b, max) is handed
    `&ds->value` of an ssl.openssl.ssl-conf-cmd entry, not the key's own value)."""
    target = target_of(e.args[0])
    if target is None or target.kind == "param":
        return set()
    literals = {strip(x).text[1:-1] for arg in e.args[1:] for x in walk(arg)
                if isinstance(strip(x), Const) and (strip(x).text or "").startswith('"')}
    if len(literals) != 1 or not re.fullmatch(r"[\w.:/+#-]+", lit := literals.pop()):
        return set()
    names = value_options(target, index, fn, by_default=False)
    if not names or not all(re.fullmatch(r"[\w.$\[\]\"-]+", n) and "=" not in n for n in names):
        return set()
    return {f"{n}={lit}" for n in names}


def _atoms(e: CExpr, index: Index, fn: FunctionFacts | None) -> set[str]:
    if isinstance(e, Binary) and e.op == "&":
        for side, other in ((e.left, e.right), (e.right, e.left)):
            target, mask = target_of(side), integer_of(other)
            if target and mask is not None:
                return _bit_atoms(target, mask, index, _enumerators(other))
            if (word := _bit_word(side, index)) is not None and (mask := _word_fold(other, index)) is not None:
                return _bit_atoms(word[0], mask << word[1], index)
        return set()
    if isinstance(e, Call) and e.callee in index.emptiness_tests and len(e.args) == 1:
        return {"!" + name for name in value_options(target_of(e.args[0]), index, fn, by_default=False)}
    if isinstance(e, Call) and e.callee in index.equality_tests and e.args:
        return _equal_atoms(e, index, fn)
    if isinstance(e, Call) and e.callee in index.bit_test and len(e.args) >= 2:
        bit, target = integer_of(e.args[0]), target_of(e.args[1])
        return _bit_atoms(target, 1 << bit, index, _enumerators(e.args[0])) if target and bit is not None and bit >= 0 \
            else set()
    if isinstance(e, Binary) and e.op in ("<", "!=") and _counter(e.left, index, fn) and integer_of(e.right) is None:
        # `for (i = 0; i < ndbs; ++i)`: the loop's body runs only when the bound is above 0
        return _atoms(Binary(">", e.right, Const(0, "0")), index, fn)
    if isinstance(e, Binary) and e.op == "!=" and (walked := list_walk(e, index, fn)) is not None:
        return walked
    if isinstance(e, Binary) and e.op in COMPARISONS:
        target, value, op = target_of(e.left), integer_of(e.right), e.op
        if target is None:
            target, value, op = target_of(e.right), integer_of(e.left), _mirror(e.op)
        if target is None or value is None:
            return set()
        picked = _selected_value(target, op, value, index)
        if picked is not None:
            return picked
        count = _counts_entries(e.left) or _counts_entries(e.right)
        names = value_options(target, index, fn, by_default=not count)
        if count:  # `b->used <= 1`: a buffer's length, whose only meaning here is "empty" or not
            return {a for n in names for a in [_count_atom(n, op, value)] if a}
        return {a for n in names for a in [_level_atom(n, op, value, _counted(n, index))] if a}
    if (feature := feature_atom(e, *index.feature)) is not None:
        return {feature}  # `config_feature_bool(srv, "server.network-mptcp", 0)`: a switch off by default
    target = target_of(e)
    return set(value_options(target, index, fn, by_default=not _counts_entries(e))) if target else set()


def _selected_value(target: Target, op: str, value: int, index: Index) -> set[str] | None:
    """A comparison of a variable or field a key's value selects by name
    (analyze.keyselections: `sc.stat_cache_engine == STAT_CACHE_ENGINE_FSMON` reads
    `server.stat-cache-engine=inotify` or `=kqueue` or `=fam`); None for any other."""
    if target.kind == "field":
        found = index.selections.get(target.root) if target.root else None
        found = found or index.selections.get("." + target.name)
    else:
        found = index.selections.get(target.name)
    if not found:
        return None
    start = index.start_values.get(target.name, 0)
    return selection_atoms(found, op, value, 0 if start is True else int(start))


def _counter(e: CExpr, index: Index, fn: FunctionFacts | None) -> bool:
    """A local of `fn` only ever given 0 (a loop counter counting up from 0: `++i` is no
    assignment the writes facts record), declared with that value or without one (`size_t i;`)."""
    e = strip(e)
    if fn is None or not isinstance(e, Name) or e.ref != "var":
        return False
    values = [v for v in index.local_values.get((fn.file, fn.name), {}).get(e.name, ()) if v is not None]
    return bool(values) and all(integer_of(v) == 0 for v in values)


def _counts_entries(e: CExpr) -> bool:
    """`x->used`: how full a buffer or array is, which a default allocation leaves empty."""
    e = strip(e)
    return isinstance(e, Member) and e.field == "used"

def _bit_word(e: CExpr, index: Index) -> tuple[Target, int] | None:
    """`daemon->options[1]`, an element of the rules' bit array: its target and the shift of its
    first bit (1 * 32): dnsmasq's option_bool(OPT_X) reads options[OPT_X / 32] & 1u << (OPT_X % 32)."""
    e = strip(e)
    if index.bit_array is None or not isinstance(e, Subscript):
        return None
    target, element = target_of(e.base), _word_fold(e.index, index)
    if target is None or target.name != index.bit_array[0] or element is None or element < 0:
        return None
    return target, element * index.bit_array[1]


def _word_fold(e: CExpr, index: Index) -> int | None:
    """An integer constant, where a `sizeof` the parse leaves unknown (dnsmasq's OPTION_BITS,
    `sizeof(unsigned int) * 8`) is an element of the rules' bit array."""
    size = index.bit_array[1] // 8 if index.bit_array else None
    return evaluate(e, lambda x: size if isinstance(x, Unary) and x.op == "sizeof" else None)


def _mirror(op: str) -> str:
    return {">": "<", "<": ">", ">=": "<=", "<=": ">="}.get(op, op)


def _counted(name: str, index: Index) -> bool:
    """Whether an option's value is a level the user chooses: a value given with it
    (`proxy.debug = 2`, `-S 3`), a count (`-D -D`) or a constant per setting. A flag whose
    effect stores a value of the run (lighttpd's `-1`: `oneshot_fd = dup(0)`, a file
    descriptor) has none: `oneshot_fd > 2` tells only that it was given."""
    option = index.by_name.get(name)
    if option is None or option.takes_value:
        return True
    return any(e.op != "=" or e.mask or e.level > 1 or _integer_text(e.value) for e in option.effects)


def _integer_text(text: str) -> bool:
    return bool(re.fullmatch(r"\(?-?\s*(0[xX][0-9a-fA-F]+|\d+|[A-Z_][A-Z0-9_]*)\)?", text.strip()))


def _count_atom(name: str, op: str, value: int) -> str | None:
    """A test of how full the buffer or array a key fills is: above 0 or 1 (a string's length
    counts its NUL in lighttpd's `buffer->used`) when the key is given, at most that when not."""
    if op in (">", ">=", "!=") and value >= 0:
        return name
    if op in ("<", "<=", "==") and value <= 1:
        return "!" + name
    return None


def _level_atom(name: str, op: str, value: int, counted: bool = True) -> str | None:
    if (op, value) in (("!=", 0), (">", 0), (">=", 1)):
        return name
    if (op, value) in (("==", 0), ("<", 1), ("<=", 0)):
        return "!" + name
    if not counted:
        # A value of the run behind a flag: above a constant only when given; below or equal either way.
        return name if op in (">", ">=") and value >= 0 else None
    if op in (">", ">="):
        return f"{name}>={value + 1 if op == '>' else value}"
    if op in ("<", "<="):
        return f"!{name}>={value if op == '<' else value + 1}"
    return f"{name}=={value}" if op == "==" else None

def _enumerators(e: CExpr) -> frozenset[str]:
    """The enumerators a bit mask is written with (`1UL << MEM_LOG_BIT`, `LOG_DETAIL_BIT`)."""
    return frozenset(x.name for x in walk(e) if isinstance(x, Name) and x.ref == "enum")


_IDENTIFIER = re.compile(r"(?<![\w])[A-Za-z_]\w*")


def _same_bit(effect, mask: int, names: frozenset[str]) -> bool:
    """Whether an option's bit is the one a test reads. Enumerators are compared by name when
    both are written with one: their values differ between build profiles (keepalived's
    MEM_CHECK_BIT exists only in a _MEM_CHECK_ build, where LOG_ADDRESS_CHANGES, -a, moves up
    one), and the test and the option's case may come from parses of different profiles."""
    if not effect.mask:
        return False
    written = frozenset(_IDENTIFIER.findall(effect.value))
    if names and written:
        return bool(names & written)
    return bool(effect.mask & mask)


def _bit_atoms(target: Target, mask: int, index: Index, names: frozenset[str] = frozenset()) -> set[str]:
    """The options whose bits a test reads; for a bit some option clears (keepalived's -B
    clears DAEMON_BFD, which main() sets by default), the bit is on by default and the test
    needs none of the clearing options ("!-B"; the options setting it again are left out).
    An option zeroing the whole word clears a bit set before the command line is read
    (defaultbits: keepalived 1.2's -P, `daemon_mode = 0; __set_bit(DAEMON_VRRP, ...)`, clears
    DAEMON_CHECKERS) unless it sets that bit again."""
    every = option_pool(target, index)
    pool = [(o, e) for o, e in every if _same_bit(e, mask, names)]
    cleared = {o.name for o, e in pool if e.op == "clear_bit"}
    if on_by_default_bit(target.name, mask, names, index.default_bits):
        again = {o.name for o, e in pool if e.op != "clear_bit"}
        cleared |= {o.name for o, e in every if _zeroes(e) and o.name not in again}
    if cleared:
        return {"!" + name for name in cleared}
    atoms = set()
    for option, effect in pool:
        name = f"{option.name}={effect.when}" if effect.when else option.name  # --log-queries=extra
        name = name if effect.level == 1 else f"{name}>={effect.level}"
        atoms.add("?" + name if effect.op == "set_bit_if" else name)  # set by code under tests of its own
    return atoms


def _zeroes(effect) -> bool:
    """An option effect giving the whole word 0 (`daemon_mode = 0;`)."""
    return effect.op == "=" and not effect.mask and effect.value.strip() in ("0", "0U", "0UL", "0L")
