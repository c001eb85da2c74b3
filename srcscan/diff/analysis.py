"""Changes srcscan's analysis made on its own: a pair's `requires`, `processes` or `facility`
differ while nothing they are derived from changed as far as the two trees tell."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict

from srcscan.catalog import Catalog, Message
from srcscan.diff.model import FileTexts
from srcscan.diff.text import _uncast, build_formula
from srcscan.textcalls import enclosing_function, enclosing_guards


def same_guards(a: Message, b: Message) -> bool:
    """Do two messages' guards read the same, up to white space, casts and a consistent
    renaming of identifiers? keepalived 2.3.3 renamed the parser's `vrrp` to `current_vrrp`
    (`vrrp->script_fault` -> `current_vrrp->script_fault`: the same guard), lighttpd 1.4.79's
    sendfile loop `toSend` to `nbytes`; `debug & 4` -> `debug & 16`, a guard added, dropped
    or reordered, or an operator changed are other guards. `NULL` reads as `0`."""
    if len(a.conditions) != len(b.conditions):
        return False
    forward: dict[str, str] = {}
    backward: dict[str, str] = {}
    for x, y in zip(a.conditions, b.conditions):
        tx, ty = ([_NULL.get(t, t) for t in _GUARD_TOKEN.findall(_uncast(g))] for g in (x, y))
        if len(tx) != len(ty):
            return False
        for s, t in zip(tx, ty):
            if _IDENTIFIER.fullmatch(s) and _IDENTIFIER.fullmatch(t):
                if forward.setdefault(s, t) != t or backward.setdefault(t, s) != s:
                    return False
            elif s != t:
                return False
    return True


_GUARD_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|[A-Za-z_]\w*|\d\w*|->|<<|>>|[<>=!]=|&&|\|\||\S')
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_NULL = {"NULL": "0"}  # a null pointer constant either way (`inet_stosockaddr(s, 0, &a)` -> `(s, NULL, &a)`)


def _analysis_only(field: str, a: Message, b: Message, old: Catalog, new: Catalog, callers: "_Callers") -> bool:
    """Is the change of `field` (requires, processes or facility) from a to b srcscan's
    analysis rather than the release? Yes when nothing it is derived from changed as far as
    the two trees tell: the same guards around the call (white space aside), the same
    build condition, the same calls of the enclosing function (callers, and the guards
    around each call as written), and, for
    requires, options both releases have (an option renamed or dropped is the release's)."""
    if not same_guards(a, b) or build_formula(a.build) != build_formula(b.build):
        return False
    if a.function != b.function or a.file != b.file or not callers.same(a.file, a.function, b.function):
        return False
    if field == "requires":
        names = {_option_atom(atom) for m in (a, b) for alternative in m.requires for atom in alternative}
        return names <= _option_names(old) and names <= _option_names(new)
    return True


def _option_atom(atom: str) -> str:
    bare = atom.lstrip("!")
    for op in (">=", "<=", "==", ">", "<", "="):
        bare = bare.split(op, 1)[0]
    return bare


def _option_names(c: Catalog) -> set[str]:
    """Every name of every option in the catalog's option table (`-D`, `--log-detail`, ...);
    with no table, the option atoms its messages require (all taken as existing)."""
    names = {n for option in c.sections.options or () for n in option.names}
    if not names:
        names = {_option_atom(atom) for m in c.messages for alternative in m.requires for atom in alternative}
    return names


class _Callers:
    """The calls of each of some functions, per side, read from the trees' texts (`name(`
    outside the function's own definition): the file, the calling function and the guards
    around the call as written (textcalls.enclosing_guards); unknown without texts. A name
    defined in several files (lighttpd's static network_init_ssl() of each TLS module) counts
    the calls in the message's own file only."""

    def __init__(self, old: Catalog, new: Catalog, texts: FileTexts | None, names: set[str]) -> None:
        self.found: dict[str, dict[str, set[tuple[str, str, tuple[str, ...]]]]] = {}
        self.defined: dict[str, dict[str, set[str]]] = {}
        if texts is None or not names:
            return
        call = re.compile(r"\b(" + "|".join(map(re.escape, sorted(n for n in names if n))) + r")\s*\(")
        for side, c in (("old", old), ("new", new)):
            by_name: dict[str, set[tuple[str, str, tuple[str, ...]]]] = defaultdict(set)
            defined: dict[str, set[str]] = defaultdict(set)
            for path in sorted({f.path for f in c.files} | {m.file for m in c.messages}):
                text = texts(side, path)
                if not text:
                    continue
                lines = text.split("\n")
                starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
                for m in call.finditer(text):
                    line = bisect_right(starts, m.start())
                    caller = enclosing_function(lines, line)
                    if caller == m.group(1):
                        defined[m.group(1)].add(path)
                    elif caller:
                        by_name[m.group(1)].add((path, caller, enclosing_guards(lines, line)))
            self.found[side], self.defined[side] = by_name, defined

    def same(self, file: str, old_name: str, new_name: str) -> bool:
        if not self.found:
            return False

        def callers(side: str, name: str) -> set[tuple[str, str, tuple[str, ...]]]:
            found = self.found[side].get(name, set())
            if len(self.defined[side].get(name, ())) > 1:
                return {call for call in found if call[0] == file}
            return found
        return callers("old", old_name) == callers("new", new_name)
