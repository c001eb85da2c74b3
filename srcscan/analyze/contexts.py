"""Per-request contexts and functions selected by a key's value: what code needs of the
configuration beyond the guards on its path.

A module of a server in lighttpd's shape keeps per-request state in a context (`hctx`) that
it creates only for a request its keys select: gw_backend.c's `gw_check_extension()` runs
only when one of the `*.server` keys gave the module a list of backends, and creates the
`gw_handler_ctx` there (`hctx = handler_ctx_init(hctx_sz);`). Every function that takes such a
context (`gw_write_error(gw_handler_ctx *hctx, ...)`), and the code after a test that a local
context is set (`if (NULL == hctx) return HANDLER_GO_ON;`), runs only where one was created:
it needs what the functions creating it in the same file need. The names are the rules'
`[config] contexts`; a creation is an assignment of a call's result to a local of that name
(the writes facts, options.find_locals).

`[[config.selected]]` names functions that run only when a key has a value: a backend's
handlers registered under a name, which a key's value picks (mod_auth.c's `auth.backend`).

Plain data in (the option index's local values, the call graph, the rules), Requirement
formulas out; no I/O.
"""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from typing import Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.cexpr import Binary, Call, CExpr, Name, Unary, evaluate, strip
from srcscan.model import FunctionFacts, Guard, Write
from srcscan.requirement import Requirement
from srcscan.analyze.optiontests import guard_requirement


# The C library's allocators (ISO C 7.22.3): a context they return is a new one.
ALLOCATORS = frozenset({"malloc", "calloc", "realloc"})


def context_creators(graph: CallGraph, local_values: Mapping[tuple[str, str], Mapping[str, tuple]],
                     names: Iterable[str]) -> dict[str, tuple[tuple[str, str], ...]]:
    """file -> (function key, called function) of the calls whose result its functions assign
    to a local named in `names` (`handler_ctx * const hctx = handler_ctx_init();`): calls of a
    function the tree defines, or of an allocator. A library call handing back a pointer it
    was given (`hctx = SSL_get_app_data(ssl)` in a TLS callback) creates nothing (see
    context_fetchers)."""
    names = frozenset(names)
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    if not names:
        return {}
    for (file, function), values in local_values.items():
        key = graph.key_for(function, file)
        for name in sorted(names & values.keys()):
            for v in values[name]:
                callee = _callee(v)
                if callee and key is not None and _creating(graph, callee, file):
                    out[file].add((key, callee))
    return {f: tuple(sorted(calls)) for f, calls in out.items()}


def context_fetchers(graph: CallGraph, local_values: Mapping[tuple[str, str], Mapping[str, tuple]],
                     names: Iterable[str], creators: Mapping[str, tuple[tuple[str, str], ...]]) -> frozenset[str]:
    """Keys of the functions (creating none) that give a local named in `names` a context
    made elsewhere and handed to them: by a library keeping it for the tree (`handler_ctx
    *hctx = (handler_ctx *) SSL_get_app_data(ssl);`, lighttpd's TLS handshake callbacks, which
    the library runs only on a connection the module gave a context), or from a
    parameter (`hctx = (handler_ctx *)gwhctx`). Such a function runs only where a context was
    created. A local read from a slot or a field (`hctx = r->plugin_ctx[id]`) may be NULL and
    is tested first: guarded_by_context reads those tests."""
    names = frozenset(names)
    out = set()
    for (file, function), values in local_values.items():
        key = graph.key_for(function, file)
        if key is None or creates_context(key, creators.get(file, ())):
            continue
        for name in sorted(names & values.keys()):
            if any(_handed(graph, v, file) for v in values[name] if v is not None):
                out.add(key)
    return frozenset(out)


def _callee(v: CExpr | None) -> str:
    v = strip(v) if v is not None else None
    return v.function.name if isinstance(v, Call) and isinstance(v.function, Name) else ""


def _creating(graph: CallGraph, callee: str, file: str) -> bool:
    return callee in ALLOCATORS or graph.key_for(callee, file) is not None


