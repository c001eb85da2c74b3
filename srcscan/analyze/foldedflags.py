"""Flags folded together: a key's field that code also sets when other keys are given.

lighttpd's configfile.c folds three debug keys into one flag after reading the configuration:

    p->defaults.log_request_header_on_error = srv->srvconf.log_request_header_on_error;
    if (p->defaults.log_request_handling || p->defaults.log_request_header)
        p->defaults.log_request_header_on_error = 1;

so `if (r->conf.log_request_header_on_error)` (request.c) holds with any one of
`debug.log-request-header-on-error`, `debug.log-request-handling` and
`debug.log-request-header`. A write of a non-zero constant to a field some config key fills,
under tests that read other keys' fields as set, gives each of those keys an effect on the
written field: a test of the field then needs any one of them, or the field's own key.
`requires` says "cannot appear unless": a key that may set the field is an alternative even
when the write also needs a test of the run, or another key with it (`a && b` gives a and b
each an effect: weaker than "both", never false). Only the tests whose true branch holds the
write count (not an `else`, not the code after an early return: a write there may come after
the field's own tests, as gw_backend.c's `host->port = 80` does). A field read as not set
(`!a`) and a write of 0 give nothing.

Option records and writes facts in, option records out; no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from srcscan.analyze.optiontypes import Option, OptionEffect
from srcscan.cexpr import Binary, CExpr, Member, Unary, evaluate, strip
from srcscan.model import Write


def folded_options(options: Iterable[Option], writes: Iterable[Write]) -> list[Option]:
    """`options` with an effect added to each config key whose field, read as set in a guard,
    lets code set another key's field to a non-zero constant (module doc). The added effect
    writes the field as the code does (`.log_request_header_on_error = 1`, with its struct)."""
    options = list(options)
    by_field: dict[str, list[int]] = defaultdict(list)  # field name -> config options filling it
    for i, o in enumerate(options):
        if o.kind == "config":
            for e in o.effects:
                if not e.mask and "." in e.target:
                    by_field[e.target.rsplit(".", 1)[1]].append(i)
    added: dict[int, list[OptionEffect]] = defaultdict(list)
    for w in writes:
        if w.local or w.op != "=" or not w.guards or "." not in w.target:
            continue
        field = w.target.rsplit(".", 1)[1]
        value = evaluate(w.value) if w.value is not None else None
        if field not in by_field or not value:
            continue
        keys: set[int] = set()
        for guard in w.guards:
            # only a branch taken when the test holds: an `else` or the code after an early
            # return is reached in other ways too (gw_backend.c's `host->port = 80` in the else
            # of `!host->host && !host->bin_path`, after the tests of port; a flag folded later)
            if guard.expr is not None and guard.kind in ("if", "and", "ternary") and not guard.negated:
                keys.update(_fields_read(guard.expr, True, by_field))
        for i in sorted(keys - set(by_field[field])):
            added[i].append(OptionEffect("." + field, "=", w.text, owner=w.owner))
    return [Option(o.names, o.kind, o.takes_value, o.effects + tuple(dict.fromkeys(added[i])), o.file, o.also, o.code)
            if i in added else o for i, o in enumerate(options)]


def _fields_read(e: CExpr, holds: bool, by_field: dict[str, list[int]]) -> list[int]:
    """The options whose fields `e` being `holds` (true or false) reads as set: `a->x || a->y`
    and `a->x && a->y` true read both, `!a->x` false reads x."""
    e = strip(e)
    if isinstance(e, Unary) and e.op == "!":
        return _fields_read(e.operand, not holds, by_field)
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        return _fields_read(e.left, holds, by_field) + _fields_read(e.right, holds, by_field)
    if isinstance(e, Binary) and e.op == "!=" and evaluate(e.right) == 0:
        return _fields_read(e.left, holds, by_field)
    if holds and isinstance(e, Member) and e.field in by_field:
        return list(by_field[e.field])
    return []
