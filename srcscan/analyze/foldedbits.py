"""Option bits folded together: a bit of the rules' option bit array that code outside the
option switch sets when other options' bits are set.

dnsmasq's read_opts(), after the command line and the configuration file are read:

    if (daemon->if_names || daemon->if_except || daemon->if_addrs || daemon->authserver)
      { reset_option_bool(OPT_LOCAL_SERVICE); reset_option_bool(OPT_LOCALHOST_SERVICE); }
    else if (option_bool(OPT_LOCALHOST_SERVICE) && !option_bool(OPT_LOCAL_SERVICE))
      { if_names_add(NULL); set_option_bool(OPT_NOWILD); }

so `option_bool(OPT_NOWILD)` holds with `--local-service=host` as well as with -z: the option
setting OPT_LOCALHOST_SERVICE (with the value it is given with) gets an effect setting
OPT_NOWILD too, as op `set_bit_if`: the code may set it, under tests of its own (no
--interface given), so a test that the bit is set has the option as an alternative, and a test
that it is clear does not need the option not given (analyze.optiontests). As for fields folded together (analyze.foldedflags), each bit read as set in
the tests whose true branch holds the call gives its options the effect (`a && b`: each one,
weaker than both, never false); a bit read as not set gives nothing, and a call under a `case`
(the option switch itself, read by analyze.options) or in an `else` or after an early return
counts for nothing.

Option records and the call graph's functions in, option records out; no I/O.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from srcscan.analyze.optiontypes import Option, OptionEffect
from srcscan.analyze.optionvalues import integer_of, target_of
from srcscan.cexpr import Binary, CExpr, Index as Subscript, Unary, evaluate, strip
from srcscan.model import FunctionFacts


def folded_bits(options: Iterable[Option], functions: Iterable[FunctionFacts], bit_set: Iterable[str],
                bit_array: tuple[str, int] | None) -> list[Option]:
    """`options` with an effect added to each option setting a bit of the rules' bit array
    (`bit_array`: field, bits per element) that, read as set in the guards of a `bit_set` call
    outside the option switch (`set_option_bool(OPT_NOWILD)`), makes code set that call's bit
    (module doc); unchanged without a bit array."""
    options = list(options)
    if bit_array is None:
        return options
    field, word = bit_array
    setters = frozenset(bit_set)
    added: dict[int, list[OptionEffect]] = {}
    for fn in functions:
        for call in fn.calls:
            if call.indirect or call.callee not in setters or len(call.exprs) != 1 \
                    or any(g.kind in ("case", "default") for g in call.guards):
                continue
            bit = integer_of(call.exprs[0])
            if bit is None or bit < 0:
                continue
            read = {b for g in call.guards if g.kind in ("if", "and") and not g.negated and g.expr is not None
                    for b in _bits_set(g.expr, True, field, word)}
            for i, option in enumerate(options):
                for e in option.effects:
                    if e.op == "set_bit" and e.target == "." + field and e.mask in {1 << b for b in read}:
                        added.setdefault(i, []).append(
                            OptionEffect(e.target, "set_bit_if", str(bit), 1 << bit, e.level, e.when))
    return [replace(o, effects=tuple(dict.fromkeys(o.effects + tuple(added[i])))) if i in added else o
            for i, o in enumerate(options)]


def _bits_set(e: CExpr, holds: bool, field: str, word: int) -> list[int]:
    """The bits of the bit array `e` being `holds` needs set."""
    e = strip(e)
    if isinstance(e, Unary) and e.op == "!":
        return _bits_set(e.operand, not holds, field, word)
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        return _bits_set(e.left, holds, field, word) + _bits_set(e.right, holds, field, word) \
            if (e.op == "&&") == holds else []
    if isinstance(e, Binary) and e.op == "&" and holds:
        bit = _bit_read(e, field, word)
        return [bit] if bit is not None else []
    return []


def _bit_read(e: Binary, field: str, word: int) -> int | None:
    """`options[72 / (sizeof(unsigned int) * 8)] & (1u << (72 % (sizeof(unsigned int) * 8)))`
    (dnsmasq's option_bool(OPT_X)): the bit number, 72; None for any other `&`."""
    for element, mask in ((e.left, e.right), (e.right, e.left)):
        element = strip(element)
        if not isinstance(element, Subscript):
            continue
        target = target_of(element.base)
        if target is None or target.name != field:
            continue
        fold = lambda x: word // 8 if isinstance(x, Unary) and x.op == "sizeof" else None  # noqa: E731
        index, value = evaluate(element.index, fold), evaluate(mask, fold)
        if isinstance(index, int) and isinstance(value, int) and value > 0 and value & (value - 1) == 0:
            return index * word + value.bit_length() - 1
    return None
