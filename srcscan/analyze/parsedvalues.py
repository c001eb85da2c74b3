"""Tests of values the daemon parses at run time out of a key's string, read as the keys that
can make them hold (the rules' `[[config.parsed]]`).

lighttpd's network_server_init() is handed the address to listen on as a string: server.bind's
value (":<server.port>" without it) or a $SERVER["socket"] condition's (configparser.y, no C).
network_host_parse_addr() parses it: the default ":80" is IPv4's wildcard "0.0.0.0", IPv6's
"::" with server.use-ipv6 (network.c), and sock_addr_from_str_hints() looks a name up only when
it is neither the wildcard nor the loopback (sock_addr.c). So `AF_UNIX == family` needs an
address given, `AF_INET6 == family` that or server.use-ipv6, and `0 != strcmp(chost, "::")`
(a name to look up) an address given or the IPv4 family.

Each entry names a variable, its value without the keys (`default`), the value a key gives it
instead (`values`) and the keys giving it any value (`given`) of those it can have (`domain`,
when listed: network_host_parse_addr()'s family is only ever AF_INET or AF_INET6). A test reading one such variable
and constants is evaluated under each setting: it can hold with the keys of the settings where
it does not come out false (the necessary formula N), and surely holds under those where it
comes out true (the sufficient formula S, read under `!`). No I/O, no parser node.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Iterable

from srcscan.cexpr import Binary, Call, CExpr, Const, Index, Name, Unary, render, strip, walk
from srcscan.model import FunctionFacts
from srcscan.requirement import Atom, Requirement
from srcscan.rules.schema import Parsed

_COMPARE = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
            ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def parsed_formulas(e: CExpr, fn: FunctionFacts | None,
                    entries: Iterable[Parsed]) -> tuple[Requirement, Requirement] | None:
    """(N, S) of test `e` in `fn` when it reads one variable an entry declares for `fn` and
    otherwise only constants: N, the keys under which it can hold; S, those under which it
    surely holds. None for any other test."""
    if fn is None:
        return None
    names = {x.name for x in walk(e) if isinstance(x, Name) and x.ref in ("var", "param")}
    if len(names) != 1:
        return None
    (name,) = names
    entry = next((p for p in entries if p.variable == name and any(fnmatchcase(fn.name, f) for f in p.functions)), None)
    if entry is None:
        return None
    by_default = _truth(e, name, entry.default)
    by_key = [(key, _truth(e, name, value)) for key, value in entry.values]
    if by_default is None and all(t is None for _, t in by_key):
        return None  # a test this reading cannot evaluate
    given = Requirement.any_of(Requirement.atom(k) for k in entry.given)
    if entry.domain and all(_truth(e, name, v) is False for v in entry.domain):
        given = Requirement.FALSE  # no value it can have at all passes
    alone = Requirement.all_of(~Requirement.atom(k) for k, _ in entry.values) & ~given  # no key: the default
    necessary = given | Requirement.any_of(Requirement.atom(k) for k, t in by_key if t is not False)
    sufficient = Requirement.any_of(Requirement.atom(k) & ~given for k, t in by_key if t is True)
    if by_default is not False:
        necessary = necessary | Requirement.all_of(~Requirement.atom(k) for k, _ in entry.values)
    if by_default is True:
        sufficient = sufficient | alone
    return necessary, sufficient


def parsed_test(e: CExpr, fn: FunctionFacts | None, entries: Iterable[Parsed], necessary: bool | None,
                unknown: Requirement | None, emptiness: frozenset[str] = frozenset()) -> Requirement | None:
    """What test `e` demands of the keys (optiontests.option_test's polarities): N when
    `necessary`, S when not; else S or N with the test itself (`unknown`, by default an atom
    of the run the analyses quantify away), which keeps both readings. None for a test no
    entry declares. `emptiness`: functions testing that a string is empty (the rules' `[config]
    emptiness_tests`): `buffer_is_blank(host_token)` is read as `!*host_token`, so lighttpd's
    "value of $SERVER["socket"] must not be empty" needs a $SERVER["socket"] condition, the
    only key giving network_server_init() an address that can be empty."""
    found = parsed_formulas(_as_strings(e, emptiness) if emptiness else e, fn, entries)
    if found is None:
        return None
    need, sure = found
    if necessary is not None:
        return need if necessary else sure
    if unknown is None:
        unknown = Requirement.atom(Atom(f"?{fn.key if fn else ''}:{render(e)}", test=e))
    return sure | (need & unknown)


def _as_strings(e: CExpr, emptiness: frozenset[str]) -> CExpr:
    """`e` with each call of an emptiness test on one argument written as a test of the
    string's first character (`buffer_is_blank(b)` -> `!*b`), through `!`, `&&` and `||`."""
    e = strip(e)
    if isinstance(e, Call) and e.callee in emptiness and len(e.args) == 1:
        return Unary("!", Unary("*", e.args[0]))
    if isinstance(e, Unary) and e.op == "!":
        return Unary("!", _as_strings(e.operand, emptiness))
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        return Binary(e.op, _as_strings(e.left, emptiness), _as_strings(e.right, emptiness))
    return e


def _truth(e: CExpr, name: str, value: int | str) -> bool | None:
    found = _value(strip(e), name, value)
    return None if found is None else bool(found)


def _value(e: CExpr, name: str, value: int | str) -> int | str | None:
    """`e` with `name` holding `value`: an integer, a string (a C string's characters), or None
    when this small evaluator cannot tell (a call other than strcmp, a value of the run)."""
    e = strip(e)
    if isinstance(e, Name):
        return value if e.name == name else e.value if e.ref == "enum" else None
    if isinstance(e, Const):
        if e.value is not None:
            return e.value
        text = e.text
        return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' and "\\" not in text else None
    if isinstance(e, Unary) and e.op in ("!", "*", "-"):
        inner = _value(e.operand, name, value)
        if inner is None:
            return None
        if e.op == "!":
            return int(not inner)
        if e.op == "*":
            return _char(inner, 0)
        return -inner if isinstance(inner, int) else None
    if isinstance(e, Index):
        base, at = _value(e.base, name, value), _value(e.index, name, value)
        return _char(base, at) if isinstance(at, int) else None
    if isinstance(e, Call) and e.callee == "strcmp" and len(e.args) == 2:
        a, b = (_value(x, name, value) for x in e.args)
        return (a > b) - (a < b) if isinstance(a, str) and isinstance(b, str) else None
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        left = _value(e.left, name, value)
        if left is not None and bool(left) == (e.op == "||"):
            return int(bool(left))  # decided by the left side
        right = _value(e.right, name, value)
        return None if left is None or right is None else int(bool(right))
    if isinstance(e, Binary) and e.op in _COMPARE:
        left, right = _value(e.left, name, value), _value(e.right, name, value)
        if isinstance(left, int) and isinstance(right, int):
            return int(_COMPARE[e.op](left, right))
    return None


def _char(s: int | str | None, at: int) -> int | None:
    """The character at `at` of a string, 0 at its end (a C string's NUL)."""
    if not isinstance(s, str) or at < 0 or at > len(s):
        return None
    return ord(s[at]) if at < len(s) else 0
