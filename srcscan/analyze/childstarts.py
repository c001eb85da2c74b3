"""A child process's start condition as one named atom in `requires`.

keepalived 2.x starts its vrrp child only `if (running_vrrp())`, which returns
`__test_bit(DAEMON_VRRP, &daemon_mode) && (global_data->have_vrrp_config || __test_bit(RUN_ALL_CHILDREN, ...))`:
only with one of four keywords or --all, and not with -C. Every message only that child writes
needs that; spelled out it would put a five-way disjunction into a thousand rows. Instead:

- the requirements analysis names each child start function's requirement by an atom
  (`start_atoms`: `@start_vrrp_child`, inherited.inherited's `starts`), so the child's code
  inherits `@start_vrrp_child`, and shared code the parent runs too inherits nothing;
- once the processes analysis has answered, `with_child_starts` renames each atom after its
  process (`@vrrp`), adds to a message that only children write the start condition of one of
  them (code shared by every process that only children run: keepalived's configuration dump
  under -d, or a child's keyword handler installed inactive in the parent), and puts each atom
  with its meaning in the option table (kind "process"), where `srcscan options`, the Markdown
  legend and `--with`/`query --adds` (analyze.settings.expanded) read it.

A child started whatever the options (a start function called without any guard; keepalived
1.x's `if (daemon_mode & 1 || !daemon_mode)` reads so) gets no atom, nor one whose start needs
one conjunction of options (`!-t`): that is written out, as short as a name. Facts in (the call graph, the log set-up facts, the answers of
both analyses), answers out; no I/O.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable, Mapping

from srcscan.analyze.optiontypes import Option
from srcscan.analyze.processes import fork_starts
from srcscan.analyze.syslogfacts import gather
from srcscan.derivations import ChildStart, DecidedByCallers, InProcessWith
from srcscan.model import ProcessAnswer, RequirementAnswer, SiteKey
from srcscan.requirement import Atom, Requirement


def start_atoms(files: Iterable[Any], graph: Any) -> dict[str, Atom]:
    """Function key -> the atom naming its process's start (`@` and the function's name), for
    each function that forks and then opens syslog (processes.fork_starts: the processes
    analysis' children)."""
    facts = gather(files, graph)
    return {key: Atom("@" + graph.functions[key].name) for key in sorted(fork_starts(facts)) if key in graph.functions}


def with_child_starts(requirements: Mapping[SiteKey, RequirementAnswer], processes: Mapping[SiteKey, ProcessAnswer],
                      rows: Iterable[Any], named: Mapping[Atom, Requirement]) \
        -> tuple[dict[SiteKey, RequirementAnswer], tuple[Option, ...]]:
    """The requirements with each start atom named after its process (`rows`, the catalog's
    process table: name, start function, file), a site that only children write needing the
    start of one of them, and the option table's entries for the atoms (kind "process",
    `means` the start condition). A process that runs the site only in a mode under which the log function
    writes nothing (keepalived's parent under -t: `logged_only_if` `!-t`) counts only in that
    mode, which then drops out. `named`: start atom -> its meaning (inherited's `named`)."""
    if not named:  # no child started under a condition: nothing changes
        return dict(requirements), ()
    rename: dict[Atom, Requirement] = {}
    conditions: dict[str, Requirement] = {}
    options, derivations = [], {}
    for row in rows:
        old = Atom("@" + row.start)
        if old not in named:
            conditions[row.name] = Requirement.TRUE
            continue
        new = Atom("@" + row.name)
        rename[old] = Requirement.atom(new)
        conditions[row.name] = rename[old]
        means = named[old].replace(rename)
        options.append(Option((str(new),), "process", False, (), row.file, means=str(means)))
        derivations[str(new)] = ChildStart(str(new), row.name, row.start, row.file, str(means))
    answers = {}
    for key, answer in requirements.items():
        found = processes.get(key)
        answers[key] = _with_start(answer, found, rename, conditions, derivations)
    return answers, tuple(options)


def _with_start(answer: RequirementAnswer, found: ProcessAnswer | None, rename: Mapping[Atom, Requirement],
                conditions: Mapping[str, Requirement], derivations: Mapping[str, ChildStart]) -> RequirementAnswer:
    """One site's answer (and its per-text answers, each with the processes writing that text:
    ProcessAnswer.for_text) with the start atoms (with_child_starts)."""

    def start_of(found: ProcessAnswer | None) -> Requirement:
        if found is None or found.never or not found.processes:
            return Requirement.TRUE
        # A process running the call only in a mode under which the log function writes
        # nothing (keepalived's parent under -t) is no way of logging it; any other mode
        # found is one of several that may take the process there (not needed).
        silent = {a.name for a in answer.logged_only_if.atoms()} if answer.logged_only_if is not None else set()
        modes = {d.process: d.option for d in found.derivation if isinstance(d, InProcessWith) and d.option in silent}
        return Requirement.any_of(conditions.get(p, Requirement.TRUE)
                                  & (Requirement.atom(modes[p]) if p in modes else Requirement.TRUE)
                                  for p in found.processes).simplified()

    def one(a: RequirementAnswer, started: Requirement) -> RequirementAnswer:
        requirement = a.requirement.replace(rename) if rename else a.requirement
        if not started.is_true and not requirement.is_false:
            requirement = requirement & started
            if a.logged_only_if is not None:  # (`-t || @vrrp` for a message never written under -t: @vrrp)
                silent = a.logged_only_if
                requirement = (requirement & silent).exists(lambda x: x in silent.atoms())
            requirement = requirement.simplified()
        if requirement == a.requirement:
            return a
        atoms = sorted(str(x) for x in requirement.atoms() if str(x) in derivations)
        derivation = tuple(_renamed(d, rename) for d in a.derivation if not isinstance(d, ChildStart))
        return replace(a, requirement=requirement, derivation=derivation + tuple(derivations[x] for x in atoms))

    texts = tuple((t, one(a, start_of(found.for_text(t) if found is not None else None))) for t, a in answer.texts)
    answer = one(answer, start_of(found))
    return replace(answer, texts=texts) if texts else answer


def _renamed(d: Any, rename: Mapping[Atom, Requirement]) -> Any:
    """A derivation whose text names a start atom (a caller's need in DecidedByCallers) with
    the process's name."""
    if not isinstance(d, DecidedByCallers) or not rename:
        return d
    paths = []
    for file, line, caller, needs in d.paths:
        for old, new in rename.items():
            needs = needs.replace(str(old), str(new))
        paths.append((file, line, caller, needs))
    return replace(d, paths=tuple(paths))
