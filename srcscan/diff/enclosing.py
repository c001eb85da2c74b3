"""A requirement the new catalog reads from the walks through an element's containers: the
message's function is given the element of a walk on both sides, and the new caller reaches
it through the lists holding it (its enclosing blocks), whose keywords the new requirement
gains. An element sits in its containers whichever walk visits it: the keywords filling them
were needed before too, the old catalog did not name them."""

from __future__ import annotations

import re

from srcscan.catalog import Catalog, Message
from srcscan.diff.analysis import _top_level_arguments
from srcscan.diff.model import FileTexts
from srcscan.diff.text import call_arguments_end
from srcscan.textcalls import enclosing_guards

# `list_for_each_entry(rs, &vs->rs, e_list)`: the walk's element and its container
_FOR_EACH = re.compile(r"^\s*(?:\}\s*)?[A-Za-z_]\w*for_each\w*\s*\(\s*([A-Za-z_]\w*)\s*,\s*&?\s*([^,]+?)\s*,")
_SCALAR_OPS = {"=", "|=", "++", "set_bit", "clear_bit", "set_bit_if"}  # any other op fills a list (rules' list_fills)


def walked_through_containers(a: Message, b: Message, new: Catalog, callers) -> bool:
    """Is the change of `requires` from old message a to new message b srcscan's analysis?
    Yes when b only adds atoms to a's alternatives, the message's function is called on both
    sides with the element of a walk (a `..for_each..(x, list, ...)` loop around the call),
    of one type, and each new call reaches it through nested walks (`for_each(vs,
    &check_data->vs)`, `for_each(rs, &vs->rs)`, `for_each(checker, &rs->checkers_list)`)
    where each atom b gains is a configuration keyword filling the list of one of the outer
    walks (real_server: `list_add` to `.rs`). keepalived 2.2.7's dump_checker_list() walked
    the queue of every checker, 2.3.3's dump_checkers() walks each virtual server's real
    servers' checkers; a checker is queued only inside a real_server inside a
    virtual_server (queue_checker() takes the last of each): the new requirement's
    real_server and virtual_server held for every old checker too. `callers` is a
    diff.analysis._Callers; the caller checks that the guards and build read the same."""
    gained = _gained(a, b)
    if not gained or callers.texts is None:
        return False
    fills = _fills(new)
    types = set()
    for side, m in (("old", a), ("new", b)):
        sites = callers.sites_of(side, m.function, m.file)
        if not sites:
            return False
        for path, line in sites:
            text = callers.texts(side, path)
            walks = _walks(text.split("\n"), line, m.function) if text else None
            if not walks:
                return False
            types.add(walks[-1][2])
            if side == "new":
                outer = {_member(container) for _, container, _ in _chain(walks)[:-1]}
                if not all(fills.get(atom, set()) & outer for atom in gained):
                    return False
    return len(types) == 1 and None not in types


def walked_own_containers(a: Message, b: Message, new: Catalog, texts: FileTexts | None) -> bool:
    """Is the change of `requires` from old message a to new message b srcscan's analysis,
    the walks being the message's own function's? Yes when b only adds atoms to a's
    alternatives (as walked_through_containers), the call is inside a `..for_each..` walk on
    both sides whose element the call reads (`checker->enabled`), of one declared type, and on
    the new side that walk is reached through nested walks whose lists the atoms gained fill.
    keepalived 2.2.7's register_checkers_thread() walked the queue of every checker, 2.3.3's
    walks each virtual server's real servers' checkers: real_server and virtual_server held
    for every old checker too (queue_checker() takes the last of each). A guard the release
    added around the call is its change all the same (`conditions`): this reads the
    requirement only."""
    gained = _gained(a, b)
    if not gained or texts is None:
        return False
    types = set()
    for side, m in (("old", a), ("new", b)):
        text = texts(side, m.file)
        walks = _own_walks(text.split("\n"), m) if text else None
        if not walks:
            return False
        types.add(walks[-1][2])
        if side == "new":
            outer = {_member(container) for _, container, _ in _chain(walks)[:-1]}
            fills = _fills(new)
            if not all(fills.get(atom, set()) & outer for atom in gained):
                return False
    return len(types) == 1 and None not in types


