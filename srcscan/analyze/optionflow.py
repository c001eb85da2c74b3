"""Where options' values flow beyond the variable or field an option's code writes: fields
that only ever hold a copy of an option's value (`with_copies`), what an option's case sets
through the helpers it calls (`helper_effects`), and variables derived from option variables
(`derived_effects`).

Plain data in (the per-file facts, Option records), Option records or effects out; no I/O.
analyze.options.find_options applies them to the option table.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from dataclasses import replace
from typing import Iterable

from srcscan.analyze.optiontypes import Option, OptionEffect
from srcscan.cexpr import Binary, Const, Member, Name, Unary, evaluate, strip, walk
from srcscan.model import FileFacts


def with_copies(found: dict[tuple[str, str], Option], files: list[FileFacts]) -> dict[tuple[str, str], Option]:
    """Options with the fields that only ever hold a copy of their value: lighttpd's
    `srv_socket->is_ssl = s->ssl_enabled` (network.c), where `ssl_enabled` is ssl.engine's and
    nothing else writes `is_ssl` but 0, makes a test of `is_ssl` a test of ssl.engine; and
    `con->is_ssl_sock = srv_socket->is_ssl` in turn. A field (by name) or file-scope variable
    qualifies when every write to it in the tree copies an option's field or variable or is 0.
    Only config keys' fields that nothing but their key switches' cases sets (or clears) are
    copied from: lighttpd's `srvconf.max_conns` is also given a value when the key is not
    set (server.c), so `lim_conns = srvconf.max_conns` holds one whatever the configuration."""
    copied = _key_copies(files)
    writes: dict[str, list] = defaultdict(list)
    for f in files:
        for w in f.writes:
            if not w.local:
                writes[_slot(w.target)].append(w)
    sources: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for key, option in found.items():
        for e in option.effects:
            slot = _slot(e.target)
            if option.kind == "config" and not e.mask and all(
                    (w.file, w.function, slot) in copied or w.op == "=" and evaluate(w.value) == 0
                    for w in writes.get(slot, ())):
                sources[slot].add(key)
    owned = {_slot(e.target) for o in found.values() for e in o.effects}
    added: dict[tuple[str, str], list[OptionEffect]] = defaultdict(list)
    for _ in range(3):  # a copy of a copy
        for slot, ws in sorted(writes.items()):
            if slot in sources or slot in owned:
                continue
            names: set[tuple[str, str]] = set()
            for w in ws:
                copied = _copied_slot(w.value) if w.op == "=" else None
                if w.op == "=" and evaluate(w.value) == 0:
                    continue
                if copied is None or copied not in sources:
                    names = set()
                    break
                names |= sources[copied]
            if names:
                sources[slot] = names
                for key in names:
                    added[key].append(OptionEffect(slot, "=", ws[0].text))
    return {key: (replace(o, effects=o.effects + tuple(dict.fromkeys(added[key]))) if key in added else o)
            for key, o in found.items()}


def with_resets(found: dict[tuple[str, str], Option], files: list[FileFacts],
                defaults_functions: tuple[str, ...] = ()) -> dict[tuple[str, str], Option]:
    """Config keys with an effect "reset" when code outside their key switches sets their
    field back to the integer 0 under a condition: lighttpd's server.c sets
    `srv->srvconf.max_worker = 0` for -1, for an idle limit and for `server.max-worker = 1`,
    so `0 == srv->srvconf.max_worker` holds with the key given too (optiontests reads it as
    no requirement, not as "server.max-worker not given"). A defaults function's write and
    a NULL pointer (a cleanup) are no reset."""
    copied = _key_copies(files)
    resets: dict[str, list] = defaultdict(list)
    for f in files:
        for w in f.writes:
            if w.local or not w.guarded or w.op != "=" or evaluate(w.value) != 0 or not _is_integer(w.value) \
                    or w.text.strip() == "NULL" or (w.file, w.function, _slot(w.target)) in copied \
                    or any(fnmatch.fnmatchcase(w.function, p) for p in defaults_functions):
                continue
            resets[_slot(w.target)].append(w)
    # A write to a struct some key fills is that key's reset only (lighttpd 1.4.19's main() sets
    # `srv->srvconf.port = 0`: server.port's, not that of fastcgi.server's `port`, a field of its
    # host struct); one to a struct no key fills may reset any key of the field's name.
    owners: dict[str, set[str]] = defaultdict(set)
    for o in found.values():
        for e in o.effects:
            owners[_slot(e.target)].add(e.owner)
    out = {}
    for key, o in found.items():
        mine = {(_slot(e.target), e.owner) for e in o.effects if not e.mask}
        added = tuple(OptionEffect(slot, "reset", f"0 ({w.file}:{w.line} in {w.function}())")
                      for slot in dict.fromkeys(_slot(e.target) for e in o.effects if not e.mask)
                      for w in [w for w in resets.get(slot, ()) if not w.owner or w.owner not in owners[slot]
                                or (slot, w.owner) in mine or (slot, "") in mine][:1]) if o.kind == "config" else ()
        out[key] = replace(o, effects=o.effects + added) if added else o
    return out


def _slot(target: str) -> str:
    """A write's or effect's target as a field name (`.is_ssl`, from `srv.sockets.is_ssl` too)
    or a file-scope variable's name."""
    return "." + target.rsplit(".", 1)[-1] if "." in target else target


