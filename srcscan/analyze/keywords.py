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
from typing import Iterable, Mapping

from srcscan.analyze.callgraph import Functions
from srcscan.analyze.keywordlists import list_fill_effects
from srcscan.analyze.keywordsides import field_of, handler_sides, resolve, spread_labels
from srcscan.analyze.optiontypes import Option, OptionEffect
from srcscan.cexpr import Binary, Call, Const, Member, Name, evaluate, render, strip, walk
from srcscan.model import FileFacts, FunctionFacts, SiteKey, Write


@dataclass(frozen=True)
class KeywordInstall:
    """One call installing a keyword: its name, the handler's call-graph key (file-qualified for
    a static function), where (the installing call's key), and the blocks it is installed in:
    each a chain of enclosing keywords, outermost first (`("virtual_server", "real_server")`
    for a real_server's `weight`; `()` for a block keyword of the top level). No chain when
    srcscan does not know (the rules name no levels, or no replay reaches the call)."""

    keyword: str
    handler: str
    call: SiteKey
    within: tuple[tuple[str, ...], ...] = ()

    @property
    def paths(self) -> tuple[tuple[str, ...], ...]:
        """The keywords a configuration has when it has this one here: each enclosing chain
        with the keyword itself (the keyword alone when no chain is known)."""
        return tuple(chain + (self.keyword,) for chain in self.within) or ((self.keyword,),)


@dataclass(frozen=True)
class Levels:
    """The rules' calls that nest keywords (`[config]`, keepalived's lib/parser.c):
    `roots` install a keyword at the top level (install_keyword_root), `opens` make the next
    keywords belong to the last one installed (install_sublevel), `closes` go back a level
    (install_sublevel_end), `end_handlers` register a function run when the block of the last
    keyword at the current level ends (install_level_end_handler(&vrrp_end_handler))."""

    roots: frozenset[str] = frozenset()
    opens: frozenset[str] = frozenset()
    closes: frozenset[str] = frozenset()
    end_handlers: frozenset[str] = frozenset()

    @classmethod
    def of(cls, config) -> "Levels":
        """From the rules' ConfigRules (any object with those attributes; none: no levels)."""
        return cls(*(frozenset(getattr(config, name, ())) for name in
                     ("keyword_root_calls", "keyword_level_calls", "keyword_level_end_calls", "keyword_end_handler_calls")))

    def __bool__(self) -> bool:
        return bool(self.roots or self.opens)


@dataclass(frozen=True)
class EndHandler:
    """A function registered to run when a block ends (its call-graph key), where (the
    registering call's key), and the keywords a configuration has for that block to end: each
    a chain, outermost first, ending with the block's own keyword."""

    handler: str
    call: SiteKey
    paths: tuple[tuple[str, ...], ...]


def keyword_installs(functions: Iterable[FunctionFacts], keyword_calls: Iterable[str],
                     levels: Levels = Levels()) -> tuple[KeywordInstall, ...]:
    """Every call of a `keyword_calls` function (rules' `[config] keyword_calls`) whose first
    argument is a string literal, or a parameter every direct caller passes a literal in
    (keepalived's install_http_ssl_check_keyword("HTTP_GET") calling install_keyword(keyword,
    &http_get_handler): one install per literal), and whose second names a function of the tree;
    a call passing its handler on from a parameter (the wrapper install_keyword_conditional)
    installs nothing by itself: its callers' calls do, when the rules list it. With `levels`,
    each install's enclosing keywords (replay_levels)."""
    calls = frozenset(keyword_calls)
    functions = list(functions)
    if not calls:
        return ()
    within, _ = replay_levels(functions, calls, levels)
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
    passed_at: dict[tuple[str, str], list[SiteKey]] = defaultdict(list)  # (wrapper, name) -> calls passing it
    for fn in functions if wanted else ():
        for call in fn.calls:
            callee = None if call.indirect else resolve(by_key, call.callee, call.file)
            for key, index in wanted:
                if callee == key and index < len(call.args) and call.args[index].string:
                    passed_at[(key, call.args[index].string)].append(call.key)
                    if call.args[index].string not in passed[(key, index)]:
                        passed[(key, index)].append(call.args[index].string)
    out: dict[tuple[str, str, SiteKey], KeywordInstall] = {}
    for fn, call, names in found:
        wrapped = names is None
        if wrapped:
            names = passed.get((fn.key, fn.params.index(call.exprs[0].name)), [])
        for name in names:
            chains = set(within.get((call.key, name), ()))
            if wrapped:  # where the wrapper's callers install it (bfd_parser.c's install_keyword_conditional)
                chains.update(c for at in passed_at[(fn.key, name)] for c in within.get((at, name), ()))
            for target in call.arg_refs[1]:
                handler = resolve(by_key, target, call.file)
                if handler is not None:
                    out.setdefault((name, handler, call.key), KeywordInstall(name, handler, call.key, tuple(sorted(chains))))
    return tuple(out.values())


