"""The option atoms one test names, for optiontests' formulas: a bit mask over an option's word
(`debug & 32`, `__test_bit(BIT, &debug)`, dnsmasq's `options[OPT_X / 32]`), the rules'
emptiness and equality tests, a comparison of a level or of how full a buffer is, a value a
key selects by name, a feature switch, a plain flag (test_atoms). An atom starting with "!"
needs the option not given, one with "?" an option set by code under tests of its own. No I/O.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from srcscan.analyze.defaultbits import on_by_default as on_by_default_bit
from srcscan.analyze.features import feature_atom
from srcscan.analyze.keyselections import selection_atoms
from srcscan.analyze.keywordlists import list_walk
from srcscan.analyze.optionvalues import COMPARISONS, Target, integer_of, option_pool, target_of, value_options
from srcscan.cexpr import Binary, Call, CExpr, Const, Member, Name, Unary, evaluate, strip, walk
from srcscan.cexpr import Index as Subscript
from srcscan.model import FunctionFacts

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index


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


def test_atoms(e: CExpr, index: Index, fn: FunctionFacts | None) -> set[str]:
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
    if isinstance(e, Binary) and e.op in ("<", "!=") and loop_counter(e.left, index, fn) and integer_of(e.right) is None:
        # `for (i = 0; i < ndbs; ++i)`: the loop's body runs only when the bound is above 0
        return test_atoms(Binary(">", e.right, Const(0, "0")), index, fn)
    if isinstance(e, Binary) and e.op == "!=" and (walked := list_walk(e, index, fn)) is not None:
        return walked
    if isinstance(e, Binary) and e.op in COMPARISONS:
        target, value, op = target_of(e.left), integer_of(e.right), e.op
        if target is None:
            target, value, op = target_of(e.right), integer_of(e.left), mirror(e.op)
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


def loop_counter(e: CExpr, index: Index, fn: FunctionFacts | None) -> bool:
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


def mirror(op: str) -> str:
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
