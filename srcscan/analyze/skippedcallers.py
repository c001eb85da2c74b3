"""Functions that only calls in skipped preprocessor branches reach.

A function whose every call sits in an `#if` branch the build's profile skips has no caller in
the call graph, yet its name is used, so it is not dead code (deadcode.never_called): lighttpd
1.4.85's mod_openssl_ssl_conf_cmd() (mod_openssl.c) is called only under `#elif
defined(BORINGSSL_API_VERSION) || defined(LIBRESSL_VERSION_NUMBER)` in
network_openssl_ssl_conf_cmd(), which the system OpenSSL headers' SSL_CONF_FLAG_CMDLINE
skips. Such a function runs where the function holding the skipped call runs: it inherits that
function's requirement (not the skipped branch's own conditions, which no parse read), and its
messages say so. The holder is the function whose definition starts last before the call
(callgraph.Functions.at). Facts in (the call graph, extract.logsetup's skipped calls); no I/O.

The same for a use of a function's name that a parse with errors dropped (dropped_callers):
libclang leaves out every statement naming a declaration whose type it could not read, so with
<dbi/dbi.h> missing lighttpd's mod_vhostdb_dbconf_setup() keeps neither its
`dbi_conn_error_handler(dbconn, mod_vhostdb_dbi_error_callback, dbconf)` nor its direct call of
the callback, and with <sasl/sasl.h> missing mod_authn_sasl_query() loses its `sasl_callback_t
cb[]` holding mod_authn_sasl_cb_log: such a function runs where the function whose body the text
names it in runs.

The messages of such functions say so (skipped_note, dropped_note), and so do those of the
functions only they lead to (only_through, through_skipped_note).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.deadcode import called_functions, code_of, declares


def skipped_callers(graph: CallGraph, calls: Iterable[tuple[str, int, str]],
                    dead: frozenset[str] = frozenset(),
                    texts: Mapping[str, str] | None = None) -> dict[str, tuple[tuple[str, int, str], ...]]:
    """Key of each function no call path reaches and not `dead` (keys) -> ((file, line, holder
    key), ...): the calls of its name in skipped branches (`calls`: (file, line, name), from
    extract.logsetup.skipped_calls) and the function holding each; a static function only by
    calls in its own file. Functions without such a call are left out. With `texts` (tree path
    -> C text), a prototype whose type is on the line above (`static int` then
    `mod_openssl_ssl_conf_cmd (server *srv, plugin_config_socket *s);`) is no call."""
    by_name: dict[str, set[tuple[str, int]]] = defaultdict(set)
    lines: dict[str, list[str]] = {}
    for file, line, name in calls:
        if texts is not None and _prototype(lines.setdefault(file, texts.get(file, "").split("\n")), line, name):
            continue
        by_name[name].add((file, line))
    reached = called_functions(graph)
    out: dict[str, tuple[tuple[str, int, str], ...]] = {}
    for key in sorted(graph.functions):
        fn = graph.functions[key]
        if key in reached or key in dead or fn.name not in by_name:
            continue
        places = []
        for file, line in sorted(by_name[fn.name]):
            holder = graph.functions.at(file, line)
            if holder is None or (fn.static and file != fn.file):
                continue
            holder_key = graph.key_for(holder.name, holder.file) or holder.key
            if holder_key != key:
                places.append((file, line, holder_key))
        if places:
            out[key] = tuple(places)
    return out


def dropped_callers(graph: CallGraph, broken: frozenset[tuple[str, str]], texts: Mapping[str, str],
                    dead: frozenset[str] = frozenset(), known: Iterable[str] = ()) \
        -> dict[str, tuple[tuple[str, int, str], ...]]:
    """Key of each function no call path reaches, not `dead` and not in `known` (keys, the
    skipped callers already found) -> ((file, line, holder key), ...): the uses of its name (a
    call, or its address handed on) in the body of a function of `broken` ((file, name) parsed
    with errors, nevernull.broken_functions), by the file's text (`texts`: tree path -> C text,
    comments and literals left out); a static function only in its own file. A use between two
    functions (a file-scope table) or in a declaration is none, and so is a use in a function
    no call path reaches (nor one found so, nor of `known`): its requirement is not known
    (keepalived's check_snmp_realserver(), a handler in a net-snmp table the parse dropped,
    hands check_snmp_realserver_weight() to net-snmp; taken as 'nothing' it would free
    update_svr_wgt() of every requirement). Functions without such a use are left out."""
    reached = called_functions(graph) | set(known)
    keys: dict[str, list[str]] = defaultdict(list)
    for key, fn in graph.functions.items():
        if key not in reached and key not in dead:
            keys[fn.name].append(key)
    uses = _dropped_uses(graph, broken, texts, keys)
    found: dict[str, set[tuple[str, int, str]]] = defaultdict(set)
    grew = True
    while grew:  # a holder reached only through dropped uses counts once found
        grew = False
        for key, file, line, holder_key in uses:
            if (holder_key in reached or holder_key in found) and (file, line, holder_key) not in found[key]:
                found[key].add((file, line, holder_key))
                grew = True
    return {key: tuple(sorted(places)) for key, places in sorted(found.items()) if places}


def _dropped_uses(graph: CallGraph, broken: frozenset[tuple[str, str]], texts: Mapping[str, str],
                  keys: Mapping[str, list[str]]) -> list[tuple[str, str, int, str]]:
    """(function key, file, line, holder key) of each use of a name of `keys` (name -> keys of
    the functions so named) in the body of a function of `broken` (dropped_callers)."""
    found: list[tuple[str, str, int, str]] = []
    for file in sorted({f for f, _ in broken}):
        code = code_of(texts.get(file, ""))
        names = [n for n in keys if n in code]
        if not names:
            continue
        pattern = re.compile(r"(?<![\w.>])(" + "|".join(sorted(map(re.escape, names))) + r")\b(\s*\()?")
        bodies: dict[str, tuple[int, int] | None] = {}
        for m in pattern.finditer(code):
            line = code.count("\n", 0, m.start()) + 1
            holder = graph.functions.at(file, line)
            if holder is None or (holder.file, holder.name) not in broken or _declaration(code, m):
                continue
            body = bodies.setdefault(holder.key, _body(code, holder.line))
            if body is None or not body[0] <= m.start() < body[1]:
                continue
            holder_key = graph.key_for(holder.name, holder.file) or holder.key
            for key in keys[m.group(1)]:
                fn = graph.functions[key]
                if key != holder_key and (not fn.static or fn.file == file):
                    found.append((key, file, line, holder_key))
    return found


def _declaration(code: str, m: re.Match) -> bool:
    """Whether the name `m` matched in `code` (blanked, deadcode.code_of; group 2 the `(`
    after it, if any) declares or defines a function (`static void f(`, `f(void *x)` at a
    line's start), as deadcode.text_uses reads it, with this module's _STATEMENT_WORDS (which
    also hold `case` and `default`)."""
    return bool(m.group(2)) and declares(code, m.start(), _STATEMENT_WORDS)


def _body(code: str, line: int) -> tuple[int, int] | None:
    """Offsets of the body (from its `{` to its `}`) of the function defined from 1-based
    `line` of `code` (blanked): the first brace after its parameters. None when unbalanced."""
    at = 0
    for _ in range(line - 1):
        at = code.find("\n", at) + 1
        if at == 0:
            return None
    close = code.find(")", at)
    start = code.find("{", close if close >= 0 else at)
    if start < 0 or ";" in code[close if close >= 0 else at:start]:
        return None
    depth = 0
    for i in range(start, len(code)):
        if code[i] == "{":
            depth += 1
        elif code[i] == "}":
            depth -= 1
            if depth == 0:
                return start, i
    return None


def dropped_note(name: str, places: tuple[tuple[str, int, str], ...], graph: CallGraph) -> str:
    """The `uncertain` text of a message in function `name` that only the uses `places`, which
    a parse with errors dropped, reach (dropped_callers)."""
    where = ", ".join(f"{file}:{line} in {graph.functions[h].name}()" if h in graph.functions else f"{file}:{line}"
                      for file, line, h in places[:3])
    return (f"no call srcscan parsed reaches {name}(): its name is used only in code the parse dropped "
            f"(errors: a header this build lacks) ({where}); shown with the requirement the function "
            f"holding that use inherits from its callers, without that code's own conditions")


def _prototype(lines: list[str], line: int, name: str) -> bool:
    """Whether line `line` (1-based) of `lines` declares `name`: it starts with the name and ends
    with `);`, and the line above ends in a type (an identifier or `*`), not a statement."""
    if not 0 < line <= len(lines):
        return False
    text = lines[line - 1].strip()
    if not (text.startswith(name) and text.endswith(");")):
        return False
    above = next((t.strip() for t in reversed(lines[:line - 1]) if t.strip()), "")
    if not above or above.startswith("#") or above.split()[-1] in _STATEMENT_WORDS:
        return False
    # a type above, and parameters declared (`const char *cmd`, `void`), not values passed
    return (above[-1].isalnum() or above[-1] in "_*") and bool(_PARAMETERS.search(text[len(name):]))


_STATEMENT_WORDS = frozenset({"else", "do", "return", "case", "default"})
_PARAMETERS = re.compile(r"\(\s*void\s*\)|[A-Za-z_]\w*[\s*]+[A-Za-z_]\w*\s*[,)]")


def skipped_note(name: str, places: tuple[tuple[str, int, str], ...], graph: CallGraph) -> str:
    """The `uncertain` text of a message in function `name` that only the skipped calls
    `places` reach (skipped_callers)."""
    where = ", ".join(f"{file}:{line} in {graph.functions[h].name}()" if h in graph.functions else f"{file}:{line}"
                      for file, line, h in places[:3])
    return (f"no call srcscan parsed reaches {name}(): it is called only in preprocessor branches this build "
            f"skips ({where}); shown with the requirement the function holding that call inherits from its "
            f"callers, without that branch's own conditions")


def only_through(graph: CallGraph, skipped: Mapping[str, tuple], unseen_callers: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """Key of each function that only functions of `skipped` (skipped_callers: reached by calls
    no parse of this build read) lead to, none of them itself -> those functions' keys."""
    if not skipped:
        return {}
    # the edges that run their callee, as deadcode.called_functions follows them: not "stored"
    running = frozenset(data["kind"] for _, _, data in graph.graph.edges(data=True)) - {"stored"}
    normal = graph.reachable(tuple(graph.entry_points) + tuple(unseen_callers), kinds=running)
    out: dict[str, list[str]] = defaultdict(list)
    for origin in sorted(skipped):
        for key in graph.reachable((origin,), kinds=running) - normal:
            if key not in skipped:
                out[key].append(origin)
    return {key: tuple(origins) for key, origins in out.items()}


def through_skipped_note(name: str, key: str, deciding: tuple[tuple[str, int, str, str], ...],
                         beyond: Mapping[str, tuple[str, ...]], skipped: Mapping[str, tuple],
                         dropped: frozenset[str], graph: CallGraph) -> tuple[str, ...]:
    """The `uncertain` text of a message whose requirement comes through a function only calls
    this build's parse did not read reach (skippedcallers): its own function is reached only
    through such functions (`beyond`), or every call that decides its parameters' tests so
    that it logs (`deciding`: (file, line, caller, requirement text), "false" for none) is made
    in one. lighttpd 1.4.85's mod_openssl_ssl_conf_dhparameters() logs 'Unable to load DH params'
    only for a DHParameters file, which only mod_openssl_ssl_conf_cmd() passes, and that is
    called only under `#elif defined(BORINGSSL_API_VERSION) || defined(LIBRESSL_VERSION_NUMBER)`;
    the other call passes NULL."""
    def how(origins) -> str:
        names = ", ".join(f"{graph.functions[o].name}()" for o in origins[:3] if o in graph.functions)
        kinds = {"code the parse dropped" if o in dropped else "preprocessor branches this build skips"
                 for o in origins}
        return f"{names}, which only calls in {' or '.join(sorted(kinds))} reach"
    if key in beyond:
        return (f"no call srcscan parsed reaches {name}() but through {how(beyond[key])}; shown with the "
                f"requirement those calls inherit",)
    logging = [(file, line, caller) for file, line, caller, text in deciding if text != "false"]
    through = []
    for file, line, caller in logging:
        ck = graph.key_for(caller, file) or caller
        origins = (ck,) if ck in skipped else beyond.get(ck)
        if origins:
            through.append((file, line, caller, origins))
    if not through or len(through) < len(logging):
        return ()  # other calls log it in this build: those widen the answer only
    where = ", ".join(f"{file}:{line} in {caller}()" for file, line, caller, _ in through[:3])
    origins = tuple(dict.fromkeys(o for *_, os in through for o in os))
    return (f"the calls giving {name}() values that log this ({where}) run only through {how(origins)}: "
            f"with this build's calls it is never logged; shown with what those calls need",)