def _copied_slot(value) -> str | None:
    """The field or variable a value copies: `s->ssl_enabled`, `(int)x`, `!!x`, `0 != x`."""
    value = strip(value)
    while isinstance(value, Unary) and value.op == "!" and isinstance(strip(value.operand), Unary) \
            and strip(value.operand).op == "!":
        value = strip(strip(value.operand).operand)
    if isinstance(value, Binary) and value.op == "!=":
        for a, b in ((value.left, value.right), (value.right, value.left)):
            if evaluate(b) == 0:
                return _copied_slot(a)
    if isinstance(value, Member):
        return "." + value.field
    if isinstance(value, Name) and value.ref == "var":
        return value.name
    return None


def helper_effects(files: list[FileFacts], parser: FileFacts, getopt_calls: frozenset[str]) -> dict[int, list[OptionEffect]]:
    """Effects an option has through the helpers its case calls: `case 'u': set_umask(optarg);`
    with `set_umask` writing `umask_cmdline = 1` (one call deep); and any value a helper gives
    to a variable zero at start that only the helpers of option cases write (keepalived's
    `case 6: set_debug_options(optarg)` writing `epoll_debug = processes`: --debug)."""
    writes: dict[str, list] = defaultdict(list)
    for f in files:
        for w in f.writes:
            if not w.local:
                writes[w.function].append(w)
    zero = zero_at_start(files)
    helpers = {c.callee for fn in parser.functions if fn.file == parser.path and any(c.callee in getopt_calls for c in fn.calls)
               for c in fn.calls if not c.indirect and any(g.kind == "case" for g in c.guards)}
    writers: dict[str, set[str]] = defaultdict(set)
    for ws in writes.values():
        for w in ws:
            writers[w.target].add(w.function)
    out: dict[int, list[OptionEffect]] = defaultdict(list)
    for fn in parser.functions:
        if fn.file != parser.path or not any(c.callee in getopt_calls for c in fn.calls):
            continue
        raised = _raised_elsewhere(writes, helpers | {fn.name})
        for call in fn.calls:
            case = next((g for g in reversed(call.guards) if g.kind == "case"), None)
            if case is None or call.indirect or call.callee == fn.name:
                continue
            for w in writes.get(call.callee, ()):
                value = evaluate(w.value)
                only_options = w.target in zero and writers[w.target] <= helpers and w.op == "=" and value is None
                if w.target.startswith(".") or not (value and _is_integer(w.value) or only_options):
                    continue  # a non-zero constant given to a file-scope variable (a flag the option raises),
                    # or a value given to one nothing but options sets
                if w.target in raised:
                    continue  # other code raises the flag too (keepalived's write_conf_copy: set_config_fd()
                    # for --config-fd, and init_data() whenever it keeps a copy of the configuration)
                if only_options:
                    effect = OptionEffect(w.target, w.op, w.text)
                    for label in case.labels:
                        if isinstance(label, int):
                            out[label].append(effect)
                    continue
                effect = OptionEffect(w.target, w.op, w.text, value if w.op == "|=" else None)
                for label in case.labels:
                    if isinstance(label, int):
                        out[label].append(effect)
    return out


def _raised_elsewhere(writes: dict[str, list], options_code: set[str]) -> frozenset[str]:
    """File-scope variables a function outside `options_code` (the option parser and its cases'
    helpers) gives a value that is not a constant 0: such a flag tells nothing of the options."""
    return frozenset(w.target for function, ws in writes.items() if function not in options_code
                     for w in ws if not (w.op in ("=", "&=") and evaluate(w.value) == 0))