def _handed(graph: CallGraph, v: CExpr, file: str) -> bool:
    """Whether a local's value is a context handed in: a library call's result, or a
    parameter."""
    v = strip(v)
    if (callee := _callee(v)):
        return not _creating(graph, callee, file)
    return isinstance(v, Name) and v.ref == "param"


def takes_context(fn: FunctionFacts, names: frozenset[str]) -> bool:
    """Whether `fn` has a parameter named like a context (`gw_handler_ctx *hctx`)."""
    return bool(names) and any(p in names for p in fn.params)


def context_requirement(graph: CallGraph, index, creators: tuple[tuple[str, str], ...],
                        req: Mapping[str, Requirement | None]) -> Requirement | None:
    """What creating a file's context needs: any one of the creating calls' requirements (the
    function's, from `req` as inherited() has it so far, and the call's guards: gw_backend.c's
    handler_ctx_init() runs after gw_check_extension's callers returned without a `*.server`
    key); None when no creating function is reached (yet)."""
    parts = []
    for key, callee in creators:
        if req.get(key) is None:
            continue
        fn = graph.functions[key]
        for call in fn.calls:
            if call.callee == callee:
                parts.append(req[key] & Requirement.all_of(guard_requirement(g, index, fn) for g in call.guards))
    return Requirement.any_of(parts).simplified() if parts else None


def creates_context(key: str, creators: tuple[tuple[str, str], ...]) -> bool:
    return any(k == key for k, _ in creators)


def guarded_by_context(guards: Iterable[Guard], names: frozenset[str]) -> bool:
    """Whether some guard holds only when a local context is set: `if (hctx)`, `if (NULL !=
    hctx && ...)`, or the code after `if (NULL == hctx) return ...;`."""
    return bool(names) and any(g.expr is not None and g.kind not in ("case", "default")
                               and _needs_set(g.expr, not g.negated, names) for g in guards)


def _needs_set(e: CExpr, holds: bool, names: frozenset[str]) -> bool:
    """Whether `e` being `holds` (true or false) needs a variable of `names` to be non-NULL."""
    e = strip(e)
    if isinstance(e, Unary) and e.op == "!":
        return _needs_set(e.operand, not holds, names)
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        if (e.op == "&&") == holds:  # both sides hold (a && b), or both fail (!(a || b))
            return _needs_set(e.left, holds, names) or _needs_set(e.right, holds, names)
        return _needs_set(e.left, holds, names) and _needs_set(e.right, holds, names)
    if isinstance(e, Binary) and e.op in ("==", "!="):
        for side, other in ((e.left, e.right), (e.right, e.left)):
            if _is_context(side, names) and evaluate(strip(other)) == 0:
                return holds == (e.op == "!=")
        return False
    return holds and _is_context(e, names)


def _is_context(e: CExpr, names: frozenset[str]) -> bool:
    e = strip(e)
    return isinstance(e, Name) and e.name in names


def handler_choices(writes: Iterable[Write], fields: frozenset[str]) -> dict[tuple[str, str], tuple[Write, ...]]:
    """(file, field) -> the writes storing a value other than 0 or NULL in a field of `fields`
    (the rules' `[config] handler_selectors` choosing fields: lighttpd's `r->handler_module =
    (plugin_data_base *)p;`), through any variable."""
    out: dict[tuple[str, str], list[Write]] = defaultdict(list)
    if not fields:
        return {}
    for w in writes:
        name = w.target.rsplit(".", 1)[-1]
        if not w.local and w.op == "=" and name in fields and w.value is not None and evaluate(strip(w.value)) != 0:
            out[(w.file, name)].append(w)
    return {k: tuple(v) for k, v in out.items()}


