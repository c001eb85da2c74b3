"""lighttpd's typed-descriptor dialect (1.4.x up to 1.4.5x): `log_error_write(srv, __FILE__, __LINE__, "sbs", ...)`.

Each descriptor letter takes one argument: s string, b buffer, d int, o off_t, x int in
hex (printed after "0x"); a lower-case letter appends a space after its value, the upper
case letter does not; `( ) < > ,` and space are copied as themselves; anything else prints
nothing (as in log.c). A string or integer literal argument becomes literal text, so
`"ss", "opening", name` reads `opening %s`.
"""

from __future__ import annotations

from srcscan.formats.template import Arg, Hole, Template, dynamic_template, merge_parts

_KIND = {"s": "str", "b": "str", "d": "int", "o": "int", "x": "hex"}
_COPIED = "()<>, "


def build_template(fmt: Arg, rest: tuple[Arg, ...]) -> Template:
    if fmt.string is None:
        return dynamic_template(fmt)
    parts: list[str | Hole] = []
    args = iter(rest)
    for letter in fmt.string:
        kind = _KIND.get(letter.lower())
        if kind is not None:
            arg = next(args, None)
            if kind == "hex":
                parts.append("0x")
            if arg is not None and arg.string is not None and kind == "str":
                parts.append(arg.string)
            elif arg is not None and arg.integer is not None and kind == "int":
                parts.append(str(arg.integer))
            else:
                parts.append(Hole(kind, letter, arg.text if arg else None))
        elif letter in _COPIED:
            parts.append(letter)
        if letter >= "a":  # log.c appends the space for every lower-case letter
            parts.append(" ")
    return Template(_drop_trailing_space(merge_parts(parts)))


def _drop_trailing_space(parts: tuple[str | Hole, ...]) -> tuple[str | Hole, ...]:
    # The daemon ends the line with the space of the last lower-case letter. Dropping it
    # lets a message keep its identity when a later release rewrites it as printf.
    if parts and isinstance(parts[-1], str):
        last = parts[-1].rstrip(" ")
        return parts[:-1] + ((last,) if last else ())
    return parts