def replay_levels(functions: Iterable[FunctionFacts], keyword_calls: Iterable[str], levels: Levels) \
        -> tuple[dict[tuple[SiteKey, str], frozenset[tuple[str, ...]]], tuple[EndHandler, ...]]:
    """Where each keyword is installed in the configuration's nesting: the installing functions'
    calls replayed in the order of the source, as the daemon runs them (keepalived's
    init_check_keywords: `install_keyword_root("virtual_server", ...)`, its keywords,
    `install_keyword("real_server", ...)`, `install_sublevel()`, the real server's keywords,
    install_checkers_keyword() installing each checker's block the same way,
    `install_sublevel_end()`), with a stack: the last keyword installed at each level. A function
    that installs (itself or through functions it calls directly) is replayed where it is
    called, with the string literals its caller passes in its parameters; the replay starts at
    each such function no other one calls. Every call of a function is taken, whatever its
    guards (`if (active)`, an `#ifdef` of one build): the nesting is the same in each.

    Returns ((install call's key, keyword) -> its chains of enclosing keywords, outermost
    first, `()` at the top level; the end handlers registered (EndHandler)). Empty without
    `levels` (the rules name no nesting calls)."""
    if not levels:
        return {}, ()
    calls = frozenset(keyword_calls) | levels.roots
    primitive = calls | levels.opens | levels.closes | levels.end_handlers
    by_key = _by_key(list(functions))
    ordered: dict[str, list] = {}
    for key, fn in by_key.items():
        seen: set[tuple[int, int, str]] = set()
        ordered[key] = []
        for call in sorted(fn.calls, key=lambda c: (c.line, c.col)):
            if not call.indirect and (call.line, call.col, call.callee) not in seen:
                seen.add((call.line, call.col, call.callee))
                ordered[key].append((call, resolve(by_key, call.callee, call.file)))
    installing = {k for k, cs in ordered.items()
                  if by_key[k].name not in primitive and any(c.callee in primitive for c, _ in cs)}
    grew = True
    while grew:
        more = {k for k, cs in ordered.items() if k not in installing and by_key[k].name not in primitive
                and any(callee in installing for _, callee in cs)}
        installing |= more
        grew = bool(more)
    called = {callee for k in installing for _, callee in ordered[k] if callee in installing and callee != k}
    chains: dict[tuple[SiteKey, str], set[tuple[str, ...]]] = defaultdict(set)
    ends: dict[tuple[str, SiteKey], set[tuple[str, ...]]] = defaultdict(set)
    path: list[str | None] = []  # the last keyword installed at each level; None: not known
    level = 0

    def replay(key: str, env: dict[str, str], stack: frozenset[str]) -> None:
        nonlocal path, level
        for call, callee in ordered[key]:
            if call.callee in calls:
                keyword = _literal(call, 0, env)
                if call.callee in levels.roots:
                    chain: tuple | None = ()
                    path, level = [keyword], 0
                else:
                    chain = tuple(path[:level + 1]) if len(path) > level else None
                    path = (path[:level + 1] if len(path) > level else path + [None] * (level + 1 - len(path))) \
                        + [keyword]
                if keyword is not None and chain is not None and None not in chain:
                    chains[(call.key, keyword)].add(chain)
            elif call.callee in levels.opens:
                level += 1
            elif call.callee in levels.closes:
                level = max(0, level - 1)
            elif call.callee in levels.end_handlers:
                block = tuple(path[:level + 1])
                if len(block) == level + 1 and None not in block:
                    for target in call.arg_refs[0] if call.arg_refs else ():
                        handler = resolve(by_key, target, call.file)
                        if handler is not None:
                            ends[(handler, call.key)].add(block)
            elif callee in installing and callee not in stack:
                params = by_key[callee].params
                passed = {p: v for i, p in enumerate(params) if i < len(call.args)
                          and (v := _literal(call, i, env)) is not None}
                replay(callee, passed, stack | {callee})

    for root in sorted(installing - called):
        path, level = [], 0
        replay(root, {}, frozenset({root}))
    return ({k: frozenset(v) for k, v in chains.items()},
            tuple(EndHandler(h, call, tuple(sorted(v))) for (h, call), v in sorted(ends.items())))


