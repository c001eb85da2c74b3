"""The printf dialect: `log_message(LOG_INFO, "VRRP_Instance(%s) %s", name, state)`.

Parses C conversion specifications (flags, width and precision with `*`, length modifiers,
positional `%1$s`, glibc's `%m`) into typed holes, pairing each hole with the source text
of the argument that fills it. Knows nothing about any particular daemon.
"""

from __future__ import annotations

import re

from srcscan.formats.template import Arg, Hole, Template, dynamic_template, merge_parts

_SPEC = re.compile(
    r"%(?P<pos>\d+\$)?(?P<flags>[-+ #0'I]*)(?P<width>\*(?:\d+\$)?|\d+)?"
    r"(?:\.(?P<prec>\*(?:\d+\$)?|\d*))?(?P<length>hh|h|ll|l|L|q|j|z|Z|t)?(?P<conv>[diouxXeEfFgGaAcspnmCS%])"
)
_KIND = {"d": "int", "i": "int", "u": "uint", "o": "uint", "x": "hex", "X": "hex",
         "e": "float", "E": "float", "f": "float", "F": "float", "g": "float", "G": "float",
         "a": "float", "A": "float", "c": "char", "C": "char", "s": "str", "S": "str",
         "p": "ptr", "m": "errno"}


def build_template(fmt: Arg, rest: tuple[Arg, ...]) -> Template:
    if fmt.string is None:
        return dynamic_template(fmt)
    return Template(parse_printf(fmt.string, rest))


def parse_printf(text: str, rest: tuple[Arg, ...] = ()) -> tuple[str | Hole, ...]:
    parts: list[str | Hole] = []
    next_arg = 0
    pos = 0
    while True:
        i = text.find("%", pos)
        if i < 0:
            parts.append(text[pos:])
            break
        parts.append(text[pos:i])
        m = _SPEC.match(text, i)
        if m is None:  # a stray % prints as itself in glibc; keep it literal
            parts.append("%")
            pos = i + 1
            continue
        pos = m.end()
        conv = m.group("conv")
        if conv == "%":
            parts.append("%")
            continue
        # `*` width or precision consumes an argument before the value itself.
        next_arg += sum(1 for g in (m.group("width"), m.group("prec")) if g and g.startswith("*") and "$" not in g)
        if conv in "mn":
            if conv == "m":
                parts.append(Hole("errno", m.group(0)))
            else:
                next_arg += 1
            continue
        if m.group("pos"):
            index = int(m.group("pos")[:-1]) - 1
        else:
            index, next_arg = next_arg, next_arg + 1
        arg = rest[index].text if 0 <= index < len(rest) else None  # %0$ names no argument (not the last)
        parts.append(Hole(_KIND[conv], m.group(0), arg))
    return merge_parts(parts)