def choice_requirement(graph: CallGraph, index, file: str, field: str,
                       req: Mapping[str, Requirement | None]) -> Requirement | None:
    """What choosing a handler of `file` needs: any one of the file's stores in the choosing
    `field` (handler_choices), each the storing function's requirement (`req`, as inherited()
    has it so far) and the store's guards (lighttpd's mod_webdav_physical_handler sets
    `r->handler_module` after `if (!pconf.enabled) return HANDLER_GO_ON;`: webdav.activate).
    TRUE when the file stores none (the choice is made elsewhere); None while no storing
    function is reached (yet)."""
    writes = index.choices.get((file, field), ())
    if not writes:
        return Requirement.TRUE
    parts = []
    for w in writes:
        key = graph.key_for(w.function, w.file)
        if key is None or req.get(key) is None:
            continue
        fn = graph.functions[key]
        parts.append(req[key] & Requirement.all_of(guard_requirement(g, index, fn) for g in w.guards))
    return Requirement.any_of(parts).simplified() if parts else None


def selected_requirements(graph: CallGraph, selected) -> dict[str, Requirement]:
    """function key -> the `key=value` atoms the rules' `[[config.selected]]` entries give
    it (functions matching an entry's patterns, or defined in a file matching its file patterns:
    lighttpd's mod_gnutls.c runs only with `server.modules=mod_gnutls`); the key alone for an
    entry without a value (a directive: lighttpd's `include_shell` line runs config_parse_cmd())."""
    out: dict[str, list[Requirement]] = defaultdict(list)
    for entry in selected:
        if entry.also_keys:
            continue  # its keys stand for it: loaded_by_keys, per message
        atom = Requirement.atom(f"{entry.key}={entry.value}" if entry.value else entry.key)
        for key, fn in graph.functions.items():
            if _selects(entry, fn):
                out[key].append(atom)
    return {k: Requirement.any_of(v) for k, v in out.items()}


def file_selection(selected, file: str) -> tuple[Requirement, tuple[str, ...]]:
    """What the rules' `[[config.selected]]` entries naming `file` by its file patterns give
    every function defined there (lighttpd's mod_gnutls.c: `server.modules=mod_gnutls`), and
    those atoms' texts: TRUE and () when no entry names the file. For code no parse holds (a
    function wholly inside an `#if` branch the build skips), which selected_requirements,
    reading the call graph's functions, never sees."""
    atoms = sorted({f"{e.key}={e.value}" if e.value else e.key for e in selected
                    if not e.also_keys and any(fnmatch.fnmatchcase(file, p) for p in e.files)})
    if not atoms:
        return Requirement.TRUE, ()
    return Requirement.any_of(Requirement.atom(a) for a in atoms), tuple(atoms)


def loaded_by_keys(requirement: Requirement, entry, keys: Iterable[str]) -> Requirement:
    """`requirement` of a message in a file of `entry`, a `[[config.selected]]` entry with
    `also_keys` (lighttpd's mod_openssl.c: loaded by `server.modules=mod_openssl` or by any
    `ssl.*` key), as run only once the module is loaded: an alternative naming the entry's atom
    or a key matching `also_keys` (given, not `!`) already loads it and stays; any other gets
    the entry's atom or one of `keys` (the config keys srcscan knows) matching `also_keys`.
    FALSE stays FALSE."""
    if requirement.is_false:
        return requirement
    own = f"{entry.key}={entry.value}" if entry.value else entry.key
    loading = sorted({k for k in keys if any(fnmatch.fnmatchcase(k, p) for p in entry.also_keys)})
    loaded = Requirement.any_of([Requirement.atom(own), *(Requirement.atom(k) for k in loading)])

    def loads(text: str) -> bool:
        name = re.split(r"[<>=]", text, maxsplit=1)[0]
        return not text.startswith("!") and (text == own or any(fnmatch.fnmatchcase(name, p)
                                                                for p in entry.also_keys))
    if requirement.is_true:
        return loaded
    parts = []
    for alternative in requirement.alternatives():
        atoms = Requirement.from_alternatives([alternative])
        parts.append(atoms if any(loads(t) for t in alternative) else atoms & loaded)
    return Requirement.any_of(parts).simplified()


