"""Steps of the requirements analysis around the per-site answers (analyze.requirements):
which function a site read from the text belongs to, the rules' `[options] implies` pairs
added to an answer, and the build conditions the rules' `[preprocessor] never` rules out.
Facts and answers in, answers out; no I/O."""

from __future__ import annotations

import re
from dataclasses import replace
from fnmatch import fnmatchcase
from typing import Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.model import FunctionFacts, RequirementAnswer
from srcscan.preprocessor import build_holds
from srcscan.requirement import Requirement


def definition_parsed(site, graph: CallGraph) -> FunctionFacts | None:
    """A site read from the text of a function that no parse holds (a definition another build
    compiles: dnsmasq's tables.c add_to_ipset for BSD beside ipset.c's): the function the call
    graph names so (LogSite.function_key), whose callers call it whichever definition is built.
    None for a parsed site or a name the graph does not hold."""
    if site.extracted != "text":
        return None
    return graph.functions.get(site.function_key)


def with_implied(answer: RequirementAnswer, implies: Iterable[tuple[str, str]]) -> RequirementAnswer:
    """The answer (and its per-text answers) with the rules' `[options] implies` pairs (a, b)
    added where the requirement names a: a message needing `--dnssec` needs `--trust-anchor`
    too, since dnsmasq does not start with the first alone; `!--dnssec` is left as it is, and so
    is a message that needs b not given (`ssl.engine && !ssl.pemfile`: the start-up check that
    stops the daemon, lighttpd's 'ssl.pemfile has to be set when ssl.engine = "enable"')."""
    requirement = answer.requirement
    for a, b in implies:
        if any(atom.name == a for atom in requirement.atoms()) \
                and not (requirement & Requirement.atom(b)).simplified().is_false:
            requirement = (requirement & (Requirement.atom(a, negated=True) | Requirement.atom(b))).simplified()
    texts = tuple((t, with_implied(r, implies)) for t, r in answer.texts)
    if requirement == answer.requirement and texts == answer.texts:
        return answer
    return replace(answer, requirement=requirement, texts=texts)


def never_built(context):
    """build condition -> the macros of the rules' `[preprocessor] never` it needs defined
    (none when some build without them compiles it)."""
    patterns = context.rules.preprocessor.never
    memo: dict[str, tuple[str, ...]] = {}

    def needs(build: str) -> tuple[str, ...]:
        if not patterns or not build:
            return ()
        if build not in memo:
            named = sorted({w for w in re.findall(r"[A-Za-z_]\w*", build) if any(fnmatchcase(w, p) for p in patterns)})
            memo[build] = tuple(named) if named and not build_holds(build, (), named) else ()
        return memo[build]
    return needs


def configuring_functions(graph, patterns: Iterable[str]) -> frozenset[str]:
    """Keys of the functions a configuration-reading function (the rules' `[config]
    defaults_functions`: lighttpd's `mod_*_set_defaults`) calls, directly or through direct
    calls: they run while the configuration is read, before any start-up check on it (a
    callback such a function registers runs later and is not among them)."""
    starts = [k for k, fn in graph.functions.items() if any(fnmatchcase(fn.name, p) for p in patterns)]
    return frozenset(graph.reachable(starts, kinds=frozenset({"direct"})))


def checked_before(sites, answers, implies: Iterable[tuple[str, str]], noreturn: Iterable[str],
                   entry: set[str], build: Mapping) -> dict[tuple[str, str, str], tuple[int, str]]:
    """(file, function, a) -> (line, build condition) of the first call, in an entry function
    (main), of a function that never returns (the rules' `[callgraph] noreturn`: dnsmasq's die())
    whose answer needs option a of an `[options] implies` pair (a, b): the start-up check that
    stops the daemon given a without b ("no root trust anchor provided for DNSSEC", dnsmasq.c:195,
    under `option_bool(OPT_DNSSEC_VALID)`). See `after_check`."""
    stops: dict[tuple[str, str, str], tuple[int, str]] = {}
    names = frozenset(noreturn)
    for site in sites:
        key, answer = site.call.key, answers.get(site.call.key)
        if key.function not in entry or answer is None or site.call.callee not in names:
            continue
        for a, _b in implies:
            here = (key.file, key.function, a)
            if (answer.requirement & Requirement.atom(a, negated=True)).simplified().is_false \
                    and key.line < stops.get(here, (key.line + 1, ""))[0]:
                stops[here] = (key.line, build.get(key, ""))
    return stops


def after_check(key, a: str, stops: Mapping, build: Mapping) -> bool:
    """Whether a site of an entry function runs only after its start-up check for option a
    (`checked_before`): on a later line, in a build compiling the check (its build condition's
    conjuncts among the site's: dnsmasq.c:200 'DNSSEC not available', under
    `!defined(HAVE_DNSSEC)` after the check under `defined(HAVE_DNSSEC)`, does not). Sites on
    earlier lines, and the check itself, run before it."""
    stop = stops.get((key.file, key.function, a))
    if stop is None or key.line <= stop[0]:
        return False
    return not stop[1] or set(stop[1].split(" && ")) <= set(build.get(key, "").split(" && "))
