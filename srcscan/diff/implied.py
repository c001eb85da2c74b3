"""Guards another guard of the same message already decides: an early exit `!(A && B)` before
a message written only under `!A` never stopped it, so a release that drops or moves that exit
changes nothing for the message. Text in, text out: no pairing decisions here."""

from __future__ import annotations

from srcscan.diff.ternary import split_top_level
from srcscan.diff.text import _uncast, call_arguments_end


def without_implied_exits(guards: tuple[str, ...]) -> tuple[str, ...]:
    """The guards but each early exit `!(A && B && ...)` one of whose conjuncts another guard
    of the list negates (`!A`, or `!A` as a conjunct of one: `x && !A`): that exit is taken
    only where the message is not written.
    keepalived 2.2.7's vrrp_complete_instance() returned early on `list_empty(&vrrp->vip) &&
    (vrrp->version == VRRP_VERSION_3 || vrrp->strict_mode)` before messages written under
    `!list_empty(&vrrp->vip)`; 2.3.3 checks it at the end of the function: no change for
    them (it is for the function's other messages)."""
    keys = [_key(g) for g in guards]
    out = []
    for k, g in enumerate(guards):
        # what the other guards make true: each, and each of its conjuncts
        others = {c for other in keys[:k] + keys[k + 1:] for c in [other] + [_bare(p) for p in _split_and(other)]}
        if not any(_negations(c) & others for c in _exit_conjuncts(keys[k])):
            out.append(g)
    return tuple(out)


def _key(guard: str) -> str:
    return " ".join(_uncast(guard).split())


def _exit_conjuncts(guard: str) -> list[str]:
    """`!(A && (B || C))` -> [`A`, `B || C`]; [] for a guard of another form or one conjunct."""
    if not guard.startswith("!("):
        return []
    end, _ = call_arguments_end(guard, 2)
    if end != len(guard) - 1:
        return []
    parts = _split_and(guard[2:-1])
    return [_bare(p) for p in parts] if len(parts) > 1 else []


def _split_and(text: str) -> list[str]:
    """`A && (B || C) && D` at its top-level `&&`; a top-level `||` makes the whole one part."""
    return [text] if len(split_top_level(text, "||")) > 1 else split_top_level(text, "&&")


def _bare(part: str) -> str:
    """A conjunct without parentheses around the whole of it."""
    while part.startswith("(") and call_arguments_end(part, 1)[0] == len(part) - 1:
        part = part[1:-1].strip()
    return part


def _negations(guard: str) -> set[str]:
    """The ways srcscan writes a guard's negation, and the guard a negation negates."""
    out = {f"!({guard})", f"!{guard}"}
    if guard.startswith("!(") and call_arguments_end(guard, 2)[0] == len(guard) - 1:
        out.add(guard[2:-1])
    elif guard.startswith("!"):
        out.add(guard[1:])
    return out
