"""Calls through struct fields resolved by value flow: which function was stored into which
object, and which object reaches the call.

`l->dump(l->head)` in `dump_list(list *l)` does not call every function stored in any `dump`
field: it calls the one stored in the object its caller passes. From the per-function object
facts (extract/objects.py):

- a constructor stores its parameter in the object it returns (`alloc_list(dump_func)`:
  `l = calloc(...); l->dump = dump_func; return l;`), or a function's address directly;
- a holder (a local, a variable, a struct field by name) is given a constructor's result
  (`sockpool = alloc_list(dump_sock)`) or has a function stored in its field
  (`sockpool->dump = dump_sock`);
- a function that returns a file-scope variable hands out what that variable holds
  (keepalived 2.0's `get_if_list(void) { return if_queue; }`, `ifl = get_if_list()`);
- a call through a field of a parameter is resolved at each call of its function, with the
  holder the caller passes (`dump_list(sockpool)` calls dump_sock); through a field of a
  local, variable or field, with that holder.

A call through a local's, variable's or field's field is resolved only when every holder that
can reach it is; otherwise the call graph keeps resolving it by the field's name (callgraph.py).
A call through a parameter's field is resolved call by call of its function: a call whose
holder is not followed (a list a function of the tree returns from anything but a local or a
file-scope variable) gets a `Resolved` without target, for which the call graph takes the
field's name, at that call only; the other calls keep their own lists' functions
(`dump_list(NULL, sock_pool)` under -D runs the socket pool's dump, not every list's). Field holders are named by the field
alone (`vrrp_data->instances` and `data->instances` are one holder): the struct type is not in
the facts. No I/O.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from srcscan.cexpr import Name, strip

_NAME = re.compile(r"^\(*\s*(?:\([\w\s\*]+\)\s*)?&?\s*([A-Za-z_]\w*)\s*\)*$")
_FIELD = re.compile(r"(?:->|\.)\s*([A-Za-z_]\w*)\s*\)*$")


@dataclass(frozen=True)
class Resolved:
    """One resolved call through a field: `caller` makes `target` run at `line` under `guards`
    (target None: a call whose holder is not followed, resolved by the field's name)."""

    caller: str  # call-graph key of the function whose call (or own pointer call) runs it
    target: str | None
    line: int
    guards: tuple
    via: str  # "dump of sockpool (alloc_list() at main.c:17), called in dump_list() at main.c:9"
    call: Any  # the CallSite at `line` in `caller`


class ValueFlow:
    """The object facts of a whole tree, by call-graph key."""

    def __init__(self, objects: Iterable[tuple[str, str, dict]], resolve: Callable[[str, str], str | None],
                 returned_vars: dict[str, str] | None = None) -> None:
        """`returned_vars`: call-graph key -> the file-scope variable every return statement of
        that function gives (returned_variables)."""
        self.resolve = resolve
        self.returned_vars = returned_vars or {}
        self.by_key: dict[str, dict] = {}
        self.files: dict[str, str] = {}
        for name, file, facts in objects:
            key = resolve(name, file) or name
            if key not in self.by_key:
                self.by_key[key], self.files[key] = facts, file
        self.global_holders: dict[tuple, list[tuple[str, tuple]]] = defaultdict(list)  # var/field -> (key, holder row)
        self.global_stores: dict[tuple, list[tuple[str, tuple]]] = defaultdict(list)
        for key, facts in self.by_key.items():
            for row in facts["holders"]:
                if row[0][0] in ("var", "field"):
                    self.global_holders[row[0]].append((key, row))
            for row in facts["stores"]:
                if row[0][0] in ("var", "field"):
                    self.global_stores[row[0]].append((key, row))

    def call_through(self, key: str, line: int, col: int) -> tuple[str, tuple] | None:
        """(field, holder) of a call through a field at that place, if the facts have it."""
        for c_line, c_col, field, holder in self.by_key.get(key, {}).get("calls", ()):
            if (c_line, c_col) == (line, col):
                return field, holder
        return None

    def targets(self, holder: tuple, key: str, field: str, depth: int = 0) -> tuple[set[str], list[str]] | None:
        """Functions stored in `field` of the objects `holder` holds in function `key`, with where
        each was stored; None when some source of the holder cannot be followed."""
        if holder[0] == "local":
            facts = self.by_key.get(key, {})
            rows = [(key, r) for r in facts.get("holders", ()) if r[0] == holder]
            stores = [(key, r) for r in facts.get("stores", ()) if r[0] == holder]
        elif holder[0] in ("var", "field"):
            rows, stores = self.global_holders.get(holder, []), self.global_stores.get(holder, [])
        else:
            return None
        if not rows and not stores:
            return None
        if holder[0] != "local" and not rows and not any(f == field for _, (_, f, _, _) in stores):
            # A variable or field (named by the field alone) seen only storing other fields
            # (lighttpd's `hctx->con->network_write = ...` in mod_gnutls.c) says nothing of this
            # one: `r->con->reqbody_read(r)` runs what connections.c stored through its local
            # `con`, which these facts do not tie to `r->con`. Not followed.
            return None
        found: set[str] = set()
        where: list[str] = []
        for owner, (_, f, value, line) in stores:
            if f != field:
                continue
            if value[0] != "fn":
                return None
            target = self.resolve(value[1], self.files.get(owner, ""))
            if target is None:
                return None
            found.add(target)
            where.append(f"{value[1]} stored in {_holder_text(holder)}->{field} at {self.files.get(owner, '')}:{line}")
        for owner, (_, callee, args, line) in rows:
            got = self._constructed(callee, args, field, self.files.get(owner, ""), depth)
            if got is None:
                return None
            for target, name in got:
                found.add(target)
                where.append(f"{name} stored by {callee}() into {_holder_text(holder)} at {self.files.get(owner, '')}:{line}")
        return found, where

    def _constructed(self, callee: str, args: tuple, field: str, file: str, depth: int = 0) -> list[tuple[str, str]] | None:
        """Functions a constructor call leaves in `field` of the object it returns; [] for an
        allocation outside the tree (calloc: the field is zero). A constructor that returns
        another's result (keepalived 1.1's `alloc_list(f, d) { return alloc_mlist(f, d, 1); }`)
        is followed with its arguments put in."""
        key = self.resolve(callee, file)
        if key is None:
            return []  # outside the tree (calloc, malloc): a fresh object, its fields zero
        facts = self.by_key.get(key, {})
        returned = set(facts.get("returns", ()))
        forwards = facts.get("forwards", ())
        if key in self.returned_vars and not returned and not forwards:
            # `return if_queue;`: the objects that variable holds
            got = self.targets(("var", self.returned_vars[key]), key, field, depth + 1) if depth < 4 else None
            return None if got is None else [(t, t.rsplit(":", 1)[-1]) for t in sorted(got[0])]
        if forwards and not returned and depth < 4:
            out = []
            for inner, inner_args in forwards:
                given = tuple(args[a[1]] if a[0] == "param" and a[1] < len(args) else ("?",) if a[0] == "param" else a
                              for a in inner_args)
                got = self._constructed(inner, given, field, self.files.get(key, file), depth + 1)
                if got is None:
                    return None
                out.extend(got)
            return out
        if not returned:
            return None  # a function of the tree that returns something else: not followed
        out = []
        for holder, f, value, _ in facts.get("stores", ()):
            if f != field or holder[0] != "local" or holder[1] not in returned:
                continue
            if value[0] == "param":
                value = args[value[1]] if value[1] < len(args) else ("?",)
            if value == ("int", 0):
                continue  # NULL stored: no function there
            if value[0] != "fn":
                return None
            target = self.resolve(value[1], file)
            if target is None:
                return None
            out.append((target, value[1]))
        return out


def returned_variables(functions: Iterable[Any]) -> dict[str, str]:
    """Call-graph key -> name, for each function (FunctionFacts with their returns) every return
    statement of which gives the same variable (`return if_queue;`), not a parameter and not one
    the function assigns before handing it to a call (a local). A local returned without such an
    assignment is taken for the file-scope variable of its name: value flow then finds what that
    variable holds, or nothing (a name no function gives an object is not followed)."""
    out = {}
    for fn in functions:
        values = [strip(r.value) if r.value is not None else None for r in fn.returns or ()]
        names = {v.name if isinstance(v, Name) and v.ref == "var" else None for v in values}
        name = names.pop() if len(names) == 1 else None
        if name and not any(w.variable == name for w in fn.local_writes):
            out[fn.key] = name
    return out


def holder_in_caller(text: str, caller_facts: dict) -> tuple | None:
    """The holder an argument names: `sockpool`, `&table`, `vrrp_data->instances`."""
    m = _FIELD.search(text)
    if m:
        return ("field", m.group(1))
    m = _NAME.match(text.strip())
    if not m:
        return None
    name = m.group(1)
    local = any(r[0] == ("local", name) for r in caller_facts.get("holders", ())) or \
        any(r[0] == ("local", name) for r in caller_facts.get("stores", ()))
    return ("local", name) if local else ("var", name)


def resolve_field_call(flow: ValueFlow, key: str, fn: Any, call: Any, callers: list[tuple[str, Any]]) -> list[Resolved] | None:
    """The functions a call through a field runs, by value flow; None when not decided."""
    through = flow.call_through(key, call.line, call.col)
    if through is None:
        return None
    field, holder = through
    if holder[0] in ("local", "var", "field"):
        got = flow.targets(holder, key, field)
        if got is None:
            return None
        targets, where = got
        via = f"{field}: {'; '.join(where)}" if where else field
        return [Resolved(key, t, call.line, call.guards, via, call) for t in sorted(targets)]
    if holder[0] != "param" or not callers:
        return None
    out, followed = [], False
    for caller, site in callers:
        if holder[1] >= len(site.args):
            return None
        passed = holder_in_caller(site.args[holder[1]].text, flow.by_key.get(caller, {}))
        got = flow.targets(passed, caller, field) if passed else None
        if got is None:
            out.append(Resolved(caller, None, site.line, site.guards,
                                f"{field} of {fn.name}()'s {_param_text(fn, holder[1])}, called at {fn.file}:{call.line} "
                                f"with {site.args[holder[1]].text}, which value flow does not follow", site))
            continue
        followed = True
        targets, where = got
        via = (f"{field} of {fn.name}()'s {_param_text(fn, holder[1])}, called at {fn.file}:{call.line} with "
               f"{site.args[holder[1]].text}" + (f" ({'; '.join(where)})" if where else ""))
        out += [Resolved(caller, t, site.line, site.guards, via, site) for t in sorted(targets)]
    return out if followed else None


def _param_text(fn: Any, index: int) -> str:
    return fn.params[index] if index < len(fn.params) else "argument"


def _holder_text(holder: tuple) -> str:
    return holder[1] if isinstance(holder[1], str) else f"argument {holder[1]}"
