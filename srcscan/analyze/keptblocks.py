"""Blocks the daemon keeps only with some of their keywords: keepalived frees a `virtual_server`
block that has no `real_server` when the block ends (check_parser.c vs_end_handler), so code run
after the configuration is read that needs `virtual_server` needs `real_server` as well; a
message of the parse itself (a handler of a keyword inside the block, the end handler saying
"no real servers - ignoring") does not. The rules say which blocks (`[config] kept_only_with`:
block keyword -> a formula of keywords) and, for a block checked later than its end, the
function whose false result stops the process (`[config] kept_checked_in`: keepalived's
vrrp_complete_init(), failing for a `vrrp_instance` without `virtual_router_id` in start_vrrp()).
Run on the answers once the child starts are named (pipeline, after childstarts.with_child_starts).
Answers and the call graph in, answers out; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.derivations import Note
from srcscan.model import Guard, RequirementAnswer, SiteKey
from srcscan.requirement import Requirement


def parse_time(graph: CallGraph, handlers: Iterable[str]) -> frozenset[str]:
    """Keys of the functions keyword handlers (and blocks' end handlers) call, directly or through
    direct calls: they run while the configuration is read, before a block's end handler drops it
    (a callback one of them registers runs later and is not among them)."""
    return frozenset(graph.reachable(list(handlers), kinds=frozenset({"direct"})))


def checked_after(graph: CallGraph, checks: Iterable[str]) -> tuple[frozenset[str], frozenset[tuple[str, str, int]]]:
    """What runs only after calls of the functions named `checks` returned true (each one's false
    result stops the process, through its callers: keepalived's chk_min_cfg, then
    vrrp_complete_init): (keys of the functions reached only through the calls their callers make
    on later lines, (file, function, line) of each caller's first call of one, after which the
    caller's own sites run). A function the rest of the program reaches too (from the entry
    points, never through those later calls) is not among them. Every edge kind counts: a
    callback registered after the check runs after it."""
    names = frozenset(checks)
    keys = [k for k, fn in graph.functions.items() if fn.name in names]
    first: dict[str, int] = {}
    for k in keys:
        for caller, data in graph.callers(k):
            if data.get("kind") == "direct":
                first[caller] = min(data["line"], first.get(caller, data["line"]))
    if not first:
        return frozenset(), frozenset()
    later = [target for caller, line in first.items()
             for _, target, data in graph.graph.out_edges(caller, data=True)
             if data.get("line", 0) > line and not tests_a_check(data.get("guards") or (), names)]
    seen: set[str] = set()
    todo = [k for k in graph.entry_points if k in graph.graph]
    while todo:  # the rest of the program: every edge but the callers' later ones
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        for _, target, data in graph.graph.out_edges(key, data=True):
            if target not in seen and not (key in first and data.get("line", 0) > first[key]):
                todo.append(target)
    sites = frozenset((graph.functions[c].file, graph.functions[c].name, line) for c, line in first.items())
    return frozenset(graph.reachable(later) - seen), sites


def with_kept(answers: Mapping[SiteKey, RequirementAnswer], kept: Iterable[tuple[str, str]],
              checked: Mapping[str, str], processes: Mapping[str, str], graph: CallGraph, handlers: Iterable[str],
              guards: Mapping[SiteKey, tuple[Guard, ...]] | None = None,
              checks: Iterable[tuple[str, str, str]] = (),
              ended: Iterable[str] | None = None) -> dict[SiteKey, RequirementAnswer]:
    """The answers with each kept block's keywords (`kept`: block keyword -> formula text, the
    rules' kept_only_with) added where a site that runs after the block's check needs the block:
    after the parse (its function not in parse_time) for a block its end handler drops, only
    after the call of the rules' kept_checked_in function otherwise (checked_after). `processes`
    (kept_process: block -> the name of the child process that drops it) narrows it to the
    alternatives naming that process's start (`@bfd`, analyze.childstarts): keepalived's VRRP process
    keeps a bfd_instance without neighbor_ip, which only the BFD process drops. An alternative
    needing the block absent (`virtual_server && !real_server`) or not naming it is left as it is.
    `guards`: each site's guards; a site (or a call) under a test of the check's own result
    (`if (!complete_init()) { log...; }`, the branch where it failed) is not after it.
    `checks` (the rules' kept_checks: block, formula, function names) are later checks of a
    block, each with its own formula and functions, read as kept_checked_in's: keepalived's
    vrrp_complete_instance() wants more of a `vrrp_instance` than chk_min_cfg before it.
    `ended`: the block keywords the tree registers an end handler for (None: all); a block
    checked at its end and absent from them has no check in this release and gains nothing
    (keepalived 1.1.19 keeps a `url` without `path`: it has no url_check end handler)."""
    handlers, guards = list(handlers), guards or {}
    ended = None if ended is None else frozenset(ended)
    parsing = parse_time(graph, handlers)
    by_key = {(fn.file, fn.name): k for k, fn in graph.functions.items()}
    rules = []
    for block, text in kept:
        if block in checked:
            after, sites = checked_after(graph, checked[block].split())
            rules.append((block, Requirement.parse(text), after, sites, checked[block], "kept_only_with"))
        elif ended is None or block in ended:
            rules.append((block, Requirement.parse(text), None, frozenset(), "", "kept_only_with"))
    for block, text, names in checks:
        after, sites = checked_after(graph, names.split())
        rules.append((block, Requirement.parse(text), after, sites, names, f"kept_checks, {names}"))
    starts = {block: "@" + name for block, name in processes.items()}
    out = {}
    for key, answer in answers.items():
        fn = by_key.get((key.file, key.function))
        add = []
        for block, needs, after, sites, names, rule in rules:
            if after is None:
                runs_after = fn is not None and fn not in parsing
            else:
                runs_after = fn in after or (any(f == key.file and name == key.function and key.line > line
                                                  for f, name, line in sites)
                                              and not tests_a_check(guards.get(key, ()), names.split()))
            if runs_after:
                add.append((block, needs, starts.get(block, ""), rule))
        out[key] = with_needs(answer, add) if add else answer
    return out


def with_needs(answer: RequirementAnswer, add: list[tuple[str, ...]]) -> RequirementAnswer:
    """Each alternative naming a block of `add` (block, what it needs, the atom of the process
    dropping it or "", and optionally the rules' key the needs come from, for the note) and
    that process's atom gets what the block needs, and what a block those needs name needs in
    turn; the others stay."""
    alternatives, notes, changed = answer.requirement.alternatives(), [], False
    found = []
    for alt in alternatives:
        r, named, done = Requirement.from_alternatives([alt]), set(alt), set()
        while (ready := [x for x in add if x[0] in named and x[0] not in done and (not x[2] or x[2] in alt)]):
            for block, needs, start, *rule in ready:
                done.add(block)
                more = (r & needs).simplified()
                # a block it needs may be kept only with some keywords in turn (the member
                # vrrp_instance of a vrrp_sync_group)
                named |= {a.name for a in needs.atoms() if (needs & Requirement.atom(a, negated=True)).is_false}
                if not more.is_false and more != r:
                    r, changed = more, True
                    note = Note(f"a {block} block is kept only with {needs} (rules [config] "
                                f"{rule[0] if rule else 'kept_only_with'}): "
                                f"this runs after the check dropping one without")
                    if note not in notes:
                        notes.append(note)
        found.append(r)
    texts = tuple((t, with_needs(r, add)) for t, r in answer.texts)
    if not changed and texts == answer.texts:
        return answer
    requirement = Requirement.any_of(found).simplified() if changed else answer.requirement
    return replace(answer, requirement=requirement, texts=texts, derivation=answer.derivation + tuple(notes))


def tests_a_check(guards: Iterable[Guard], names: Iterable[str]) -> bool:
    """Whether a guard's text calls one of the check functions `names` (`!vrrp_complete_init()`):
    what it guards runs where the check's result decides, the failed branch among them. An
    early return on it (the code after `if (!check()) return;`) is the passed side, not such a
    guard."""
    names = [n for n in names if n]
    if not names:
        return False
    call = re.compile(r"(?<![\w.>])(?:" + "|".join(map(re.escape, names)) + r")\s*\(")
    # code after `if (!check()) return;` runs where the check passed: that guard says so
    return any(g.kind != "early-return" and call.search(g.text or "") for g in guards)
