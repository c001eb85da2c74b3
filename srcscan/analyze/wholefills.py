"""Writes of struct fields the writes facts do not record, for the rules reading a field by its
stores (zerofields, nonempty): when one appears, those rules give no answer for the field.

- A field stepped (`ev->waits++`, `++p->n`) or changed by a compound assignment extract.writes
  does not record (`*=`, `/=`, `%=`, `^=`, `<<=`, `>>=`): found in the files' texts, by the
  field's name (whatever struct holds it).
- An object filled whole: a pointer to the struct handed to a function the tree does not define
  (memcpy(3)'s destination, fread(3)'s and recv(2)'s buffer; anything but free(3), and
  memset(3) with 0 or bzero(3), which zero it), or given a
  value whole (`*p = template`). A call through a pointer (`ev->event_set(ev, ...)`) is taken
  for a call of a tree function, whose own body shows what it does with the object. A pointer's struct is known from the fields read or written
  through it (`p->field`) in its function, and passes to a tree function's parameter when handed
  to it (a wrapper calling memcpy). `*p = ...` is found in the text of the function's file for
  a name some function of that file reads a struct's fields through.

Facts and the files' texts in, names out; no I/O.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable, Mapping

from srcscan.analyze.fnexprs import function_expressions
from srcscan.analyze.optionvalues import integer_of
from srcscan.cexpr import Cast, Member, Name, Unary, strip, walk
from srcscan.model import FunctionFacts, Write
from srcscan.preprocessor.lex import blank_comments_and_literals

# Calls a struct's pointer may be handed to without its fields changing.
_KEEPS = frozenset({"free"})
_POSTFIX = re.compile(r"(?:->|\.)\s*(\w+)\s*(?:\[[^\]\n]*\]\s*)?(?:\+\+|--|(?:\*|/|%|\^|<<|>>)=)")
_PREFIX = re.compile(r"(?:\+\+|--)\s*([\w\s.\->\[\]*(]*)")
_LAST_FIELD = re.compile(r"(?:->|\.)\s*(\w+)[\s\[\]\w]*$")


def stepped_fields(texts: Mapping[str, str]) -> frozenset[str]:
    """The names of the fields some text steps (`x->f++`, `--x.f`) or changes by a compound
    assignment extract.writes does not record (`x->f ^= 1`)."""
    found: set[str] = set()
    for text in texts.values():
        code = blank_comments_and_literals(text)
        found.update(m.group(1) for m in _POSTFIX.finditer(code))
        for m in _PREFIX.finditer(code):
            last = _LAST_FIELD.search(m.group(1).rstrip())
            if last is not None:
                found.add(last.group(1))
    return frozenset(found)


def filled_whole(functions: Iterable[FunctionFacts], writes: Iterable[Write], texts: Mapping[str, str],
                 keeps: Iterable[tuple[str, int, int]] = ()) -> frozenset[str]:
    """The structs (Member.owner) some object of which is filled whole (module docstring).
    `keeps`: the rules' `[callgraph] library_keeps`, library calls keeping a pointer handed to
    them without writing the object (OpenSSL's callback-argument setters), (function, argument
    index or -1, the constant that argument must be)."""
    keeps = tuple(keeps)
    functions = list(functions)
    by_name: dict[str, list[FunctionFacts]] = defaultdict(list)
    for fn in functions:
        by_name[fn.name].append(fn)
    own: dict[tuple[str, str], list[Write]] = defaultdict(list)
    for w in writes:
        own[(w.file, w.function)].append(w)
    pointers: dict[tuple[str, str, str], set[str]] = defaultdict(set)  # (file, function, name) -> structs
    for fn in functions:
        for e in function_expressions(fn, own.get((fn.file, fn.name), ())):
            for m in walk(e):
                if isinstance(m, Member) and m.arrow and m.owner and isinstance(b := strip(m.base), Name):
                    pointers[(fn.file, fn.name, b.name)].add(m.owner)
        for w in own.get((fn.file, fn.name), ()):
            if w.base and w.owner:
                pointers[(fn.file, fn.name, w.base)].add(w.owner)
    # every pointer handed to a direct call: (call, argument index, the pointer's key in `pointers`);
    # a call through a pointer (`ev->event_set(ev, ...)`) is a tree function, read in its own body
    handed = [(call, i, (fn.file, fn.name, name))
              for fn in functions for call in fn.calls if not call.indirect
              for i, arg in enumerate(call.exprs) if (name := _pointer(arg)) is not None]
    whole: set[str] = set()
    for _ in range(8):  # a pointer handed on to a tree function's parameter (a few levels)
        grew = False
        for call, i, key in handed:
            owners = pointers.get(key)
            if not owners:
                continue
            callees = by_name.get(call.callee, [])
            if not callees and call.callee not in _KEEPS and not _zeroes(call) and not _kept(call, keeps):
                whole |= owners
            for callee in callees:
                if i < len(callee.params):
                    slot = pointers[(callee.file, callee.name, callee.params[i])]
                    if not owners <= slot:
                        slot |= owners
                        grew = True
        if not grew:
            break
    for w in writes:
        if w.param and w.target.startswith("*"):
            whole |= pointers.get((w.file, w.function, w.target[1:]), set())
    named: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # file -> name -> structs
    for (file, _, name), owners in pointers.items():
        if owners:
            named[file][name] |= owners
    for file, names in named.items():
        code = blank_comments_and_literals(texts.get(file, ""))
        for m in re.finditer(r"(?:^|[;{}:)]|\belse)\s*\(?\s*\*\s*(\w+)\s*\)?\s*=(?!=)", code, re.M):
            whole |= names.get(m.group(1), set())
    return frozenset(whole)


def _kept(call, keeps: tuple[tuple[str, int, int], ...]) -> bool:
    """Whether `call` is one of `keeps` (filled_whole): its function, with the constant asked
    for at that argument."""
    return any(call.callee == name and (argument < 0 or (argument < len(call.exprs)
                                                         and integer_of(call.exprs[argument]) == value))
               for name, argument, value in keeps)


def _zeroes(call) -> bool:
    """`memset(p, 0, n)`, `bzero(p, n)`: the object zeroed, no field given another value."""
    if call.callee in ("bzero", "explicit_bzero"):
        return True
    return call.callee == "memset" and len(call.exprs) > 1 and integer_of(call.exprs[1]) == 0


def _pointer(e) -> str | None:
    """The name `e` hands over as a pointer (`ev`, `(void *)ev`); None for anything else."""
    e = strip(e)
    while isinstance(e, Cast):
        e = strip(e.operand)
    if isinstance(e, Unary) and e.op == "&":  # `&*ev`
        return None
    return e.name if isinstance(e, Name) else None



def addressed(e) -> Iterable[Member]:
    """The fields whose address `e` takes (`&serv->domain`, `(void **)&p->ptr`)."""
    for x in walk(e):
        if isinstance(x, Unary) and x.op == "&" and isinstance(strip(x.operand), Member):
            yield strip(x.operand)


def unmodelled(fills: Mapping[tuple[str, str], tuple], stepped: frozenset[str], whole: frozenset[str]) -> dict:
    """`fills` ((field, struct) -> stores) without the slots of a stepped field or of a struct
    filled whole."""
    return {slot: stores for slot, stores in fills.items() if slot[0] not in stepped and slot[1] not in whole}
