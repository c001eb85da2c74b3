"""Char array fields the C library's string copies fill, read by analyze.nonempty.

dnsmasq 2.90's `serv->interface[0] != 0` (network.c:1683): `interface` is `char
interface[IF_NAMESIZE+1]` of struct server, never assigned (an array), filled only by
add_update_server()'s `safe_strncpy(serv->interface, interface, sizeof(serv->interface))`
(domain-match.c:737), safe_strncpy() being the tree's wrapper of strncpy(3) (util.c:323). So the
field holds a non-empty string only once a copy of one ran: what the copied argument needs (read
at each caller of add_update_server(), analyze.nonempty.param_need).

Read only when sure (else None, and nonempty keeps its answer): every call handed the field
(Member, matched by name and struct) either copies into it (a `[config] string_copies` call, or a
tree wrapper passing two unassigned parameters on to one as destination and source) or only reads
it (copy or append source, string_lengths, string_compares, pointer_reads, a log function, or a
tree function whose parameter there is read only so, a few calls deep); no value, local or
return is the field itself (an alias a write could go through); no text writes an element of a
name the field or such a parameter has (`x->interface[i] = c`, `*p = c`; a store of 0, the
terminator, changes nothing; a declaration `char *p = v` reads as a write of `p` too, on the
safe side: element_written).

Plain facts in (FunctionFacts through Index.graph, the rules' lists, the tree's text), Python
values out; no I/O.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Mapping

from srcscan.cexpr import Binary, Call, Cast, CExpr, Cond, Const, Index as Subscript, Member, Name, Unary, children, strip, walk
from srcscan.model import CallSite, FunctionFacts
from srcscan.preprocessor.lex import blank_comments_and_literals

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

_DEPTH = 3  # tree functions handing a read-only pointer on: allocate_sfd -> local_bind -> setsockopt
_SUBSCRIPT = re.compile(r"(\w+)\s*\[")
_SPACE = re.compile(r"\s*")  # white space from a position: where the next token starts, without slicing the rest
_DEREF = re.compile(r"(?<![\w)\]])\*\s*\(?\s*((?:\w+\s*(?:->|\.)\s*)*\w+)\s*(?:\+\+|--)?\s*\)?\s*((?:[-+*/|&^%]|<<|>>)?=)(?!=)")
_ZERO = frozenset({"0", "'\\0'"})


def _bare(e: CExpr) -> CExpr:
    e = strip(e)
    while isinstance(e, Cast):
        e = strip(e.operand)
    return e


def _zero(e: CExpr) -> bool:
    e = _bare(e)
    return isinstance(e, Const) and e.value == 0


def first_element_test(e: CExpr) -> Member | None:
    """The field a test needs non-empty by its first character: `m[0] != 0`, `0 != m[0]`,
    `m[0]`; None otherwise."""
    e = _bare(e)
    if isinstance(e, Binary) and e.op == "!=":
        for side, other in ((e.left, e.right), (e.right, e.left)):
            if _zero(other) and (m := first_element_test(side)) is not None and not isinstance(_bare(side), Binary):
                return m
        return None
    if isinstance(e, Subscript) and _zero(e.index) and isinstance(_bare(e.base), Member):
        return _bare(e.base)
    return None


def first_element_empty(e: CExpr) -> CExpr | None:
    """`m[0] == 0` and `0 == m[0]` give the test they negate, `m[0] != 0`; None otherwise."""
    e = _bare(e)
    if isinstance(e, Binary) and e.op == "==":
        for side, other in ((e.left, e.right), (e.right, e.left)):
            if _zero(other) and isinstance(_bare(side), Subscript) and first_element_test(side) is not None:
                return Binary("!=", side, other)
    return None


def element_written(texts: Mapping[str, str]) -> frozenset[str]:
    """The names some text writes an element of, by a subscript (`x->interface[i] = c`,
    `buf[n]++`, `m[i][j] = c`) or a dereference (`*p = c`, `*p++ = c`), a plain `= 0` or `= '\\0'` left out."""
    found: set[str] = set()
    for text in texts.values():
        code = blank_comments_and_literals(text)
        for m in _SUBSCRIPT.finditer(code):
            end = _closing(code, m.end() - 1)
            while end is not None and code.startswith("[", nxt := _SPACE.match(code, end + 1).end()):
                end = _closing(code, nxt)
            if end is None:
                continue
            rest = code[end + 1:end + 40].lstrip()
            before = code[max(0, m.start() - 3):m.start()].rstrip()
            if before.endswith(("++", "--")) or rest.startswith(("++", "--")):
                found.add(m.group(1))
            elif (op := re.match(r"((?:[-+*/|&^%]|<<|>>)?=)(?!=)", rest)) is not None:
                if op.group(1) != "=" or not _zero_value(text, code, _SPACE.match(code, end + 1).end() + 1):
                    found.add(m.group(1))
        for m in _DEREF.finditer(code):
            name = re.split(r"->|\.", m.group(1))[-1].strip()
            if m.group(2) != "=" or not _zero_value(text, code, m.end()):
                found.add(name)
    return frozenset(found)


def _closing(code: str, at: int) -> int | None:
    depth = 0
    for i in range(at, min(len(code), at + 400)):
        if code[i] == "[":
            depth += 1
        elif code[i] == "]":
            depth -= 1
            if depth == 0:
                return i
    return None


def _zero_value(text: str, code: str, at: int) -> bool:
    """Whether the assignment's value from `at` to its `;` is 0 or '\\0' (read in the raw text:
    the blanked one has no character literal's contents)."""
    end = code.find(";", at)
    return end >= 0 and text[at:end].strip() in _ZERO


