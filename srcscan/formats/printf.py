"""The printf dialect: `log_message(LOG_INFO, "VRRP_Instance(%s) %s", name, state)`.

Parses C conversion specifications (flags, width and precision with `*`, length modifiers,
positional `%1$s`, glibc's `%m`) into typed holes, pairing each hole with the source text
of the argument that fills it. A string literal given to `%s` is text the daemon writes
(`"  %s", "Please report a bug"`: `  Please report a bug`); a macro only the build's configure
step defines stays a hole named after it (`"Starting " VERSION_STRING`: `Starting %s`).
A `%` that starts no conversion prints as itself (glibc), also at the end of the format
(`"load above 90 % "`). Knows nothing about any particular daemon.
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


# Stands for a configure-time macro inside the format while it is parsed: private-use
# characters no format holds, and no '%' to be taken for a conversion.
_MARK, _MARK_END = "\ue000", "\ue001"


def build_template(fmt: Arg, rest: tuple[Arg, ...]) -> Template:
    if fmt.string is None:
        return dynamic_template(fmt)
    if not fmt.unknown_macros:
        return Template(parse_printf(fmt.string, rest))
    marked = "".join(value if value is not None else f"{_MARK}{name}{_MARK_END}" for value, name in fmt.pieces)
    parts: list[str | Hole] = []
    for part in parse_printf(marked, rest):
        parts.extend(_unmark(part) if isinstance(part, str) else (part,))
    return Template(merge_parts(parts))


def _unmark(text: str) -> list[str | Hole]:
    out: list[str | Hole] = []
    for i, piece in enumerate(text.split(_MARK)):
        if i == 0:
            out.append(piece)
            continue
        name, _, after = piece.partition(_MARK_END)
        out += [Hole("str", "", name), after]
    return out


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
        arg = rest[index] if 0 <= index < len(rest) else None  # %0$ names no argument (not the last)
        literal = _literal_text(m, arg)
        parts.extend(literal if literal is not None else (Hole(_KIND[conv], m.group(0), arg.text if arg else None),))
    return merge_parts(parts)


def _literal_text(spec: re.Match, arg: Arg | None) -> list[str | Hole] | None:
    """What `%s` prints for a string literal argument (width and precision applied), else None.
    A literal pasted with configure-time macros prints its pieces, each such macro a hole."""
    if arg is None or arg.string is None or spec.group("conv") != "s" or spec.group("length"):
        return None
    width, prec = spec.group("width") or "", spec.group("prec")
    if arg.unknown_macros:
        if width or prec is not None:
            return None
        return [value if value is not None else Hole("str", "", name) for value, name in arg.pieces]
    if "*" in width or (prec and "*" in prec):
        return None
    value = arg.string if prec is None else arg.string[: int(prec or 0)]
    return [value.rjust(int(width)) if width and "-" not in spec.group("flags") else value.ljust(int(width or 0))]
