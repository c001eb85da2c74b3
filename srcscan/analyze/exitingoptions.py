"""Options that end the program while the command line is read: a case of the getopt switch
calling exit() (keepalived 2.x's `case 'T': ... check_genhash(false, argc, argv); exit(0);`,
core/main.c:2141-2148, and the like for a version or help option).

Such an option runs no code that the configuration or a child process needs: the daemon reads
its configuration and starts its children only after the command line. So an alternative of a
message's requirement giving one of these options together with a config key or a child's
start (`-T && SSL && certificate`, `-T && @checker`) is a setting that never logs it, and it is
dropped. (A setting of options alone stays: `--debug && -T`, the options read before -T.)
An option whose case hands the program's argv to another function (check_genhash() reads
genhash's own -s, -p, -u, -S) leaves the message's answer uncertain: srcscan lists none of
that function's options.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.progname import program_argv
from srcscan.cexpr import Name, strip
from srcscan.model import RequirementAnswer
from srcscan.requirement import Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

# ISO C 7.22.4 and POSIX: the library calls that never return
LIBRARY_EXITS = frozenset({"exit", "_exit", "_Exit", "abort"})


def exiting_options(graph: CallGraph, index: "Index", noreturn: Iterable[str] = ()) -> dict[str, str]:
    """The options whose case in a getopt loop's switch calls exit() (or a function of the
    rules' `[callgraph] noreturn`) under no other test than the loop's and the case's own,
    each with the function its case hands the program's argv to ("" for none): keepalived's
    -T hands it to check_genhash(), which reads options of its own."""
    exits = LIBRARY_EXITS | frozenset(noreturn)
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


def without_exited(answer: RequirementAnswer, exiting: Mapping[str, str], index: "Index") -> RequirementAnswer:
    """`answer` without the alternatives giving an exiting option and a config key or a child's
    start (`@checker`), unchanged when no alternative would be left (the others decide nothing);
    where an alternative left gives an option handing the command line to another parser, with
    that said in `uncertain` (srcscan lists none of that parser's options)."""
    texts = tuple((t, without_exited(a, exiting, index)) for t, a in answer.texts)
    alts = answer.requirement.alternatives()
    kept = [alt for alt in alts if not _exited(alt, exiting, index)] or list(alts)
    handed = sorted({(a, exiting[a]) for alt in kept for a in alt if exiting.get(a)})
    notes = tuple(f"with {a}, {f}() reads the rest of the command line: its own options, which srcscan "
                  f"does not list, may be needed too" for a, f in handed)
    if len(kept) == len(alts) and not notes and texts == answer.texts:
        return answer
    return replace(answer, requirement=Requirement.from_alternatives(kept) if len(kept) != len(alts)
                   else answer.requirement, texts=texts, uncertain=answer.uncertain + notes)


def _exited(alt: tuple[str, ...], exiting: Mapping[str, str], index: "Index") -> bool:
    if not any(a in exiting for a in alt):
        return False
    return any(a.startswith("@") or getattr(index.by_name.get(_name(a)), "kind", "") == "config" for a in alt)


def _name(atom: str) -> str:
    """`x>=2`, `x==3` and `k=entry` -> x, k."""
    for op in (">=", "==", "="):
        atom = atom.split(op)[0]
    return atom
