"""Options that end the program while the command line is read: a case of the getopt switch
calling exit() (keepalived 2.x's `case 'T': ... check_genhash(false, argc, argv); exit(0);`,
core/main.c:2141-2148, and the like for a version or help option).

Such an option runs no code that a child process needs: the daemon starts its children only
after the command line. Nor code the configuration needs, where the call graph shows the
configuration read after the command line (config_read_after: keepalived_main() calls
parse_cmdline() before read_config_file(); not lighttpd, whose `case 'f':` reads the file inside
the getopt loop). So an alternative of a message's requirement giving one of these options
together with a child's start or, so read, a config key (`-T && SSL && certificate`, `-T &&
@checker`) is a setting that never logs it, and it is dropped; where the order is not known, a
config key's alternative stays and the answer says so in `uncertain`. (A setting of options
alone stays: `--debug && -T`, the options read before -T.)
An option whose case hands the program's argv to another function (check_genhash() reads
genhash's own -s, -p, -u, -S) leaves the message's answer uncertain: srcscan lists none of
that function's options.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.progname import program_argv
from srcscan.cexpr import Call, Name, strip, walk
from srcscan.model import FunctionFacts, RequirementAnswer
from srcscan.requirement import Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

def exiting_options(graph: CallGraph, index: "Index", noreturn: Iterable[str] = (),
                    library_exits: Iterable[str] = ()) -> dict[str, str]:
    """The options whose case in a getopt loop's switch calls exit() (one of `library_exits`,
    the rules' `[callgraph] library_exits`, or a function of the rules' `[callgraph] noreturn`)
    under no other test than the loop's and the case's own,
    each with the function its case hands the program's argv to ("" for none): keepalived's
    -T hands it to check_genhash(), which reads options of its own."""
    exits = frozenset(library_exits) | frozenset(noreturn)
    argv = program_argv(graph)
    found: dict[str, str] = {}
    for fn in graph.functions.values():
        if fn.file != index.cli_file or not any(c.callee in index.getopt_calls for c in fn.calls):
            continue
        for call in fn.calls:
            cases = [g for g in call.guards if g.kind == "case"]
            if call.callee not in exits or len(cases) != 1 or any(g.kind not in ("case", "loop") for g in call.guards):
                continue
            option = index.option_case(cases[0], fn)
            if option is None or option.is_true or option.is_false:
                continue
            handed = next((c.callee for c in fn.calls if cases[0] in c.guards and any(
                isinstance(a := strip(x), Name) and (fn.key, a.name) in argv for x in c.exprs)), "")
            for name in (a for alt in option.alternatives() for a in alt if not a.startswith("!")):
                found[name] = found.get(name) or handed
    return found


def config_read_after(graph: CallGraph, index: "Index", readers: Iterable[str] = (),
                      installers: Iterable[str] = ()) -> bool | None:
    """Whether the call graph shows every reading of the configuration after the command line:
    True when some function calls the command-line parser (a function of the parser's file
    calling getopt) and, later in its body, a function leading to a reader of the configuration
    (keepalived_main(): parse_cmdline() at main.c:2572, read_config_file() at 2657), or the parser
    calls one after its getopt loop (dnsmasq's read_opts() reading the file once the loop ends),
    and none reads it first or inside the loop (lighttpd's `case 'f': config_read(srv, optarg)`):
    False then; None when no such order shows. Readers: the rules' `[config] readers`, the
    functions installing keywords (calling one of `installers`, the rules' `keyword_calls`) and
    those switching on a config key (Index.key_cases), except the parser and the functions it
    hands each option to. Every call edge counts but a call through a pointer (a function handed
    on, `init_data(conf_file, global_init_keywords)`, at the line it is handed)."""
    calls = frozenset(installers)
    names = frozenset(readers)
    parsers = {k for k, fn in graph.functions.items()
               if fn.file == index.cli_file and any(c.callee in index.getopt_calls for c in fn.calls)}
    reads = {k for k, fn in graph.functions.items()
             if fn.name in names or (fn.file, fn.name) in index.key_cases or any(c.callee in calls for c in fn.calls)}
    reads -= parsers | index.handlers
    if not parsers or not reads:
        return None
    edges = [(a, b, d) for a, b, d in graph.graph.edges(data=True) if d["kind"] != "pointer"]
    to_read, to_parser = _leading_to(edges, reads), _leading_to(edges, parsers)
    out: dict[str, list[tuple[str, dict]]] = {}
    for a, b, d in edges:
        out.setdefault(a, []).append((b, d))
    after = False
    for key in to_parser:
        fn = graph.functions[key]
        if key in parsers:
            loop = _getopt_loop(fn, index.getopt_calls)
            first = min(c.line for c in fn.calls if c.callee in index.getopt_calls)
            for callee, d in out.get(key, ()):
                if callee in to_read and callee not in parsers:
                    if d["line"] < first or any(_same(g, loop) for g in d.get("guards", ())):
                        return False
                    after = True
            continue
        parsing = [d["line"] for callee, d in out.get(key, ()) if callee in to_parser]
        reading = [d["line"] for callee, d in out.get(key, ()) if callee in to_read and callee not in to_parser]
        if parsing and reading:
            if min(reading) <= max(parsing):
                return False
            after = True
    return True if after else None


def _leading_to(edges: list[tuple[str, str, dict]], targets: set[str]) -> set[str]:
    """`targets` and the functions with an edge to one of them, or to a function that has."""
    callers: dict[str, set[str]] = {}
    for a, b, _ in edges:
        callers.setdefault(b, set()).add(a)
    seen, todo = set(targets), list(targets)
    while todo:
        for caller in callers.get(todo.pop(), ()):
            if caller not in seen:
                seen.add(caller)
                todo.append(caller)
    return seen


def _getopt_loop(fn: FunctionFacts, getopt_calls: frozenset[str]) -> set[tuple[str, int, str]]:
    """The loops around `fn`'s getopt calls or testing one (`while ((c = getopt(...)) != -1)`)."""
    loops = {(g.kind, g.line, g.text) for c in fn.calls if c.callee in getopt_calls for g in c.guards if g.kind == "loop"}
    loops |= {(g.kind, g.line, g.text) for c in fn.calls for g in c.guards if g.kind == "loop" and g.expr is not None
              and any(isinstance(e, Call) and e.callee in getopt_calls for e in walk(g.expr))}
    return loops


def _same(guard, loop: set[tuple[str, int, str]]) -> bool:
    return (guard.kind, guard.line, guard.text) in loop


def without_exited(answer: RequirementAnswer, exiting: Mapping[str, str], index: "Index",
                   config_after: bool | None = True) -> RequirementAnswer:
    """`answer` without the alternatives giving an exiting option and a child's start
    (`@checker`) or, when the configuration is read after the command line (`config_after`,
    config_read_after), a config key; unchanged when no alternative would be left (the others
    decide nothing). Where an alternative left gives an option handing the command line to
    another parser, with that said in `uncertain` (srcscan lists none of that parser's options);
    so too where one gives an exiting option and a config key and the order is not known."""
    texts = tuple((t, without_exited(a, exiting, index, config_after)) for t, a in answer.texts)
    alts = answer.requirement.alternatives()
    kept = [alt for alt in alts if not _exited(alt, exiting, index, config_after)] or list(alts)
    handed = sorted({(a, exiting[a]) for alt in kept for a in alt if exiting.get(a)})
    notes = tuple(f"with {a}, {f}() reads the rest of the command line: its own options, which srcscan "
                  f"does not list, may be needed too" for a, f in handed)
    if config_after is None:
        unknown = sorted({a for alt in kept if any(_config(x, index) for x in alt) for a in alt if a in exiting})
        notes += tuple(f"{a} exits while the command line is read: srcscan cannot tell whether the configuration "
                       f"is read before it, which the config keys alongside it need" for a in unknown)
    if len(kept) == len(alts) and not notes and texts == answer.texts:
        return answer
    return replace(answer, requirement=Requirement.from_alternatives(kept) if len(kept) != len(alts)
                   else answer.requirement, texts=texts, uncertain=answer.uncertain + notes)


def _exited(alt: tuple[str, ...], exiting: Mapping[str, str], index: "Index", config_after: bool | None) -> bool:
    if not any(a in exiting for a in alt):
        return False
    return any(a.startswith("@") or config_after is True and _config(a, index) for a in alt)


def _config(atom: str, index: "Index") -> bool:
    return getattr(index.by_name.get(_name(atom)), "kind", "") == "config"


def _name(atom: str) -> str:
    """`x>=2`, `x==3` and `k=entry` -> x, k."""
    for op in (">=", "==", "="):
        atom = atom.split(op)[0]
    return atom