def _literal(call, index: int, env: Mapping[str, str]) -> str | None:
    """The string argument `index` of `call`: a literal, or a parameter of the replayed
    function its caller passed a literal in (`env`)."""
    if index >= len(call.args):
        return None
    if call.args[index].string:
        return call.args[index].string
    e = call.exprs[index] if index < len(call.exprs) else None
    if isinstance(e, Name) and e.ref == "param":
        return env.get(e.name)
    return None


def keyword_options(files: Iterable[FileFacts], keyword_calls: Iterable[str], bit_set: Iterable[str] = (),
                    levels: Levels = Levels(), list_fills: Iterable[tuple[str, int]] = ()) -> tuple[Option, ...]:
    """One config Option per keyword the `keyword_calls` install (kind "config", named by the
    keyword, its file the installing call's), with the fields its handler, and the helpers only
    handlers call (up to keywordsides.HELPER_DEPTH deep), store a value in that nothing else gives one
    (OptionEffect target `.field`, owner the field's struct), and the bits they set with a
    rules' `bit_set` function (`__set_bit(VRRP_IPVLAN_BIT, &current_vrrp->flags)`), and the
    list heads they, or a block's end handler, put entries in with a rules' `list_fills`
    function (list_fill_effects). A keyword
    whose handler stores nothing such still has its Option: its name is an atom, and so is a
    block's keyword installed without a handler (`levels`: replay_levels; keepalived's
    `global_defs`), whose file is that of the first keyword installed in it."""
    files = list(files)
    functions = [fn for f in files for fn in f.functions]
    installs = keyword_installs(functions, keyword_calls, levels)
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
        key = resolve(by_key, w.function, w.file)
        keywords = sides.get(key, ()) if key else ()
        zero = evaluate(w.value) == 0 and w.op == "="
        if zero or _same_field_copy(w, field) or _replaces_set_value(w, field):
            continue
        if not keywords or (w.file, w.function, w.base) in fresh:
            other.add((field, w.owner))
            continue
        for k in keywords:
            effects[k].append(OptionEffect("." + field, w.op, w.text, evaluate(w.value) if w.op == "|=" else None,
                                           owner=w.owner))
    bit_calls = frozenset(bit_set)
    stack = {(w.file, w.function, w.target.split(".")[0]) for f in files for w in f.writes if w.local}

    def on_stack(fn: FunctionFacts, target: Member) -> bool:
        """`local.flags`: a field of a struct object on the function's own stack."""
        base = strip(target.base)
        return not target.arrow and isinstance(base, Name) and (fn.file, fn.name, base.name) in stack

    set_bits: set[tuple[str, str, str]] = set()  # (field, owner, bit) set outside the handlers
    for key, fn in by_key.items():
        keywords = sides.get(key, ())
        for call in fn.calls:
            if call.indirect or call.callee not in bit_calls or len(call.exprs) < 2:
                continue
            bit, target = evaluate(call.exprs[0]), field_of(call.exprs[1])
            if bit is None or bit < 0 or target is None:
                continue
            base = strip(target.base)
            built = isinstance(base, Name) and (fn.file, fn.name, base.name) in fresh
            if not keywords or built:
                if not (on_stack(fn, target) and not _bit_observed(fn, strip(target.base).name, call, by_key)):
                    set_bits.add((target.field, target.owner, call.args[0].text))
                continue
            for k in keywords:
                effects[k].append(OptionEffect("." + target.field, "set_bit", call.args[0].text, 1 << bit,
                                               owner=target.owner))

    list_fills = tuple(list_fills)
    seeds: dict[str, set] = defaultdict(set)
    for install in installs:
        seeds[install.handler].add(install.keyword)
    for end in replay_levels(functions, frozenset(keyword_calls), levels)[1] if levels and list_fills else ():
        seeds[end.handler].update(path[-1] for path in end.paths)  # an end handler runs when its block ends
    filled, unlisted = list_fill_effects(by_key, spread_labels(by_key, seeds) if list_fills else {}, fresh, list_fills,
                                         lambda name, file: resolve(by_key, name, file), stack,
                                         _value_tests(effects, other))
    for k, found in filled.items():
        effects[k].extend(found)
    other |= unlisted
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
    for install in installs:  # a block installed without a handler (keepalived's global_defs)
        for k in (k for chain in install.within for k in chain if k not in first):
            first[k] = install
            files_of[k].append(install.call.file)
    return tuple(Option((k,), "config", True, tuple(dict.fromkeys(e for e in effects.get(k, ()) if own(e))),
                        files_of[k][0], tuple(files_of[k][1:]))
                 for k in sorted(first))


