"""The calls up the call graph that make a function's inherited requirement, for its derivation
(requirements.answer_requirements: model.Inherited's guards). Facts in: the call graph and the
option index; no I/O."""

from __future__ import annotations

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.inherited import keyword_requirement
from srcscan.analyze.optionindex import Index
from srcscan.analyze.optiontests import guard_requirement
from srcscan.model import CallerGuard


def guard_sites(graph: CallGraph, index: Index, key: str, limit: int = 3) -> tuple[CallerGuard, ...]:
    """The nearest calls up the call graph whose guards test an option (at most `limit`), for
    the derivation of what function `key` inherits (model.Inherited). Kept per function in the
    index's memo: every message of a function asks, and the graph and the index no longer
    change once the sites are answered."""
    memo = ("guard_sites", key, limit)
    if memo not in index.memo:
        index.memo[memo] = tuple(_guard_sites(graph, index, key, limit))
    return index.memo[memo]


def _guard_sites(graph: CallGraph, index: Index, key: str, limit: int) -> list[CallerGuard]:
    found: list[CallerGuard] = []
    todo: list[tuple[str, tuple[str, ...]]] = [(key, ())]
    seen = {key}
    while todo and len(found) < limit:
        node, via = todo.pop(0)
        for caller, _, data in sorted(graph.graph.in_edges(node, data=True), key=lambda e: (e[0], e[2]["line"])):
            if data["kind"] == "stored":
                continue
            for ref in index.field_stores.get((node, data.get("via") or ""), ()) if data["kind"] == "pointer" else ():
                holder = graph.key_for(ref.function, ref.file) if ref.function else None
                store_fn = graph.functions.get(holder) if holder else None
                stored_under = [g for g in ref.guards if store_fn and not guard_requirement(g, index, store_fn).is_true]
                if stored_under:  # the guard under which the function was put in the field
                    site = CallerGuard(ref.file, ref.line, store_fn.name, via, f"stored in {data['via']}",
                                       stored_under[0].describe())
                    if site not in found:
                        found.append(site)
            fn = graph.functions[caller]
            tested = [g for g in data["guards"] if not guard_requirement(g, index, fn).is_true]
            keyword = keyword_requirement(index, node, data)
            if not keyword.is_true:  # a configuration keyword's handler, run only for that keyword
                site = CallerGuard(fn.file, data["line"], fn.name, via, f"{data['kind']} through {data['via']}",
                                   f"configuration keyword {keyword}")
                if site not in found:
                    found.append(site)
            if tested:
                pointer = "" if data["kind"] == "direct" else f"{data['kind']} through {data['via']}"
                site = CallerGuard(fn.file, data["line"], fn.name, via, pointer, tested[0].describe())
                if site not in found:
                    found.append(site)
            elif caller not in seen and keyword.is_true:
                seen.add(caller)
                todo.append((caller, (fn.name,) + via))
    return found[:limit]
