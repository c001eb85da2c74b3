"""Stores through pointer parameters, read as writes of what the callers point them at.

keepalived's set_string(const char **var, const vector_t *strvec, ...) ends in `*var =
set_value(strvec);`, handle_ssl_file() hands its `file_name` on to it, and the SSL block's `ca`
handler calls `handle_ssl_file(strvec, &check_data->ssl->cafile, "cafile")`: that call writes
`check_data->ssl->cafile`, so the field is the `ca` keyword's (analyze.keywords), and a test of
it (`if (ssl->cafile)` in dump_ssl()) needs that keyword. Without this, the field has no write
at all, and a test of it reads as "needs nothing".

A function stores through its parameter at index i when it has a `*param` write (extract.writes,
`param=True`, target `*name`) or passes the parameter on, as it is, at an index its callee
stores through (up to DEPTH calls deep). Each direct call passing `&variable` or `&x->field`
at such an index then writes that variable or field: a Write in the caller, at the call's line,
under the call's guards and the store's own, with the stored value. Only a plain address is
followed (`&a->b`, `&var`); a pointer held in a local or a parameter names nothing.

Plain facts in (FileFacts), the same FileFacts with those writes added out; no I/O.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Mapping

from srcscan.analyze.callgraph import Functions, _resolve  # the key a name used in a file refers to
from srcscan.cexpr import Member, Name, Unary, field_owner, render, root_path, strip
from srcscan.model import CallSite, FileFacts, FunctionFacts, Write

DEPTH = 4  # helpers handing a pointer parameter on: set_string <- handle_ssl_file <- a handler

# function key -> parameter index -> the stores through it (their value and guards)
Stores = Mapping[str, Mapping[int, tuple[Write, ...]]]


def with_param_stores(files: Iterable[FileFacts]) -> tuple[FileFacts, ...]:
    """`files` with each call's writes through a pointer parameter added to its file's writes
    (FileFacts.writes; see the module docstring), in the order given. A file none of whose
    calls does such a store is returned as it is."""
    files = tuple(files)
    functions = [fn for f in files for fn in f.functions]
    by_key = Functions(functions)
    stores = param_stores(by_key, [w for f in files for w in f.writes if w.param and w.target.startswith("*")])
    if not stores:
        return files
    locals_: dict[tuple[str, str], set[str]] = {}
    for f in files:
        for w in f.writes:
            if w.local and not w.param:
                locals_.setdefault((w.file, w.function), set()).add(w.target)
    out = []
    for f in files:
        added = tuple(w for fn in f.functions for call in fn.calls
                      for w in call_writes(call, fn, by_key, stores, locals_.get((fn.file, fn.name), set())))
        out.append(replace(f, writes=f.writes + added) if added else f)
    return tuple(out)


def param_stores(by_key: Functions, deref_writes: Iterable[Write]) -> dict[str, dict[int, tuple[Write, ...]]]:
    """Function key -> the indexes of the parameters it stores through, each with the `*param`
    writes reached (a helper's own, or its callee's when it passes the parameter on)."""
    stores: dict[str, dict[int, tuple[Write, ...]]] = {}
    for w in deref_writes:
        key = _resolve(by_key, w.function, w.file)
        fn = by_key.get(key) if key else None
        if fn is None or w.target[1:] not in fn.params:
            continue
        at = fn.params.index(w.target[1:])
        stores.setdefault(key, {})[at] = stores.get(key, {}).get(at, ()) + (w,)
    for _ in range(DEPTH):
        changed = False
        for key, fn in by_key.items():
            for call in fn.calls:
                for at, inner in _stored_args(call, by_key, stores):
                    arg = strip(call.exprs[at])
                    if not isinstance(arg, Name) or arg.ref != "param" or arg.name not in fn.params:
                        continue
                    mine = fn.params.index(arg.name)
                    have = stores.setdefault(key, {}).get(mine, ())
                    new = tuple(w for w in inner if w not in have)
                    if new:
                        stores[key][mine] = have + new
                        changed = True
        if not changed:
            break
    return stores


def call_writes(call: CallSite, fn: FunctionFacts, by_key: Functions, stores: Stores,
                local: set[str] = frozenset()) -> list[Write]:
    """The writes `call` (in `fn`, whose locals are `local`) makes through its callee's pointer
    parameters: one per store reached, of the variable or field whose address the call passes
    (`&check_data->ssl->cafile` -> target `check_data.ssl.cafile`, as extract.writes names a
    direct write; through a parameter or local, `.cafile`; a local itself, nothing)."""
    out = []
    for at, inner in _stored_args(call, by_key, stores):
        arg = strip(call.exprs[at])
        if not isinstance(arg, Unary) or arg.op != "&":
            continue
        target, base = _target(strip(arg.operand), local)
        if not target:
            continue
        for w in inner:
            out.append(Write(fn.name, fn.file, call.line, target, w.op, w.value, w.text or render(w.value),
                             guarded=bool(call.guards or w.guards), owner=field_owner(arg.operand) if "." in target
                             else "", guards=tuple(call.guards) + tuple(w.guards), base=base))
    return out


def _target(e, local: set[str]) -> tuple[str, str]:
    """(the write's target as extract.writes names it, the parameter or local it goes through)."""
    if isinstance(e, Name):
        return (e.name, "") if e.ref == "var" and e.name not in local else ("", "")
    if not isinstance(e, Member):
        return "", ""
    path, field = root_path(e)
    if path and path.split(".")[0] not in local:
        return path, ""
    base = e.base
    while isinstance(strip(base), (Member, Unary)):
        base = strip(base).base if isinstance(strip(base), Member) else strip(base).operand
    base = strip(base)
    return "." + field, base.name if isinstance(base, Name) else ""


def _stored_args(call: CallSite, by_key: Functions, stores: Stores) -> list[tuple[int, tuple[Write, ...]]]:
    """(argument index, the stores through it) for each of the call's arguments its callee
    stores through."""
    if call.indirect or not call.exprs:
        return []
    key = _resolve(by_key, call.callee, call.file)
    found = stores.get(key, {}) if key else {}
    return [(at, found[at]) for at in sorted(found) if at < len(call.exprs)]