def keyword_handlers(installs: Iterable[KeywordInstall], ends: Iterable[EndHandler] = ()) \
        -> dict[str, dict[SiteKey | None, tuple[tuple[str, ...], ...]]]:
    """Handler key -> {installing call's key: the keywords a configuration has when that call's
    handler runs, as alternatives (KeywordInstall.paths: `("virtual_server", "real_server",
    "weight")`)}, with None -> those of every call installing it (for a call through the
    parser's table of keywords, which any of them may have filled). An end handler
    (`ends`, replay_levels) runs when its block ends: its block's keywords."""
    out: dict[str, dict[SiteKey | None, list[tuple[str, ...]]]] = defaultdict(lambda: defaultdict(list))
    found = [(i.handler, i.call, i.paths) for i in installs] + [(e.handler, e.call, e.paths) for e in ends]
    for handler, call, paths in found:
        for where in (call, None):
            for path in paths:
                if path not in out[handler][where]:
                    out[handler][where].append(path)
    return {h: {w: tuple(sorted(ps)) for w, ps in d.items()} for h, d in out.items()}


def _value_tests(effects: Mapping[str, list[OptionEffect]], other: set[tuple[str, str]]):
    """A reader of conditions: the keywords one of which `global_data->vrrp_garp_interval ||
    global_data->vrrp_gna_interval` holding needs (each a field only its keyword's handlers
    store a value in: `effects` "=", no pair of `other`: (field, struct) stored elsewhere), or
    None for a condition that is no such test."""
    valued: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for k, found in effects.items():
        for e in found:
            if e.op == "=" and e.target.startswith("."):
                valued[e.target[1:]].append((e.owner, k))
    elsewhere: dict[str, set[str]] = defaultdict(set)
    for field, owner in other:
        elsewhere[field].add(owner)

    def tested(e) -> set[str] | None:
        e = strip(e)
        if isinstance(e, Binary) and e.op in ("||", "&&"):
            left, right = tested(e.left), tested(e.right)
            if e.op == "||":
                return left | right if left and right else None
            return left or right
        if isinstance(e, Binary) and e.op in ("!=", ">") and evaluate(e.right) == 0:
            return tested(e.left)
        if not isinstance(e, Member) or e.field in elsewhere and (not e.owner or "" in elsewhere[e.field]
                                                                  or e.owner in elsewhere[e.field]):
            return None
        found = {k for owner, k in valued.get(e.field, ()) if not owner or not e.owner or owner == e.owner}
        return found or None
    return tested


