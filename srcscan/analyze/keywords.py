"""Configuration keywords installed by name: keepalived's parser (lib/parser.c) is given each
keyword with `install_keyword("reload_time_file", &reload_time_file_handler)` and calls the
handler of each keyword the configuration file has. So the handler runs only when the
configuration has the keyword, and what it (or a helper only handlers call) stores is that
keyword's value: `global_data->reload_time_file = STRDUP(strvec_slot(strvec, 1));` makes a test
of `reload_time_file` a test of the keyword. The installing functions are the rules' `[config]
keyword_calls`, called as f("keyword", handler, ...).

A field counts as a keyword's only when nothing else gives it a value: code outside the handlers
storing anything but 0 or a copy of the same field (keepalived's `vrrp->accept =
!vrrp->strict_mode` after parsing, `global_data->vrrp_garp_rep = VRRP_GARP_REP` in the defaults),
or a handler giving a field of the object it is building a value (a local given a call's
result, `new = MALLOC(sizeof(vrrp_t)); new->accept = PARAMETER_UNSET;`, or a global default's
copy: a value of every new object), makes the field no keyword's. A keyword that only
stores 0 (`no_accept`: `current_vrrp->accept = false`) sets nothing a test could see.

Plain data in (the per-file facts: calls, writes; the rules), Option records and handler maps
out; no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from srcscan.analyze.callgraph import Functions
from srcscan.analyze.optiontypes import Option, OptionEffect
from srcscan.cexpr import Call, Member, Name, evaluate, strip, walk
from srcscan.model import FileFacts, FunctionFacts, SiteKey, Write

HELPER_DEPTH = 2  # helpers of helpers of handlers: notify_fifo() called by global_notify_fifo()


@dataclass(frozen=True)
class KeywordInstall:
    """One call installing a keyword: its name, the handler's call-graph key (file-qualified for
    a static function), and where (the installing call's key)."""

    keyword: str
    handler: str
    call: SiteKey


def keyword_installs(functions: Iterable[FunctionFacts], keyword_calls: Iterable[str]) -> tuple[KeywordInstall, ...]:
    """Every call of a `keyword_calls` function (rules' `[config] keyword_calls`) whose first
    argument is a string literal, or a parameter every direct caller passes a literal in
    (keepalived's install_http_ssl_check_keyword("HTTP_GET") calling install_keyword(keyword,
    &http_get_handler): one install per literal), and whose second names a function of the tree;
    a call passing its handler on from a parameter (the wrapper install_keyword_conditional)
    installs nothing by itself: its callers' calls do, when the rules list it."""
    calls = frozenset(keyword_calls)
    functions = list(functions)
    if not calls:
        return ()
    by_key = _by_key(functions)
    found: list[tuple[FunctionFacts, object, list[str] | None]] = []
    wanted: set[tuple[str, int]] = set()  # (function key, parameter index) a keyword name comes in
    for fn in functions:
        for call in fn.calls:
            if call.indirect or call.callee not in calls or len(call.args) < 2 or len(call.arg_refs) < 2:
                continue
            if call.args[0].string:
                found.append((fn, call, [call.args[0].string]))
            elif call.exprs and isinstance(call.exprs[0], Name) and call.exprs[0].ref == "param" \
                    and call.exprs[0].name in fn.params:
                wanted.add((fn.key, fn.params.index(call.exprs[0].name)))
                found.append((fn, call, None))
    passed: dict[tuple[str, int], list[str]] = defaultdict(list)
    for fn in functions if wanted else ():
        for call in fn.calls:
            callee = None if call.indirect else _resolve(by_key, call.callee, call.file)
            for key, index in wanted:
                if callee == key and index < len(call.args) and call.args[index].string \
                        and call.args[index].string not in passed[(key, index)]:
                    passed[(key, index)].append(call.args[index].string)
    out: dict[tuple[str, str, SiteKey], KeywordInstall] = {}
    for fn, call, names in found:
        if names is None:
            names = passed.get((fn.key, fn.params.index(call.exprs[0].name)), [])
        for name in names:
            for target in call.arg_refs[1]:
                handler = _resolve(by_key, target, call.file)
                if handler is not None:
                    out.setdefault((name, handler, call.key), KeywordInstall(name, handler, call.key))
    return tuple(out.values())


def keyword_options(files: Iterable[FileFacts], keyword_calls: Iterable[str], bit_set: Iterable[str] = ()) \
        -> tuple[Option, ...]:
    """One config Option per keyword the `keyword_calls` install (kind "config", named by the
    keyword, its file the installing call's), with the fields its handler, and the helpers only
    handlers call (up to HELPER_DEPTH deep), store a value in that nothing else gives one
    (OptionEffect target `.field`, owner the field's struct), and the bits they set with a
    rules' `bit_set` function (`__set_bit(VRRP_IPVLAN_BIT, &current_vrrp->flags)`). A keyword
    whose handler stores nothing such still has its Option: its name is an atom."""
    files = list(files)
    functions = [fn for f in files for fn in f.functions]
    installs = keyword_installs(functions, keyword_calls)
    if not installs:
        return ()
    by_key = _by_key(functions)
    sides = handler_sides(by_key, installs)
    writes = [w for f in files for w in f.writes if not w.local]
    fresh = {(w.file, w.function, w.target) for f in files for w in f.writes
             if w.local and w.op in ("=", "decl") and w.value is not None and isinstance(strip(w.value), Call)}
    other: set[tuple[str, str]] = set()  # (field, owner) something else gives a value
    effects: dict[str, list[OptionEffect]] = defaultdict(list)
    for w in writes:
        field = w.target.rsplit(".", 1)[-1]
        if "." not in w.target or w.value is None:
            continue
        key = _resolve(by_key, w.function, w.file)
        keywords = sides.get(key, ()) if key else ()
        zero = evaluate(w.value) == 0 and w.op == "="
        if zero or _same_field_copy(w, field):
            continue
        if not keywords or (w.file, w.function, w.base) in fresh:
            other.add((field, w.owner))
            continue
        for k in keywords:
            effects[k].append(OptionEffect("." + field, w.op, w.text, evaluate(w.value) if w.op == "|=" else None,
                                           owner=w.owner))
    bit_calls = frozenset(bit_set)
    set_bits: set[tuple[str, str, str]] = set()  # (field, owner, bit) set outside the handlers
    for key, fn in by_key.items():
        keywords = sides.get(key, ())
        for call in fn.calls:
            if call.indirect or call.callee not in bit_calls or len(call.exprs) < 2:
                continue
            bit, target = evaluate(call.exprs[0]), _field_of(call.exprs[1])
            if bit is None or bit < 0 or target is None:
                continue
            base = strip(target.base)
            built = isinstance(base, Name) and (fn.file, fn.name, base.name) in fresh
            if not keywords or built:
                set_bits.add((target.field, target.owner, call.args[0].text))
                continue
            for k in keywords:
                effects[k].append(OptionEffect("." + target.field, "set_bit", call.args[0].text, 1 << bit,
                                               owner=target.owner))

    owners: dict[str, set[str]] = defaultdict(set)  # field -> structs something else gives it a value in
    for field, owner in other:
        owners[field].add(owner)
    bits: dict[tuple[str, str], set[str]] = defaultdict(set)  # (field, bit) -> structs
    for field, owner, bit in set_bits:
        bits[(field, bit)].add(owner)

    def own(e: OptionEffect) -> bool:
        """Nothing else gives the field (the bit) a value in a struct that may be the effect's
        (an unknown struct on either side may be any)."""
        elsewhere = bits.get((e.target[1:], e.value), set()) if e.op == "set_bit" else owners.get(e.target[1:], set())
        return not elsewhere or bool(e.owner) and "" not in elsewhere and e.owner not in elsewhere

    first: dict[str, KeywordInstall] = {}
    files_of: dict[str, list[str]] = defaultdict(list)
    for install in installs:
        first.setdefault(install.keyword, install)
        if install.call.file not in files_of[install.keyword]:
            files_of[install.keyword].append(install.call.file)
    return tuple(Option((k,), "config", True, tuple(dict.fromkeys(e for e in effects.get(k, ()) if own(e))),
                        files_of[k][0], tuple(files_of[k][1:]))
                 for k in sorted(first))


def keyword_handlers(installs: Iterable[KeywordInstall]) -> dict[str, dict[SiteKey | None, tuple[str, ...]]]:
    """Handler key -> {installing call's key: the keywords it installs the handler for}, with
    None -> every keyword installing it (for a call through the parser's table, which any of
    them may have filled)."""
    out: dict[str, dict[SiteKey | None, list[str]]] = defaultdict(lambda: defaultdict(list))
    for install in installs:
        for where in (install.call, None):
            if install.keyword not in out[install.handler][where]:
                out[install.handler][where].append(install.keyword)
    return {h: {w: tuple(sorted(ks)) for w, ks in d.items()} for h, d in out.items()}


def handler_sides(by_key: Functions, installs: Iterable[KeywordInstall]) -> dict[str, frozenset[str]]:
    """Function key (`by_key`: callgraph.Functions) -> the keywords under which it runs: the
    handlers (with the keywords of the handlers calling them directly), and the functions every
    direct call of which is in one (helpers), up to HELPER_DEPTH calls away; a function whose
    address is taken anywhere is no helper (something else may call it)."""
    sides: dict[str, set[str]] = defaultdict(set)
    for install in installs:
        sides[install.handler].add(install.keyword)
    callers: dict[str, set[str]] = defaultdict(set)
    named: set[str] = set()
    for key, fn in by_key.items():
        for call in fn.calls:
            if not call.indirect:
                callee = _resolve(by_key, call.callee, call.file)
                if callee is not None and callee != key:
                    callers[callee].add(key)
            named.update(_resolve(by_key, t, call.file) or t for refs in call.arg_refs for t in refs)
    handlers = set(sides)
    for key in sorted(handlers):  # a handler another keyword's handler calls too (an alias:
        # keepalived's thread_timer_expired handler calls vrrp_timer_expired_backup_handler())
        sides[key] |= set().union(*(sides[c] for c in callers.get(key, ()) if c in handlers))
    for _ in range(HELPER_DEPTH):
        for key, who in sorted(callers.items()):
            if key in sides or key in named or key not in by_key or not who <= set(sides):
                continue
            sides[key] = set().union(*(sides[c] for c in who))
    return {k: frozenset(v) for k, v in sides.items() if v or k in handlers}


def _same_field_copy(w: Write, field: str) -> bool:
    """A value copying a field of the same name (a reload carrying the old configuration's value
    over: `vrrp->x = old_vrrp->x`)."""
    value = strip(w.value)
    return isinstance(value, Member) and value.field == field


def _field_of(e) -> Member | None:
    """The field an address points at (`&current_vrrp->flags`), or None."""
    for x in walk(e):
        if isinstance(x, Member):
            return x
    return None


def _by_key(functions: Iterable[FunctionFacts]) -> Functions:
    return Functions(functions)


def _resolve(by_key: Functions, name: str, file: str) -> str | None:
    """The key a function name used in `file` refers to: the file's own static function first,
    then the external one, then the only static one of that name (a header's), as the call
    graph resolves it (callgraph.CallGraph.key_for)."""
    if f"{file}:{name}" in by_key:
        return f"{file}:{name}"
    if name in by_key:
        return name
    statics = by_key.statics.get(name, ())
    return statics[0] if len(statics) == 1 else None
