"""The syslog ident each process opens syslog with, as a pattern when it is built at run time.

keepalived 2.x names its processes `Keepalived_vrrp`, then `_` and the network namespace and
`_` and the instance name when the configuration sets them. openlog's ident argument is
evaluated through the functions that build it (extract/strbuild.py: strcpy/strcat/snprintf/
asprintf into a buffer that is returned or stored): literal parts stay literal, a value from
an option or a configuration keyword becomes a named hole, and a step under a condition on
such a value becomes optional:

    Keepalived_vrrp[_<net_namespace>][_<instance>]

`forms()` expands the optional parts: the idents a process can have, each with its holes
written `<name>` (what the catalog's process table lists). No I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Union

from srcscan.analyze.syslogfacts import Facts
from srcscan.sym import Sym, walk_sym

COPIES = frozenset({"strdup", "strndup", "STRDUP", "MALLOC_STRDUP"})  # a copy has the value it copies
_MAX_PATTERNS = 16
_CONVERSION = re.compile(r"%[-+ #0]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?:hh|h|ll|l|j|z|t|L)?([diouxXeEfgGcsp%])")


@dataclass(frozen=True)
class Hole:
    """A part of the ident known only at run time, named by what sets it: an option (`-i`), a
    configuration keyword (`instance`), else the variable or field (`instance_name`)."""

    name: str


@dataclass(frozen=True)
class Maybe:
    """Parts appended only under a condition the program decides at run time."""

    parts: tuple["Part", ...]


Part = Union[str, Hole, Maybe]
Pattern = tuple[Part, ...]


def pattern_text(p: Pattern) -> str:
    """`Keepalived_vrrp[_<net_namespace>][_<instance>]`."""
    return "".join(part if isinstance(part, str) else f"<{part.name}>" if isinstance(part, Hole)
                   else f"[{pattern_text(part.parts)}]" for part in p)


def forms(p: Pattern) -> list[str]:
    """Every ident the pattern allows, optional parts in or out, holes as `<name>`: plain first."""
    out = [""]
    for part in p:
        if isinstance(part, str):
            out = [o + part for o in out]
        elif isinstance(part, Hole):
            out = [o + f"<{part.name}>" for o in out]
        else:
            inner = forms(part.parts)
            out = [o + extra for o in out for extra in [""] + inner]
    return list(dict.fromkeys(out))


def form_regex(form: str) -> str:
    """A POSIX ERE matching the idents of one form: holes match one or more characters."""
    pieces = re.split(r"<[^<>]+>", form)
    return "^" + ".+".join(re.sub(r"([.^$*+?()[\]{}|\\])", r"\\\1", p) for p in pieces) + "$"


def has_hole(form: str) -> bool:
    return bool(re.search(r"<[^<>]+>", form))


class Idents:
    """Evaluates openlog ident expressions to patterns over the gathered facts."""

    def __init__(self, facts: Facts, graph: Any, hole_names: dict[str, str]) -> None:
        self.facts, self.graph, self.hole_names = facts, graph, hole_names

    def patterns(self, s: Sym, function: str, bound: dict[int, set[Pattern]] | None = None,
                 depth: int = 0) -> set[Pattern]:
        """Patterns an expression can take in `function` (parameters bound to patterns)."""
        if depth > 10:
            return {(Hole("?"),)}
        kind = s[0]
        if kind == "str":
            return {(s[1],)}
        if kind == "param":
            return (bound or {}).get(s[1]) or {(Hole(s[2]),)}
        if kind == "local":
            values = self.facts.locals.get(function, {}).get(s[1], [])
            return self._union((self.patterns(v, function, bound, depth + 1) for v in values), s[1])
        if kind == "var":
            init = self.facts.globals.get(s[1])
            values = ([init] if init is not None and init[0] == "str" else []) + [
                v for v in self.facts.global_values.get(s[1], []) if v[0] == "str" or self._builds(v, function)]
            return self._union((self.patterns(v, function, bound, depth + 1) for v in values), s[1])
        if kind == "cond":
            return self.patterns(s[2], function, bound, depth + 1) | self.patterns(s[3], function, bound, depth + 1)
        if kind == "call":
            return self._call(s, function, bound, depth)
        if kind == "member":
            return {(self._hole(s[2]),)}
        return {(Hole(s[1] if isinstance(s[1], str) else "?"),)}

    def _builds(self, s: Sym, function: str) -> bool:
        """A call of a function the facts see build a string (else the variable is a value the
        program is given: `instance_name = set_value(strvec)` in a keyword handler)."""
        if s[0] != "call":
            return False
        if s[1] in COPIES:
            return bool(s[2]) and (s[2][0][0] == "str" or self._builds(s[2][0], function))
        fn_file = self.graph.functions[function].file if function in self.graph.functions else ""
        builds = self.facts.strings.get(self.graph.key_for(s[1], fn_file) or s[1])
        return bool(builds and builds["returns"])

    def _union(self, found: Iterable[set[Pattern]], name: str) -> set[Pattern]:
        out: set[Pattern] = set()
        for f in found:
            out |= f
        return out or {(self._hole(name),)}

    def _hole(self, name: str) -> Hole:
        return Hole(self.hole_names.get(name, name))

    def _call(self, s: Sym, function: str, bound: dict | None, depth: int) -> set[Pattern]:
        name, args = s[1], s[2]
        if name in COPIES and args:
            return self.patterns(args[0], function, bound, depth + 1)
        fn_file = self.graph.functions[function].file if function in self.graph.functions else ""
        key = self.graph.key_for(name, fn_file) or name
        builds = self.facts.strings.get(key)
        if not builds or not builds["returns"]:
            return {(Hole(name + "()"),)}
        binding = {i: self.patterns(a, function, bound, depth + 1) for i, a in enumerate(args)}
        return self._built(builds, builds["returns"][0], key, binding, depth)

    def _built(self, builds: dict, buffer: str, key: str, binding: dict, depth: int) -> set[Pattern]:
        """The patterns of `buffer` after the function's steps (optional under a run-time test)."""
        results: list[list[Part]] = [[]]
        pending: tuple = ()  # the conditions of the optional group being filled
        group: list[list[Part]] = []
        for target, kind, args, conds in builds["steps"]:
            if target != buffer:
                continue
            choices = self._step(kind, args, key, binding, depth)
            runtime = tuple((c, n, line) for c, n, line in conds if _depends_on_values(c))
            if runtime != pending and group:
                results = [r + [Maybe(tuple(g))] for r in results for g in group]
                group = []
            pending = runtime
            if kind == "copy" and not runtime:
                results = [list(c) for c in choices]
            elif runtime:
                group = [g + list(c) for g in (group or [[]]) for c in choices][:_MAX_PATTERNS]
            else:
                results = [r + list(c) for r in results for c in choices][:_MAX_PATTERNS]
        if group:
            results = [r + [Maybe(tuple(g))] for r in results for g in group]
        return {_merge(tuple(r)) for r in results[:_MAX_PATTERNS]}

    def _step(self, kind: str, args: tuple, key: str, binding: dict, depth: int) -> list[Pattern]:
        if kind in ("copy", "append"):
            return sorted(self.patterns(args[0], key, binding, depth + 1), key=pattern_text)
        fmt = args[0]
        if fmt[0] != "str":
            return [(Hole("?"),)]
        parts: list[list[Part]] = [[]]
        rest = iter(args[1:])
        last = 0
        for m in _CONVERSION.finditer(fmt[1]):
            literal = fmt[1][last:m.start()]
            last = m.end()
            if m.group(1) == "%":
                parts = [p + [literal + "%"] for p in parts]
                continue
            arg = next(rest, None)
            values = sorted(self.patterns(arg, key, binding, depth + 1), key=pattern_text) if arg and m.group(1) == "s" \
                else [(Hole(m.group(0)),)]
            parts = [p + [literal] + list(v) for p in parts for v in values][:_MAX_PATTERNS]
        return [tuple(p + [fmt[1][last:]]) for p in parts]