def _bit_observed(fn: FunctionFacts, local: str, setting, by_key: Functions) -> bool:
    """Whether a bit set in a struct object on `fn`'s stack (`set_bit(VMAC, &addr_vrrp.flags)`,
    the call `setting`) can be seen by a test of it: one in `fn` of that object, or one in a
    function the object is handed to (through the parameter it is passed in, and on to the
    functions that one hands it to: a library function's call tests nothing). True when the
    object goes to an indirect call. Only tests guarding a call are seen (CallSite.guards).
    `fn`: the setting function; `local`: the stack variable's name; `by_key`: the tree's
    functions by call-graph key. (keepalived 2.3.4's shutdown_vrrp_instances hands its stack
    vrrp_t to netlink_link_del_vmac(), which does test VRRP_VMAC_BIT, at vrrp_vmac.c:774 under
    _WITH_FIREWALL_: that object is observed; the fixture reqk-objects has one that is not.)"""
    bit = setting.args[0].text
    todo: list[tuple[str, int]] = []
    if _hands_on(fn, local, bit, setting.key, by_key, todo):
        return True
    seen: set[tuple[str, int]] = set()
    while todo:
        key, index = todo.pop()
        callee = by_key.get(key)
        if (key, index) in seen or callee is None or index >= len(callee.params):
            continue
        seen.add((key, index))
        if _hands_on(callee, callee.params[index], bit, None, by_key, todo):
            return True
    return False


def _hands_on(fn: FunctionFacts, holder: str, bit: str, setting, by_key: Functions,
              todo: list[tuple[str, int]]) -> bool:
    """Whether `fn` tests `bit` in what the variable `holder` names (a call or a guard naming
    both), or hands it to an indirect call; the direct calls it is handed to go on `todo` as
    (function key, parameter index)."""
    def names(e, name: str) -> bool:
        return any(isinstance(x, Name) and x.name == name or isinstance(x, Const) and x.text == name for x in walk(e))

    for call in fn.calls:
        if setting is not None and call.key == setting:
            continue
        if any(g.expr is not None and names(g.expr, holder) and names(g.expr, bit) for g in call.guards):
            return True
        passed = [i for i, e in enumerate(call.exprs) if names(e, holder)]
        if not passed:
            continue
        if any(names(e, bit) for e in call.exprs) or call.indirect:
            return True
        key = resolve(by_key, call.callee, fn.file)
        todo.extend((key, i) for i in passed if key is not None)
    return False


def _same_field_copy(w: Write, field: str) -> bool:
    """A value copying a field of the same name (a reload carrying the old configuration's value
    over: `vrrp->x = old_vrrp->x`)."""
    value = strip(w.value)
    return isinstance(value, Member) and value.field == field


def _replaces_set_value(w: Write, field: str) -> bool:
    """A store only made while the field holds a given non-zero constant (`if (data->reload_file ==
    DEFAULT_RELOAD_FILE) data->reload_file = make_name(...)`, keepalived's init_global_data()
    turning the reload_file keyword's placeholder into a path): it replaces one value by another
    and never sets an unset field (C11 6.8.4.1: the store runs only when the test holds)."""
    for guard in w.guards:
        e = strip(guard.expr) if guard.expr is not None else None
        # `==` holding, or `!=` failing (`if (x != C) return;`, an `else`)
        if guard.kind in ("case", "default", "loop") or not isinstance(e, Binary) \
                or (e.op, guard.negated) not in (("==", False), ("!=", True)):
            continue
        for side, other in ((e.left, e.right), (e.right, e.left)):
            side, value = strip(side), evaluate(other)
            if isinstance(side, Member) and side.field == field and value is not None and value != 0 \
                    and (not w.base or render(strip(side.base)) == w.base):
                return True
    return False


def _by_key(functions: Iterable[FunctionFacts]) -> Functions:
    return Functions(functions)

