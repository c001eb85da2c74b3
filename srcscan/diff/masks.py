"""Guards a bit test of the same message already decides: `type != C` before a message written
only under `type & (A | B)` never stopped it when C has none of A's and B's bits, so a release
that drops the `!=` test changes nothing for the message. Text in, text out; the constants'
values are the catalog's (`Message.constants`: enumerators and macros of the guards)."""

from __future__ import annotations

import re

from srcscan.diff.ternary import split_top_level

_UNEQUAL = re.compile(r"^([A-Za-z_]\w*)\s*!=\s*([A-Za-z_]\w*|\d+)$|^([A-Za-z_]\w*|\d+)\s*!=\s*([A-Za-z_]\w*)$")
_MASK = re.compile(r"^\(?\s*([A-Za-z_]\w*)\s*&\s*(\(?[\w\s|]+\)?)\s*\)?$")


def without_mask_decided(guards: tuple[str, ...], constants: dict[str, int]) -> tuple[str, ...]:
    """The guards but each `x != C` (x a name, C a constant of known value) when another
    guard, or a top-level `&&` conjunct of one, is a bit test `x & M` (M constants joined by
    `|`, all of known value) with C & M == 0: where x is C the bit test fails, so the message
    is not written there whatever the `!=` says. keepalived 2.2.7's add_vrrp_to_interface()
    skipped its loop when `type != TRACK_VRRP_DYNAMIC` (0x200) failed; the message in it is
    written only under `type & (TRACK_VRRP | TRACK_IF | TRACK_SG)` (0x7); 2.3.3 dropped the
    skip. A name of unknown value, or a mask sharing a bit with C, keeps the guard."""
    masks: dict[str, list[int]] = {}
    for g in guards:
        for part in split_top_level(" ".join(g.split()), "&&"):
            m = _MASK.match(part)
            if m and (value := _mask_value(m.group(2), constants)) is not None:
                masks.setdefault(m.group(1), []).append(value)
    out = []
    for g in guards:
        m = _UNEQUAL.match(" ".join(g.split()))
        if m:
            name, const = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            value = _value(const, constants)
            if value is not None and any(value & mask == 0 for mask in masks.get(name, ())):
                continue
        out.append(g)
    return tuple(out)


def _value(token: str, constants: dict[str, int]) -> int | None:
    if token.isdigit():
        return int(token)
    return constants.get(token)


def _mask_value(text: str, constants: dict[str, int]) -> int | None:
    """`(A | B | 4)` -> the bits of A, B and 4 joined; None when a name's value is not known."""
    value = 0
    for name in text.strip().strip("()").split("|"):
        v = _value(name.strip(), constants)
        if v is None:
            return None
        value |= v
    return value
