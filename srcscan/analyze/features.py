"""Feature flags: values a config key holds as a list of named switches, read by a function
given the switch's name and its default (lighttpd's `server.feature-flags`, read with
`config_feature_bool(srv, "server.network-mptcp", 0)`, configfile-glue.c). A switch off by
default is an atom of its own, `server.feature-flags=server.network-mptcp`: a test of the
function's result, or of a variable or field only it fills (`network_mptcp =
config_feature_bool(...)`, network.c; `feature_refresh_certs`, the TLS modules), needs the
switch. One on by default (`server.pcre_jit`, 1) tells nothing. The rules name the key and the
functions (`[config] feature_key`, `feature_functions`). Typed C expressions and writes facts
in, atoms and option records out; no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from srcscan.analyze.optiontypes import Option, OptionEffect
from srcscan.cexpr import Call, CExpr, Const, evaluate, strip
from srcscan.model import Write


def feature_atom(e: CExpr | None, key: str, functions: Iterable[str]) -> str | None:
    """`key=name` for a call of one of `functions` naming switch `name` (its first string
    literal argument) with default 0 (its last argument); None for anything else."""
    e = strip(e) if e is not None else None
    if not key or not isinstance(e, Call) or e.callee not in functions or not e.args:
        return None
    name = next((a.text[1:-1] for a in map(strip, e.args) if isinstance(a, Const) and a.value is None
                 and a.text.startswith('"') and a.text.endswith('"')), None)
    if not name or evaluate(e.args[-1]) != 0:
        return None
    return f"{key}={name}"


def feature_options(writes: Iterable[Write], key: str, functions: Iterable[str]) -> list[Option]:
    """One config option per switch off by default whose value the tree stores in a variable
    or field (a local is read where it is tested, optionvalues): the switch `key=name`, with
    an effect on what it is stored in."""
    functions = frozenset(functions)
    effects: dict[str, list[OptionEffect]] = defaultdict(list)
    files: dict[str, str] = {}
    for w in writes:
        if w.local or w.op != "=":
            continue
        atom = feature_atom(w.value, key, functions)
        if atom:
            effects[atom].append(OptionEffect(w.target, "=", w.text, owner=w.owner))
            files.setdefault(atom, w.file)
    return [Option((atom,), "config", True, tuple(dict.fromkeys(found)), files[atom])
            for atom, found in sorted(effects.items())]