def _unseen_definitions(files: Iterable[FileFacts]) -> frozenset[str]:
    """File-scope variables some function writes whose definition and declarations no parse
    saw (keepalived's `bool do_checker_debug;`, under `#ifdef _CHECKER_DEBUG_` in a file only
    the default build parsed, written in the option parser's debug-build parse): taken as zero
    at start, as C makes a file-scope variable without an initializer, the way such flags are
    written."""
    files = list(files)
    seen: set[str] = set()
    for f in files:
        if f.logsetup is not None:
            seen.update(f.logsetup.zero_globals)
            seen.update(f.logsetup.globals)
            seen.update(f.logsetup.tables)
    return frozenset(w.target for f in files for w in f.writes
                     if not w.local and "." not in w.target and w.target not in seen)


def zero_at_start(files: Iterable[FileFacts]) -> frozenset[str]:
    """File-scope variables without an initializer or initialised to 0 (C: zero at start)."""
    out = set()
    for f in files:
        if f.logsetup is None:
            continue
        out.update(f.logsetup.zero_globals)
        out.update(name for name, value in f.logsetup.globals.items() if value == ("int", 0))
    return frozenset(out)


def derived_effects(options: tuple[Option, ...], files: Iterable[FileFacts]) -> tuple[Option, ...]:
    """The options with the variables derived from what they set: a variable zero at start
    whose every write gives it a value that is 0 while some options' variables are 0 carries
    those options (keepalived's `do_epoll_debug = !!(epoll_debug & mask)`, epoll_debug set only
    by --debug: a test of do_epoll_debug needs --debug). Followed three steps deep."""
    files = list(files)
    zero = zero_at_start(files) | _unseen_definitions(files)
    writes: dict[str, list] = defaultdict(list)
    for f in files:
        for w in f.writes:
            if not w.local and not w.target.startswith(".") and "." not in w.target:
                writes[w.target].append(w)
    by_var: dict[str, list[Option]] = defaultdict(list)
    for o in options:
        for e in o.effects:
            if not e.mask and not e.target.startswith("."):
                by_var[e.target].append(o)
    added: dict[str, list[OptionEffect]] = defaultdict(list)
    for _ in range(3):
        grown = False
        for var, ws in sorted(writes.items()):
            if var not in zero or var in by_var or not ws:
                continue
            carried: set[str] = set()
            for w in ws:
                if w.op != "=":
                    break
                if evaluate(w.value) == 0:
                    continue  # reset to zero: carries nothing
                sources = _zero_unless(w.value, frozenset(by_var))
                if not sources:
                    break
                carried.update(sources)
            else:
                if not carried:
                    continue
                for source in sorted(carried):
                    for o in by_var[source]:
                        if o not in by_var[var]:
                            by_var[var].append(o)
                            added[o.name].append(OptionEffect(var, "=", f"derived from {source}"))
                grown = True
        if not grown:
            break
    if not added:
        return options
    return tuple(Option(o.names, o.kind, o.takes_value, tuple(dict.fromkeys(o.effects + tuple(added.get(o.name, ())))),
                        o.file, o.also, o.code) for o in options)


def _zero_unless(e, names: frozenset[str]) -> frozenset[str] | None:
    """Variables of `names` such that C expression `e` is 0 while all of them are 0, whatever
    else it reads; None when there are none. `x`, `!!x`, `x & mask`, `!!(x & mask)`,
    `x && y`, `(bool)x` give {x}; `!!(x & m) | y` gives {x, y} (keepalived's
    do_track_process_debug)."""
    e = strip(e)
    if isinstance(e, Name):
        return frozenset({e.name}) if e.name in names else None
    if isinstance(e, Unary) and e.op == "!" and isinstance(strip(e.operand), Unary) and strip(e.operand).op == "!":
        return _zero_unless(strip(e.operand).operand, names)
    if isinstance(e, Binary) and e.op in ("&", "&&", "*"):
        sides = [x for x in (_zero_unless(e.left, names), _zero_unless(e.right, names)) if x]
        return min(sides, key=lambda x: (len(x), sorted(x))) if sides else None
    if isinstance(e, Binary) and e.op in ("|", "||", "+"):
        left, right = _zero_unless(e.left, names), _zero_unless(e.right, names)
        return left | right if left and right else None
    return None


def _is_integer(e) -> bool:
    """A constant integer as written (a literal, an enumerator, a macro, true/false), not a
    string or an address, which evaluate as non-null."""
    return not any(isinstance(x, Const) and x.value is None or isinstance(x, Unary) and x.op == "&" for x in walk(e))


def _key_copies(files: list[FileFacts]) -> set[tuple[str, str, str]]:
    """(file, function, slot) of every write a key switch's case makes from a config key's
    value (`key_fields` entries recorded at `@function@line`): copies of the key, not resets."""
    return {(f.path, where[1:].rsplit("@", 1)[0], _slot(target))
            for f in files for where, _, target, *_ in (f.options.key_fields if f.options is not None else ())
            if where.startswith("@")}