def loaded_across(requirement: Requirement, caller_file: str, callee_file: str, index) -> Requirement:
    """`requirement`, what a call path needs through a call from `caller_file` into `callee_file`,
    as run only once the caller's module is loaded, when a `[[config.selected]]` entry with
    `also_keys` names the caller's file and not the callee's (loaded_by_keys): lighttpd 1.4.85's
    fdevent_load_file() logs only for a non-NULL `errh` (fdevent.c:945), which
    mod_openssl_refresh_ech_keys_ctx() passes (mod_openssl.c:905), and mod_openssl.c runs only
    with server.modules=mod_openssl or an ssl.* key. _loaded_answers adds this to the messages
    of the module's own file; a message of a shared file learns it only on its call path."""
    entries = [e for e in getattr(index, "loading", ()) if any(fnmatch.fnmatchcase(caller_file, p) for p in e.files)
               and not any(fnmatch.fnmatchcase(callee_file, p) for p in e.files)]
    if not entries or requirement.is_false:
        return requirement
    keys = sorted(name for name, o in index.by_name.items() if getattr(o, "kind", "") == "config")
    for entry in entries:
        requirement = loaded_by_keys(requirement, entry, keys)
    return requirement


def directive_functions(graph: CallGraph, selected) -> frozenset[str]:
    """Function keys only `[[config.selected]]` entries without a value select: what the
    configuration file's grammar runs for a directive line (lighttpd's `include`). The grammar
    reads that line only while a file is parsed, so a function the C code srcscan reads also
    calls (lighttpd 1.4.19's config_read() -> config_parse_file() for the -f file) needs
    what those calls need, not the directive (analyze.inherited)."""
    directive: set[str] = set()
    valued: set[str] = set()
    for entry in selected:
        for key, fn in graph.functions.items():
            if _selects(entry, fn):
                (valued if entry.value else directive).add(key)
    return frozenset(directive - valued)


def _selects(entry, fn) -> bool:
    """Whether a `[[config.selected]]` entry names function `fn`: by its name, or by its file."""
    return any(fnmatch.fnmatchcase(fn.name, p) for p in entry.functions) \
        or any(fnmatch.fnmatchcase(fn.file, p) for p in entry.files)


def one_module(requirement: Requirement, file: str, index) -> Requirement:
    """`requirement` without the alternatives that need the keys of two parallel modules
    sharing `file`'s code: shared code (gw_backend.c) runs for one module's request at a time,
    with that module's keys (`fastcgi.debug>=3 && fastcgi.server`, not `fastcgi.debug>=3 &&
    proxy.server`). A module is the file of a key's table; two modules are parallel when one
    has a key of the same name as the other's, after the module's prefix (`fastcgi.server`,
    `proxy.server`); the sharing modules are those calling into `file` (index.users). Keys of
    other modules combine freely (`accesslog.use-syslog && server.syslog-facility`).
    Unchanged when no alternative would be left."""
    users = index.users.get(file)
    if not users or requirement.is_true or requirement.is_false:
        return requirement
    alternatives = requirement.alternatives()
    kept = [alt for alt in alternatives if not _crossed(alt, users, index)]
    if not kept or len(kept) == len(alternatives):
        return requirement
    return Requirement.from_alternatives(kept)


def _crossed(alternative: tuple[str, ...], users: frozenset[str], index) -> bool:
    keys: dict[str, set[str]] = defaultdict(set)  # module -> the names after its prefix
    for text in alternative:
        option = None if text.startswith("!") else index.by_name.get(re.split(r"[<>=]", text, maxsplit=1)[0])
        if option is not None and option.kind == "config" and option.file in users and "." in option.name:
            keys[option.file].add(option.name.split(".", 1)[1])
    suffixes = index.module_keys
    modules = sorted(keys)
    return any(keys[a] & suffixes.get(b, set()) or keys[b] & suffixes.get(a, set())
               for i, a in enumerate(modules) for b in modules[i + 1:])


def module_keys(options) -> dict[str, frozenset[str]]:
    """file -> the names of the config keys its tables hold, after the module's prefix
    (`server`, `debug` for mod_fastcgi.c's `fastcgi.server`, `fastcgi.debug`)."""
    out: dict[str, set[str]] = defaultdict(set)
    for o in options:
        if o.kind == "config" and "." in o.name:
            out[o.file].add(o.name.split(".", 1)[1])
    return {f: frozenset(v) for f, v in out.items()}
