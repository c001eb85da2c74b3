"""Lists the command-line parser fills itself after its option loop (requirements' input).

dnsmasq's read_opts, after its getopt loop: `if (!option_bool(OPT_NO_IDENT)) add_txt("version.bind",
...)`, and add_txt stores in `daemon->txt`, the list `--txt-record` fills too: a walk of that list
needs `-Y`, or `--no-ident` not given. Facts in (the call graph, extract.writes' records, the option
index), requirements out; no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.optionindex import Index
from srcscan.analyze.optiontests import guard_requirement
from srcscan.cexpr import evaluate
from srcscan.model import Write
from srcscan.requirement import Requirement


def parser_fills(graph: CallGraph, index: Index, writes: Iterable[Write]) -> dict[str, Requirement]:
    """Field path -> what the function running the getopt loop needs to fill it itself after its
    loop, through a helper it calls outside any option case (the call's guards): dnsmasq's
    read_opts calls add_txt("version.bind", ...) under `!option_bool(OPT_NO_IDENT)`, and add_txt
    stores in `daemon->txt`, the list `--txt-record` fills too: a walk of it needs `-Y` or
    `!--no-ident`. So do its own stores after the loop (the stores' guards): read_opts adds an
    entry for the host to `daemon->mxnames`, the list --mx-host and --srv-host fill, under
    `(daemon->mxtarget || option_bool(OPT_LOCALMX)) && !mx`: a walk of it needs -t or --localmx
    too. Fields some option fills only (Index.by_var/by_field) are kept."""
    stored: dict[str, set[str]] = defaultdict(set)
    own: dict[tuple[str, str], list[Write]] = defaultdict(list)
    for w in writes:
        if not w.local and "." in w.target and w.value is not None and evaluate(w.value) != 0:
            stored[w.function].add(w.target)
            own[(w.file, w.function)].append(w)
    out: dict[str, list[Requirement]] = defaultdict(list)
    for fn in graph.functions.values():
        loop = [c.line for c in fn.calls if not c.indirect and c.callee in index.getopt_calls]
        if not loop:
            continue
        for call in fn.calls:
            if call.indirect or call.line <= max(loop) or any(g.kind in ("case", "default", "loop") for g in call.guards):
                continue  # in the option loop's body (read_opts' one_opt), or a case's
            for path in stored.get(call.callee, ()):
                if path.rsplit(".", 1)[-1] in index.by_field or path in index.by_var:
                    out[path].append(Requirement.all_of(guard_requirement(g, index, fn) for g in call.guards))
        for w in own.get((fn.file, fn.name), ()):
            if w.line <= max(loop) or any(g.kind in ("case", "default", "loop") for g in w.guards):
                continue
            if w.target.rsplit(".", 1)[-1] in index.by_field or w.target in index.by_var:
                out[w.target].append(Requirement.all_of(guard_requirement(g, index, fn) for g in w.guards))
    return {path: Requirement.any_of(needs).simplified() for path, needs in out.items()}