def copiers(index: Index) -> dict[str, tuple[int, int]]:
    """Function (a library copy's name, or a tree function's key) -> (destination, source)
    argument indexes: the rules' string_copies (0, 1), and each tree function handing two of its
    parameters, never assigned, on to one of them as its destination and source (safe_strncpy)."""
    key = ("arraystores", "copiers")
    if key not in index.memo:
        found = {name: (0, 1) for name in index.string_copies}
        graph = index.graph
        for fn in graph.functions.values() if graph is not None else ():
            assigned = index.local_writes.get((fn.file, fn.name), {})
            for call in fn.calls:
                if call.indirect or call.callee not in index.string_copies or len(call.exprs) < 2:
                    continue
                d, s = _bare(call.exprs[0]), _bare(call.exprs[1])
                if all(isinstance(x, Name) and x.ref == "param" and x.name in fn.params and x.name not in assigned
                       for x in (d, s)) and d.name not in index.element_writes \
                        and not any(c is not call and any(isinstance(x, Name) and x.name == d.name
                                                          for a in c.exprs for x in walk(a)) for c in fn.calls):
                    found[fn.key] = (fn.params.index(d.name), fn.params.index(s.name))
        index.memo[key] = found
    return index.memo[key]


def _same(e: CExpr, field: str, owner: str) -> bool:
    e = _bare(e)
    return isinstance(e, Member) and e.field == field and (not owner or not e.owner or e.owner == owner)


def _callee_key(call: CallSite, index: Index) -> str:
    graph = index.graph
    return "" if call.indirect or graph is None else (graph.key_for(call.callee, call.file) or "")


def _read_at(call: CallSite, i: int, index: Index, depth: int) -> bool:
    """Whether `call` only reads through its argument `i`."""
    name, key = call.callee, _callee_key(call, index)
    copy = copiers(index).get(key) or copiers(index).get(name)
    if copy is not None:
        return i == copy[1]
    if name in index.string_appends:
        return i == 1
    if name in index.string_lengths or name in index.string_compares or name in index.pointer_reads \
            or name in index.log_names:
        return True
    fn = index.graph.functions.get(key) if key and index.graph is not None else None
    return fn is not None and i < len(fn.params) and _param_read(fn, i, index, depth + 1)