def _depends_on_values(cond: Sym) -> bool:
    """A condition on variables, fields, parameters or calls: a value the program is given.
    One on the function's own locals only (`if (!ident) return NULL;`, the allocation
    failing) decides no part of the ident."""
    return any(part[0] in ("var", "member", "call", "param", "?") for part in walk_sym(cond))


def _merge(p: Pattern) -> Pattern:
    """Adjacent literals joined, empty ones dropped."""
    out: list[Part] = []
    for part in p:
        if isinstance(part, Maybe):
            part = Maybe(_merge(part.parts))
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] = out[-1] + part
        elif part != "":
            out.append(part)
    return tuple(out)


def hole_names(options: Iterable[Any], facts: Facts, graph: Any) -> dict[str, str]:
    """Variable or field name -> what sets it, as a user names it: a configuration keyword
    whose handler assigns the field (`install_keyword("instance", &instance_handler)`), else an
    option assigning the variable (`-i`)."""
    out: dict[str, str] = {}
    for option in options:
        for effect in option.effects:
            out.setdefault(effect.target.rsplit(".", 1)[-1], option.name)
    keywords: dict[str, set[str]] = {}
    for handler, names in facts.writes.items():
        for caller, data in graph.callers(handler) if handler in graph.graph else ():
            if data["kind"] not in ("registered", "stored"):
                continue
            keyword = _registration_keyword(graph, caller, data)
            if keyword:
                for name in names:
                    keywords.setdefault(name, set()).add(keyword)
    for name, found in keywords.items():
        if len(found) == 1:
            out[name] = next(iter(found))
    return out


def _registration_keyword(graph: Any, caller: str, data: dict) -> str | None:
    """The string literal handed over with a registered function: the keyword it handles."""
    fn = graph.functions.get(caller)
    for call in fn.calls if fn is not None and data.get("registration") else ():
        if call.key == data["registration"]:
            strings = [a.string for a in call.args if a.string]
            return strings[0] if len(strings) == 1 else None
    return None


def all_forms(patterns: Iterable[Pattern]) -> list[str]:
    """Every form of the patterns, literal idents first, then by text."""
    found = {f for p in patterns for f in forms(p)}
    return sorted(found, key=lambda f: (has_hole(f), f))



def pattern_texts(patterns: list[Pattern]) -> list[str]:
    """Pattern texts, without a literal ident that another pattern already allows."""
    covered = {f for q in patterns if len(q) > 1 for f in forms(q)}
    return [pattern_text(q) for q in patterns if len(q) > 1 or pattern_text(q) not in covered]
