"""Calls in guards whose function a release changed, not the guard: a function now called
with another number of arguments changed its signature (C has no overloading), and what the
callee can compute itself (a call without arguments, such as getpid()) may have gone into it;
a call without arguments reads like a value (`getpid()` -> a variable holding the pid).
Text in, text out: no pairing decisions here."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

from srcscan.diff.ternary import split_arguments
from srcscan.diff.text import _CALL, _NOT_CALLS, call_arguments_end

_NO_ARGUMENTS = re.compile(r"[A-Za-z_]\w*\s*\(\s*\)")
_CONSTANT = re.compile(r"-?\s*(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*|true|false")


def _calls(condition: str) -> Iterable[tuple[str, int, int, list[str]]]:
    """(name, offset of the name, offset of the closing parenthesis, arguments) of each call."""
    for m in _CALL.finditer(condition):
        if m.group(1) not in _NOT_CALLS:
            end, _ = call_arguments_end(condition, m.end())
            args = condition[m.end():end]
            yield m.group(1), m.start(), end, split_arguments(args) if args.strip() else []


def resigned(xs: Iterable[str], ys: Iterable[str]) -> dict[str, int]:
    """The functions the two lists of guards call with numbers of arguments no call of the
    other list uses (keepalived 2.2.7's `pidfile_write(main_pidfile, getpid())`, 2.3.3's
    `pidfile_write(&main_pidfile)`): their signature changed. Each with the fewest arguments
    a call of it passes on either side (the parameters both signatures have, as far as the
    calls tell)."""
    arities: list[dict[str, set[int]]] = []
    for side in (xs, ys):
        counts: dict[str, set[int]] = defaultdict(set)
        for condition in side:
            for name, _, _, args in _calls(condition):
                counts[name].add(len(args))
        arities.append(counts)
    return {name: min(arities[0][name] | arities[1][name])
            for name in set(arities[0]) & set(arities[1]) if not arities[0][name] & arities[1][name]}


def without_computed_arguments(condition: str, names: dict[str, int]) -> str:
    """The condition with the calls of `names` (functions whose signature changed) written
    without the arguments their callee can compute itself (a call without arguments:
    `getpid()`) or that are constants of the source (an integer literal, `true`, `false`:
    a mode the caller picks for a parameter the release added, no value of the run: only
    past the arguments every call passes, `names`' counts from resigned), and
    without `&` before a name or member path (the callee now takes the object's address):
    `pidfile_write(main_pidfile, getpid())` and `pidfile_write(&main_pidfile)` both read
    `pidfile_write(main_pidfile)`; lighttpd 1.4.79's `0 != chunkqueue_peek_data(cq, &data,
    &data_len, errh, 1)` (the new `nowait`) reads as 1.4.69's call without it: the guard
    still tests whether that call failed, what the mode changes is the callee's. The constant
    is dropped only from a call whose result is tested for failure (is_status_test): a value
    compared (`level(buf, 1) > 1`, the depth it counts to) is another test. A changed value
    (`find(a, b)` -> `find(a, b, multihop)`) still differs."""
    if not names:
        return condition
    out, at = [], 0
    for name, start, end, args in _calls(condition):
        if name not in names or start < at:
            continue
        status = is_status_test(condition, start, end)
        kept = [re.sub(r"^&\s*(?=[A-Za-z_][\w.>-]*$)", "", a) for k, a in enumerate(args)
                if not (_NO_ARGUMENTS.fullmatch(a) or status and k >= names[name] and _CONSTANT.fullmatch(a))]
        out.append(condition[at:start] + f"{name}({', '.join(kept)})")
        at = end + 1
    return "".join(out) + condition[at:]


_STATUS_BEFORE = re.compile(r"(?:^|[(!&|])\s*$")  # a comparison with 0 / -1 before is is_status_test's first case
_STATUS_AFTER = re.compile(r"^\s*(?:$|[)&|]|[!=]=\s*(?:0|-1)\s*(?:$|[)&|])|<\s*0\s*(?:$|[)&|]))")


def is_status_test(condition: str, start: int, end: int) -> bool:
    """Is the call from `start` to its closing parenthesis at `end` tested for success or
    failure only: its truth (`!f(x)`, `f(x) && ...`) or a comparison with 0 or -1 (`0 !=
    f(x)`, `f(x) < 0`, `f(x) == -1`)? Not when its value is compared otherwise (`f(x) > 1`)
    or used in an expression (`f(x) + 1`)."""
    before, after = condition[:start], condition[end + 1:]
    if re.search(r"(?:^|[(!&|])\s*(?:0|-1)\s*[!=]=\s*$", before):  # the constant a whole operand: not `10 ==`, `fd0 !=`
        return bool(re.match(r"^\s*(?:$|[)&|])", after))
    return bool(_STATUS_BEFORE.search(before)) and bool(_STATUS_AFTER.match(after))


def values_of_calls(tokens: list[str]) -> list[str]:
    """Tokens with each call without arguments one token (`getpid ( )` -> `getpid()`), which a
    consistent renaming may then map onto a name: keepalived keeps its pid in `our_pid` where
    it called getpid()."""
    out: list[str] = []
    for t in tokens:
        if t == ")" and len(out) >= 2 and out[-1] == "(" and re.fullmatch(r"[A-Za-z_]\w*", out[-2]) \
                and out[-2] not in _NOT_CALLS:
            out[-2:] = [out[-2] + "()"]
        else:
            out.append(t)
    return out


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def with_own_module_name(guards_a: tuple[str, ...], guards_b: tuple[str, ...], file: str) -> tuple[str, ...]:
    """The old guards, each that differs from a new guard only in one string literal which,
    on the new side, names the file's own module (its base name), written as that new guard:
    lighttpd 1.4.79's mod_wolfssl.c calls `config_plugin_values_init(srv, p, cpk,
    "mod_wolfssl")` where 1.4.69 passed "mod_openssl" (the name is the text of its
    configuration errors, not a test). Another literal changed is another guard."""
    own = '"' + file.rsplit("/", 1)[-1].rsplit(".", 1)[0] + '"'
    news = [g for g in guards_b if own in g and g not in guards_a]
    if not news:
        return guards_a
    out = []
    for g in guards_a:
        for n in news:
            changed = [(x, y) for x, y in zip(_STRING.findall(g), _STRING.findall(n)) if x != y]
            if g not in guards_b and _STRING.sub('""', g) == _STRING.sub('""', n) and len(changed) == 1 \
                    and changed[0][1] == own:
                g = n
                break
        out.append(g)
    return tuple(out)