def _param_read(fn: FunctionFacts, i: int, index: Index, depth: int) -> bool:
    """Whether `fn` only reads through its parameter `i`: never assigned, no element of it
    written, handed as it is only to calls reading through it, in no other call's argument, no
    value or return. Kept by depth too: an answer cut short at _DEPTH holds only there."""
    key = ("arraystores", "read", fn.key, i, depth)
    if key in index.memo:
        return index.memo[key]
    index.memo[key] = False  # a cycle reads nothing for sure
    p = fn.params[i]
    ok = depth < _DEPTH and p not in index.local_writes.get((fn.file, fn.name), {}) and p not in index.element_writes
    for call in fn.calls if ok else ():
        for j, arg in enumerate(call.exprs):
            a = _bare(arg)
            if isinstance(a, Name) and a.name == p:
                ok = ok and _read_at(call, j, index, depth)
            elif any(isinstance(x, Name) and x.name == p for x in _names(arg)):
                ok = ok and _read_at(call, j, index, depth) and not _aliased(arg, lambda x: isinstance(x, Name) and x.name == p)
    if ok:
        values = [v for ws in index.local_writes.get((fn.file, fn.name), {}).values() for v, _ in ws if v is not None]
        values += [r.value for r in fn.returns if r.value is not None]
        ok = not any(_aliased(v, lambda x: isinstance(x, Name) and x.name == p) for v in values)
    index.memo[key] = ok
    return ok


def _names(e: CExpr):
    return walk(e)


def _aliased(v: CExpr, match) -> bool:
    """Whether the value `v` may be the matched pointer itself, or one into it."""
    v = _bare(v)
    if match(v):
        return True
    if isinstance(v, Cond):
        return _aliased(v.yes, match) or _aliased(v.no, match)
    if isinstance(v, Binary) and v.op in ("+", "-", "=", ","):
        return _aliased(v.left, match) or _aliased(v.right, match)
    if isinstance(v, Unary) and v.op == "&":  # `&serv->interface[1]`
        inner = _bare(v.operand)
        return match(inner) or (isinstance(inner, Subscript) and match(_bare(inner.base)))
    return False


def _handed(e: CExpr, match) -> bool:
    """Whether the argument `e` hands on a pointer into the matched field (outside the calls
    inside it, which are call sites of their own)."""
    if _aliased(e, match):
        return True
    e = _bare(e)
    return not isinstance(e, Call) and any(_handed(c, match) for c in children(e))


def copy_stores(field: str, owner: str, index: Index) -> list[tuple[FunctionFacts, CallSite, CExpr]] | None:
    """The copies into the char array field (function, call, copied argument), [] when none;
    None when something else may change it or make an alias of it (module docstring)."""
    key = ("arraystores", "stores", field, owner)
    if key not in index.memo:
        index.memo[key] = _copy_stores(field, owner, index)
    return index.memo[key]


def _copy_stores(field: str, owner: str, index: Index) -> list[tuple[FunctionFacts, CallSite, CExpr]] | None:
    graph = index.graph
    if graph is None or field in index.element_writes:
        return None
    found = []
    same = lambda x: _same(x, field, owner)  # noqa: E731
    for fn in graph.functions.values():
        for call in fn.calls:
            for i, arg in enumerate(call.exprs):
                if same(arg):
                    copy = copiers(index).get(_callee_key(call, index)) or copiers(index).get(call.callee)
                    if copy is not None and i == copy[0] and copy[1] < len(call.exprs):
                        found.append((fn, call, call.exprs[copy[1]]))
                    elif not _read_at(call, i, index, 0):
                        return None
                elif _handed(arg, same):
                    return None  # `f(serv->interface + 1)`, `f(&serv->interface[0])`: a pointer into it handed on
        values = [v for ws in index.local_writes.get((fn.file, fn.name), {}).values() for v, _ in ws if v is not None]
        values += [r.value for r in fn.returns if r.value is not None]
        if any(_aliased(v, same) for v in values):
            return None
    for writes in index.field_writes.values():
        if any(w.value is not None and _aliased(w.value, same) for w in writes):
            return None
    return found
