"""The option index's tables read from the tree's writes (option_index fills Index with them):
the fields of global state code stores in and the stores of option-filled fields outside the
command-line parser (state_stores, other_fills), locals' assigned values by line (local_lines),
stores after a getopt loop (writes_after_loop), and the structs a field's value is copied into
(field_copies). Plain data in, no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Iterable

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.optionvalues import integer_of
from srcscan.cexpr import Binary, CExpr, Member, Unary, evaluate, strip
from srcscan.model import Guard, Write

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index


def state_stores(graph: CallGraph, writes: Iterable[Write], index: Index) \
        -> dict[str, tuple[tuple[str, tuple[Guard, ...]], ...]]:
    """Fields of a global variable's struct (`daemon.ubus`) that no option sets, -> the
    functions storing a value other than 0 in them, each with the store's guards (`if
    (context->flags & CONTEXT_DHCP) daemon->doing_dhcp6 = 1;` in a walk of the list -F fills).
    Left out: a field some function writes through a local or parameter (`.ubus`: which struct
    it is is not known), or written from outside any function srcscan knows."""
    stores: dict[str, set[tuple[str, tuple[Guard, ...]]]] = defaultdict(set)
    unrooted: set[str] = set()
    for w in writes:
        if w.local:
            continue
        if w.target.startswith("."):
            unrooted.add(w.target[1:])
            continue
        if "." not in w.target or w.value is None or integer_of(w.value) == 0:
            continue
        key = graph.key_for(w.function, w.file)
        stores[w.target].add((key or "", w.guards))
    return {path: tuple(sorted(keys, key=lambda k: k[0])) for path, keys in stores.items()
            if all(k for k, _ in keys) and path.rsplit(".", 1)[-1] not in unrooted and path not in index.by_var
            and not index.start_values.get(path.rsplit(".", 1)[-1])}


def other_fills(graph: CallGraph, writes: Iterable[Write], index: Index) \
        -> dict[str, tuple[tuple[str, tuple[Guard, ...]], ...]]:
    """Fields of a global variable an option fills (Index.by_var) that functions outside the
    command-line parser's file store a value other than 0 in too, -> those functions' keys,
    each with the store's guards: dnsmasq's dhcp_read_ethers adds /etc/ethers' entries to
    `daemon->dhcp_conf`, the list --dhcp-host fills, so a walk of it needs no --dhcp-host there.
    The parser's own file (a helper called after the option loop: add_txt) is parser_fills'."""
    stores: dict[str, set[tuple[str, tuple[Guard, ...]]]] = defaultdict(set)
    for w in writes:
        if w.local or w.target not in index.by_var or w.value is None or integer_of(w.value) == 0 \
                or w.file == index.cli_file:
            continue
        key = graph.key_for(w.function, w.file)
        if key:
            stores[w.target].add((key, w.guards))
    return {path: tuple(sorted(keys, key=lambda k: k[0])) for path, keys in stores.items()}


def local_lines(writes: Iterable[Write]) -> dict[tuple[str, str], dict[str, tuple[tuple[int, object], ...]]]:
    """(file, function) -> local -> (line, value) of each plain assignment and initializer, in
    line order (which value a reused list walker starts from at a test: optiontests._walk_start)."""
    out: dict[tuple[str, str], dict[str, set]] = {}
    for w in writes:
        if w.local and w.op in ("=", "decl") and w.value is not None:
            out.setdefault((w.file, w.function), defaultdict(set)).setdefault(w.target, set()).add((w.line, w.value))
    return {k: {n: tuple(sorted(v, key=lambda x: x[0])) for n, v in d.items()} for k, d in out.items()}


def writes_after_loop(graph: CallGraph, writes: Iterable[Write], getopt_calls: frozenset[str]) \
        -> dict[tuple[str, str], dict[str, tuple[tuple[int, str], ...]]]:
    """(file, function) -> field name -> (line, struct) where a function calling getopt stores in a field of
    global state after its option loop (dnsmasq's read_opts: `daemon->domain_suffix =
    canonicalise_opt(token)` read from resolv.conf under `--domain=#`, after the loop): a test
    of that field there, after such a store, reads a value of the run, not only the options.
    The struct (Write.owner, "" when not known) tells lighttpd 1.4.19's `srv->max_fds`, which
    main() computes, from the key's `srv->srvconf.max_fds`."""
    loops: dict[tuple[str, str], int] = {}
    for fn in graph.functions.values():
        lines = [c.line for c in fn.calls if not c.indirect and c.callee in getopt_calls]
        if lines:
            loops[(fn.file, fn.name)] = max(lines)
    out: dict[tuple[str, str], dict[str, list[int]]] = {}
    for w in writes:
        end = loops.get((w.file, w.function))
        if end is None or w.local or w.line <= end or "." not in w.target or w.value is None \
                or evaluate(w.value) is not None:
            continue  # a constant after the loop resets the option's value (optionflow.with_resets)
        out.setdefault((w.file, w.function), defaultdict(list))[w.target.rsplit(".", 1)[-1]].append((w.line, w.owner))
    return {k: {name: tuple(sorted(ls)) for name, ls in v.items()} for k, v in out.items()}


def field_copies(writes: Iterable[Write]) -> dict[tuple[str, str], frozenset[str]]:
    """(field, struct) -> the other structs whose field of the same name is given a copy of
    it, directly or through other copies (lighttpd's `hctx->opts.xsendfile_allow =
    host->xsendfile_allow`: x-sendfile's value in a gw_host, tested in http_response_opts).
    A field tested in one of those structs reads what the key stored in the first
    (optionvalues.option_pool). Values read through casts, `!!x` and `0 != x`."""
    direct: dict[tuple[str, str], set[str]] = defaultdict(set)
    for w in writes:
        if w.local or not w.owner or w.op != "=" or w.value is None:
            continue
        source = _copied(w.value)
        name = w.target.rsplit(".", 1)[-1]
        if isinstance(source, Member) and source.field == name and source.owner and source.owner != w.owner:
            direct[(name, source.owner)].add(w.owner)
    out: dict[tuple[str, str], frozenset[str]] = {}
    for (name, owner), first in direct.items():
        seen, todo = set(), list(first)
        while todo:
            o = todo.pop()
            if o not in seen and o != owner:
                seen.add(o)
                todo.extend(direct.get((name, o), ()))
        out[(name, owner)] = frozenset(seen)
    return out


def _copied(value: CExpr) -> CExpr:
    """The value a copy reads: `(unsigned short)x`, `!!x`, `0 != x` are x."""
    value = strip(value)
    while True:
        if isinstance(value, Unary) and value.op == "!" and isinstance(strip(value.operand), Unary) \
                and strip(value.operand).op == "!":
            value = strip(strip(value.operand).operand)
        elif isinstance(value, Binary) and value.op == "!=" and integer_of(value.left) == 0:
            value = strip(value.right)
        elif isinstance(value, Binary) and value.op == "!=" and integer_of(value.right) == 0:
            value = strip(value.left)
        else:
            return value