def _own_walks(lines: list[str], m: Message) -> list[tuple[str, str, str | None]] | None:
    """The walks around m's call in its own function (as _walks), None when there are none
    or the call reads no member of the innermost walk's element."""
    heads = [h for h in enclosing_guards(lines, m.line) if _FOR_EACH.match(h)]
    walks = [(w.group(1), w.group(2), _declared(lines, m.line, w.group(1))) for h in heads if (w := _FOR_EACH.match(h))]
    args = " ".join(p.arg or "" for p in m.template.parts if not isinstance(p, str))
    if not walks or not re.search(rf"(?<![\w.>]){re.escape(walks[-1][0])}\s*->", args):
        return None
    return walks


def _gained(a: Message, b: Message) -> set[str]:
    """The atoms b's requirement adds to a's, when that is all it does (each of b's
    alternatives one of a's with atoms added, each of a's in one of b's) in the same file and
    function; empty otherwise."""
    gained = _atoms(b) - _atoms(a)
    if not gained or _atoms(a) - _atoms(b) or (a.file, a.function) != (b.file, b.function):
        return set()
    olds, news = [set(alt) for alt in a.requires], [set(alt) for alt in b.requires]
    if not all(any(o <= n and n - o <= gained for o in olds) for n in news) or \
            not all(any(o <= n for n in news) for o in olds):
        return set()
    return gained


def _atoms(m: Message) -> set[str]:
    return {atom for alternative in m.requires for atom in alternative}


def _fills(c: Catalog) -> dict[str, set[str]]:
    """Configuration keyword -> the members of the lists its handler fills (`.rs` -> `rs`)."""
    out: dict[str, set[str]] = {}
    for option in c.sections.options or ():
        if option.kind == "config":
            members = {e.target.rsplit(".", 1)[-1].rsplit(">", 1)[-1] for e in option.effects if e.op not in _SCALAR_OPS}
            for name in option.names:
                out.setdefault(name, set()).update(members)
    return out


def _member(container: str) -> str:
    """`check_data->vs` -> `vs`; `vs->rs` -> `rs`; a name alone -> the name."""
    return re.split(r"->|\.", "".join(container.split()))[-1]


def _walks(lines: list[str], line: int, name: str) -> list[tuple[str, str, str | None]] | None:
    """The walks around the call of `name` on `line` (1-based), outermost first: (element,
    container, the element's declared type), the innermost walking the element the call is
    given; None when the call is given no walk's element. A walk with one statement as its
    body and no brace counts when its head is the line before the call's."""
    heads = list(enclosing_guards(lines, line))
    if line >= 2 and _FOR_EACH.match(lines[line - 2]) and not lines[line - 2].rstrip().endswith((";", "{")):
        heads.append(lines[line - 2].strip())
    walks = [(m.group(1), m.group(2), _declared(lines, line, m.group(1))) for h in heads if (m := _FOR_EACH.match(h))]
    if not walks or not heads or not _FOR_EACH.match(heads[-1]) or walks[-1][0] not in _arguments(lines[line - 1], name):
        return None
    return walks


def _chain(walks: list[tuple[str, str, str | None]]) -> list[tuple[str, str, str | None]]:
    """The innermost walk and the walks out of which each walks a list of the next one's
    element (`&rs->checkers_list` inside the walk of `rs`), outermost first."""
    chain = [walks[-1]]
    for w in reversed(walks[:-1]):
        if re.split(r"->|\.", "".join(chain[0][1].split()))[0] != w[0]:
            break
        chain.insert(0, w)
    return chain


def _arguments(text: str, name: str) -> list[str]:
    """The arguments of the call of `name` in `text`, as written."""
    m = re.search(rf"\b{re.escape(name)}\s*\(", text)
    return _top_level_arguments(text[m.end(): call_arguments_end(text, m.end())[0]]) if m else []


def _declared(lines: list[str], line: int, name: str) -> str | None:
    """The type of the nearest declaration `T *name` before `line` (`checker_t *checker;`)."""
    decl = re.compile(rf"\b([A-Za-z_]\w*)\s*\*\s*(?:const\s+)?{re.escape(name)}\s*[;,=)]")
    for text in reversed(lines[max(0, line - 80): line - 1]):
        if (m := decl.search(text)) and m.group(1) not in ("return", "sizeof"):
            return m.group(1)
    return None
