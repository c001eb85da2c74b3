"""Which keywords each function runs under: the handlers the keyword calls install, and the
helpers only handlers call (up to HELPER_DEPTH calls away), labelled with their keywords
(handler_sides) or the keywords' paths (handler_paths), and where in the configuration the
keyword filling a field is (field_paths). keywords.keyword_options reads them to tell which
fields and bits are a keyword's. Plain data in (the tree's functions by call-graph key), no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Iterable, Mapping

from srcscan.analyze.callgraph import Functions
from srcscan.cexpr import Member, walk
from srcscan.model import FunctionFacts, Write

if TYPE_CHECKING:
    from srcscan.analyze.keywords import KeywordInstall

HELPER_DEPTH = 2  # helpers of helpers of handlers: notify_fifo() called by global_notify_fifo()


def handler_sides(by_key: Functions, installs: Iterable[KeywordInstall]) -> dict[str, frozenset[str]]:
    """Function key (`by_key`: callgraph.Functions) -> the keywords under which it runs: the
    handlers (with the keywords of the handlers calling them directly), and the functions every
    direct call of which is in one (helpers), up to HELPER_DEPTH calls away; a function whose
    address is taken anywhere is no helper (something else may call it)."""
    seeds: dict[str, set] = defaultdict(set)
    for install in installs:
        seeds[install.handler].add(install.keyword)
    return spread_labels(by_key, seeds)


def handler_paths(by_key: Functions, installs: Iterable[KeywordInstall]) -> dict[str, frozenset[tuple[str, ...]]]:
    """As handler_sides, the keywords' paths (KeywordInstall.paths: the enclosing blocks'
    keywords, then the keyword) instead of their names."""
    seeds: dict[str, set] = defaultdict(set)
    for install in installs:
        seeds[install.handler].update(install.paths)
    return spread_labels(by_key, seeds)


def field_paths(by_key: Functions, installs: Iterable[KeywordInstall], writes: Iterable[Write],
                bit_set: Iterable[str] = ()) -> dict[tuple[str, str, str], frozenset[tuple[str, ...]]]:
    """(keyword, field, the field's struct; "" not known, "*" any) -> the paths (KeywordInstall.paths) of the handlers
    of that keyword, or the helpers only they call, storing a value in the field (a write, or a
    bit set with a rules' `bit_set` function): where in the configuration the keyword filling
    the field is. Only the fields' writers are read here; which fields count as a keyword's is
    keyword_options' answer."""
    installs = list(installs)
    paths = handler_paths(by_key, installs)
    out: dict[tuple[str, str, str], set[tuple[str, ...]]] = defaultdict(set)

    def add(key: str | None, field: str, owner: str) -> None:
        for path in paths.get(key, ()) if key else ():
            out[(path[-1], field, owner)].add(path)

    for w in writes:
        if not w.local and "." in w.target and w.value is not None:
            add(resolve(by_key, w.function, w.file), w.target.rsplit(".", 1)[-1], w.owner)
    bit_calls = frozenset(bit_set)
    for key, fn in by_key.items() if bit_calls else ():
        if key in paths:
            for call in fn.calls:
                if not call.indirect and call.callee in bit_calls and len(call.exprs) >= 2:
                    target = field_of(call.exprs[1])
                    if target is not None:
                        add(key, target.field, target.owner)
    for (keyword, field, _), found in list(out.items()):  # any struct: a test whose struct is not known
        out[(keyword, field, "*")] |= found
    return {k: frozenset(v) for k, v in out.items()}


def spread_labels(by_key: Functions, seeds: Mapping[str, set]) -> dict[str, frozenset]:
    """handler_sides' walk: the handlers' labels (`seeds`), an alias handler's callers' added,
    then helpers whose every direct caller has labels, up to HELPER_DEPTH calls away."""
    sides: dict[str, set] = defaultdict(set)
    for key, labels in seeds.items():
        sides[key] |= set(labels)
    callers: dict[str, set[str]] = defaultdict(set)
    named: set[str] = set()
    for key, fn in by_key.items():
        for call in fn.calls:
            callee = None if call.indirect else resolve(by_key, call.callee, call.file)
            if callee is not None and callee != key:
                callers[callee].add(key)
            back = _called_back(by_key.get(callee)) if callee is not None else frozenset()
            for at, refs in enumerate(call.arg_refs):
                for t in refs:
                    target = resolve(by_key, t, call.file) or t
                    if at in back and target != key:
                        callers[target].add(key)  # `alloc_value_block(alloc_vrrp_unicast_peer, strvec)`
                    else:
                        named.add(target)
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


def _called_back(fn: FunctionFacts | None) -> frozenset[int]:
    """The indexes of `fn`'s parameters it calls (keepalived's alloc_value_block calls its
    `alloc_func` for each value of the block): a function passed there runs from the caller's
    call, as one it calls itself."""
    if fn is None:
        return frozenset()
    called = {c.callee for c in fn.calls if c.indirect == "parameter"}
    return frozenset(i for i, p in enumerate(fn.params) if p in called)


def field_of(e) -> Member | None:
    """The field an address points at (`&current_vrrp->flags`), or None."""
    for x in walk(e):
        if isinstance(x, Member):
            return x
    return None


def resolve(by_key: Functions, name: str, file: str) -> str | None:
    """The key a function name used in `file` refers to: the file's own static function first,
    then the external one, then the only static one of that name (a header's), as the call
    graph resolves it (callgraph.CallGraph.key_for)."""
    if f"{file}:{name}" in by_key:
        return f"{file}:{name}"
    if name in by_key:
        return name
    statics = by_key.statics.get(name, ())
    return statics[0] if len(statics) == 1 else None
