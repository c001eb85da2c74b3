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
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.deadcode import called_functions


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
