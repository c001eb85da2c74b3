"""Each call site's processes and syslog facility: the processes analysis's answers, keyed by
SiteKey, and the pipeline step that gives them with the process table.

Reads the process model (processes.py: processes, their regions and constant state), the
facilities (facilities.py) and the requirement each site has (a call that needs -D runs where
-D takes the program); no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.guardfilter import with_atoms
from srcscan.analyze.facilities import Priorities, facility_changes, facility_expressions, message_facility, process_facilities
from srcscan.analyze.idents import all_forms, pattern_texts
from srcscan.analyze.platformcalls import PlatformBranches, platform_callers
from srcscan.analyze.processes import Model, build_model, message_processes
from srcscan.analyze.eventprocs import event_processes
from srcscan.analyze.textprocs import text_processes
from srcscan.analyze.setuporder import (SetupOrder, before_openlog, before_setup, facility_before_setup, sole_openlog,
                                        when_by_callers)
from srcscan.analyze.streams import stream_modes, streamed
from srcscan.analyze.unparsedcallers import LazyTexts, TextCalls, function_at, other_build_callers, text_callers
from srcscan.analyze.syslogfacts import UNKNOWN, gather
from srcscan.analyze.context import Context
from srcscan.sections import LoggingSetup, ProcessRow, Sections, UnreachableSite
from srcscan.model import (CallSite, DecidedByCallers, Derivation, InProcessWith, LogSite, NotInProcess, ProcessAnswer, ProcessesFrom,
                           ReachedBy, RequirementAnswer, SiteKey)
from srcscan.analyze.conditions import Conditions
from srcscan.analyze.logfuncs import log_function_of
from srcscan.analyze.settings import levels_of, parse_with


# ---------------------------------------------------------------------------- the analysis

def answer_processes(sites: Iterable[LogSite], requires: Mapping[SiteKey, tuple[tuple[str, ...], ...]],
                     model: Model, facilities: dict[str, tuple[str, ...]], changes: dict[str, dict[str, str]],
                     syslog_on: bool, priorities: Priorities,
                     mute: Callable[[LogSite, str], bool] | None = None,
                     text_calls: TextCalls | None = None,
                     silent_calls: Mapping[SiteKey, frozenset[tuple[str, int]]] | None = None,
                     branches: PlatformBranches | None = None,
                     before_setup: tuple[SetupOrder | None, tuple[str, ...]] = (None, ()),
                     stream: Callable[[LogSite, str], str] | None = None) -> dict[SiteKey, ProcessAnswer]:
    """SiteKey -> ProcessAnswer for every site. `requires` gives each site's requirement as
    alternatives of option atoms (the requirements analysis's answer): a call that needs -D runs
    where -D takes the program. `facilities`/`changes`: process_facilities and facility_changes.
    `mute(site, mode)`: whether the site's log function writes nothing when the program runs
    in that mode (muted_modes); a process that runs the call only in such a mode cannot write it.
    `text_calls`: the tree's calls by text, for a function the parsed calls reach from no start.
    `silent_calls`: per site, the calls (file, line) of its function whose arguments make it
    write nothing (the requirements analysis' "false" paths, silent_calls()): a process that
    reaches the function only through them does not write the message. `branches`: which
    skipped `#if` branches only platform checks decide (platformcalls.py): the processes that
    make a call of the function in such a branch write the message too. `before_setup`: (when
    the entry point sets its facility up, the facility before it) (setuporder.py). `stream(site,
    mode)`: the stream the log function writes to in a mode (streams.stream_modes): a process
    running the call in that mode writes it there (facility_with `-t: stderr`), not nothing."""
    graph = model.graph
    by_file = file_processes(graph, model)
    paths = CallPaths(model)
    answers: dict[SiteKey, ProcessAnswer] = {}
    opened = sole_openlog(graph.functions)
    for site in sites:
        if site.key in answers:
            continue
        call, key = site.call, site.function_key
        if requires.get(site.key) == (("false",),):
            answers[site.key] = ProcessAnswer((), (), (), ())  # never logged (the requirement says why)
            continue
        fn = graph.functions.get(key)
        guards = call.guards
        procs, only, found_in = model.processes_of(call.line, key, guards, requires.get(site.key, ()))
        streams = streamed(site, key, tuple(guards), model, stream) if stream is not None else {}
        silent = {q: mode for q, mode in only.items() if mode not in streams and mute is not None and mute(site, mode)}
        if silent:
            procs = tuple(q for q in procs if q not in silent)
            only = {q: mode for q, mode in only.items() if q not in silent}
            found_in = {q: r for q, r in found_in.items() if q not in silent}
        if (procs or not silent) and all(q in only for q in procs):  # no process runs it under the options in force
            anywhere = model.regions_anywhere()
            for q in message_processes(call.line, key, model.procs, anywhere, guards, state=model.state):
                found_in.setdefault(q, anywhere[q])
            procs = tuple(p.name for p in model.procs if p.name in found_in)
        how: tuple[Derivation, ...] = ()
        if not procs and not any(key in r for r in model.regions_anywhere().values()) \
                and not model.state.never_runs(key):
            procs, where = other_build_callers(fn, model, requires.get(site.key, ()))
            if procs:
                how = (ProcessesFrom("skipped-branch", where),)
            elif text_calls is not None and (found := text_callers(call.function, model, text_calls, requires.get(site.key, ())))[0]:
                procs, where = found
                how = (ProcessesFrom("callers", where),)
            else:
                # Not reached from any process start (called through a pointer the graph could
                # not resolve): the processes that run the rest of its file.
                procs = by_file.get(call.file) or tuple(p.name for p in model.procs)  # (an assert handler: any)
                how = (ProcessesFrom("file", call.file),)
        if procs and branches is not None and fn is not None and fn.name in model.facts.skipped_calls:
            more, where = platform_callers(fn, model, branches, function_at, lambda line, caller: message_processes(
                line, caller, model.procs, model.region, (), state=model.state))
            more = tuple(q for q in more if q not in silent)  # (a mode under which it writes nothing)
            if any(q not in procs for q in more):
                procs = tuple(p.name for p in model.procs if p.name in procs or p.name in more)
                how += (ProcessesFrom("platform-branch", where),)
        quiet = _only_silent_calls(key, found_in, (silent_calls or {}).get(site.key, frozenset()), model)
        if quiet and len(quiet) == len(procs):
            # Every process reaches it only through calls that write nothing, yet the requirement
            # holds on another call (keepalived's REALLOC() -> keepalived_realloc() in a build
            # whose parse this one lacks): where that call runs is not known; left as it is.
            quiet = {}
        if quiet:
            procs = tuple(q for q in procs if q not in quiet)
            only = {q: mode for q, mode in only.items() if q not in quiet}
            found_in = {q: r for q, r in found_in.items() if q not in quiet}
        pruned = tuple(NotInProcess(q, why) for q in _pruned_from(call.line, key, guards, procs, model) if (
            why := model.state.why_not(q, key, tuple(guards), call.line))) + tuple(NotInProcess(q, why) for q, why in quiet.items()) + tuple(
            NotInProcess(q, f"it runs there only with {mode}, under which {call.callee}() writes nothing")
            for q, mode in silent.items())
        outcomes = _priority_outcomes(call, site.log_function, fn, graph, priorities)
        facility, with_, fixed = message_facility(outcomes, tuple(q for q in procs if only.get(q) not in streams),
                                                  facilities, changes, syslog_on)
        with_ = tuple(sorted({**dict(with_), **streams}.items()))
        if before_setup[0] is not None and not fixed and any(p.start == "main" and p.name in procs for p in model.procs):
            when = _setup_side(before_setup[0], site, model, (silent_calls or {}).get(site.key, frozenset()), text_calls)
            facility, with_, fixed = facility_before_setup(before_setup[0], when, facility, with_, before_setup[1])
        facility, with_, unopened = before_openlog(opened, key, call, facility, with_, syslog_on)  # syslog(3): LOG_USER
        fixed += unopened
        modes = tuple(InProcessWith(q, option) for q, option in only.items())
        reached = tuple(ReachedBy(q, paths.path(q, region, key)) for q, region in found_in.items())
        never = model.state.never_why(key) if not procs else ""
        answers[site.key] = ProcessAnswer(procs, facility, with_, reached + how + modes + pruned + fixed, never)
    return answers


def analyze_processes(context: Context, requirements: Mapping[SiteKey, RequirementAnswer]) \
        -> tuple[dict[SiteKey, ProcessAnswer], Sections]:
    """The pipeline's step: SiteKey -> ProcessAnswer for every site of the context (where a
    site runs depends on the options it needs: `requirements`, the requirements analysis'
    answers), and the catalog's sections: the process table (messages counted per text of
    each site), how many messages took their file's processes, the sites no process can ever
    run (`unreachable`, one row per text: catalog.assemble leaves them out) and the logging
    set-up."""
    graph = context.graph
    facts = gather(context.scan.all_files, graph)
    settings = parse_with(context.with_options, context.options, context.rules.config.false_values)
    model = build_model(graph, facts, context.options, context.rules, settings, context.index)
    values = dict(settings.values)
    for o in context.options:  # the rules name an option by any of its names (`--log-facility`, `-8`)
        if o.name in values:
            values.update({n: values[o.name] for n in o.names if n not in values})
    syslog_on = model.logging.destination == "syslog" or settings.levels.get(model.logging.syslog_option, 0) > 0
    facilities = process_facilities(model, values, syslog_on)
    changes = facility_changes(model, values)
    before = before_setup(model, values, syslog_on)
    requires = {key: answer.requirement.alternatives() for key, answer in requirements.items()}
    text = context.tree.text(context.rules.exclude)
    mute = muted_modes(context, model)
    answers = answer_processes(context.sites, requires, model, facilities, changes, syslog_on, Priorities(graph, facts),
                               mute, TextCalls(texts := LazyTexts(text)), silent_calls(requirements),
                               PlatformBranches(texts, context.rules.preprocessor), before,
                               stream_modes(model, context.index, dict(context.rules.logging.stream_writers), mute))
    answers = event_processes(answers, requirements, context.sites, model, (e.send for e in context.rules.events))
    answers = text_processes(answers, requirements, model)
    counts: dict[str, int] = defaultdict(int)
    unreachable, by_file_count = [], 0
    for site in context.sites:
        answer = answers.get(site.key)
        texts = context.texts.get(site.key, ())
        if answer is None:
            continue
        if answer.never:
            unreachable.extend(UnreachableSite(site.call.file, t.line, site.call.function, t.format, answer.never)
                               for t in texts)
            continue  # the daemon can never write it
        for t in texts:
            for p in answer.for_text(t.template).processes:
                counts[p] += 1
        if any(isinstance(d, ProcessesFrom) and d.kind == "file" for d in answer.derivation):
            by_file_count += len(texts)
    unreachable.sort(key=lambda u: (u.file, u.line, u.function, u.format))
    logging = LoggingSetup(model.logging.destination, model.logging.syslog_option, model.logging.facility_option)
    suffixes = tuple(dict.fromkeys(b.ident_suffix for f in context.rules.log_functions for b in f.facility_bits
                                   if b.ident_suffix))
    return answers, Sections(processes=process_table(model, facilities, changes, counts, suffixes),
                             processes_from_file=by_file_count, unreachable=tuple(unreachable), logging=logging)


def _setup_side(order: SetupOrder, site: LogSite, model: Model, silent: frozenset[tuple[str, int]],
                text_calls: TextCalls | None) -> str:
    """"before", "after" or "both": when the entry process writes the site's message relative
    to the set-up of its facility (SetupOrder.when), read from the calls that can make it
    write it where its function's own place says nothing or too much:
    - a function no process's parsed calls run is where the text's calls of it are (those
      of a skipped `#if` branch too), when each sits in a function a process runs
      (lighttpd 1.4.85's mod_gnutls_ssl_conf_dhparameters(), only network_init_ssl() and
      mod_gnutls_ssl_conf_cmd() call, under `#if GNUTLS_VERSION_NUMBER < 0x030600`: before
      the error log is opened);
    - a function run on both sides, whose calls `silent` (file, line; silent_calls) pass
      what makes this message not written, is where its other calls are, when every one is a
      direct call (lighttpd 1.4.85's sock_addr_from_str_hints(): only network.c:296's family
      can make it look an IPv6 name up, not gw_backend.c's AF_UNIX)."""
    call, key = site.call, site.function_key
    when = order.when(key, call.line, call.guards)
    graph = model.graph
    anywhere = model.regions_anywhere()
    if not any(key in r for r in anywhere.values()):
        # (the text's calls: the skipped branches' scan also lists the function's own declarations;
        # a name under a directive is the function's other-build twin, whose place says nothing new)
        lines = sorted(line for line in text_calls.lines(call.function)
                       if not text_calls.under_directive(*line)) if text_calls is not None else []
        holders = [function_at(model, file, line) for file, line in lines]
        if not holders or any(h is None or h.key == key or not any(h.key in r for r in anywhere.values())
                              for h in holders):
            return when
        return when_by_callers(order, ((h.key, line, ()) for h, (_, line) in zip(holders, lines))) or when
    if when != "both" or not silent or key in graph.entry_points or any(step[0] == key for step in order.chain):
        return when
    calls = [(caller, data) for caller, data in graph.callers(key)
             if (getattr(graph.functions.get(caller), "file", None), data["line"]) not in silent]
    if any(data["kind"] != "direct" or caller not in graph.functions for caller, data in calls):
        return when
    return when_by_callers(order, ((caller, data["line"], data["guards"]) for caller, data in calls)) or when


def silent_calls(requirements: Mapping[SiteKey, RequirementAnswer]) -> dict[SiteKey, frozenset[tuple[str, int]]]:
    """SiteKey -> the calls (file, line) of the site's function whose arguments make its log
    function write nothing: the requirements analysis' DecidedByCallers paths that need
    "false" (keepalived's print_parent_data() opens a file and returns when it cannot, then
    calls dump_global_data(fp), whose conf_write() logs only for a NULL fp). A path it counted
    as not logging only because it could not know a value (named in `uncertain`) is left out."""
    out = {}
    for key, answer in requirements.items():
        found = frozenset((file, line) for file, line in answer.silent_calls.union(
            (file, line) for d in answer.derivation if isinstance(d, DecidedByCallers)
            for file, line, _, needs in d.paths if needs == "false")
            if not any(f"{file}:{line} " in u for u in answer.uncertain))
        if found:
            out[key] = found
    return out


def _only_silent_calls(key: str, found_in: Mapping[str, set[str]], silent: frozenset[tuple[str, int]],
                       model: Model) -> dict[str, str]:
    """Process -> why, for each process of `found_in` whose region reaches function `key` only
    through calls in `silent` (file, line), at any depth: walking the callers up from `key`
    inside the region without crossing a silent call reaches neither the process's start nor
    a function the region holds without a caller in it (reached some way the graph does not
    show); such a process cannot write the message."""
    if not silent:
        return {}
    out = {}
    for q, region in found_in.items():
        starts = {p.start for p in model.procs if p.name == q}
        where, seen, todo, open_path, deep = set(), {key}, [key], False, False
        while todo and not open_path:
            callee = todo.pop()
            calls = [(caller, data) for caller, data in model.graph.callers(callee) if caller in region]
            if not calls or callee in starts:
                open_path = True
                break
            for caller, data in calls:
                fn = model.graph.functions.get(caller)
                if fn is not None and (fn.file, data["line"]) in silent:
                    where.add(f"{fn.name}() at {fn.file}:{data['line']}")
                    deep = deep or callee != key
                elif caller not in seen:
                    seen.add(caller)
                    todo.append(caller)
        if not open_path and where:
            name, listed = model.graph.functions[key].name, ", ".join(sorted(where))
            out[q] = (f"its calls of {name}() there ({listed}) pass what makes the log function write elsewhere "
                      f"(their path needs false)" if not deep else
                      f"it reaches {name}() there only through {listed}, whose arguments leave nothing "
                      f"logged further down (their path needs false)")
    return out


def muted_modes(context: Context, model: Model) -> Callable[[LogSite, str], bool]:
    """(site, mode) -> whether the site's log function writes nothing when the program runs in
    `mode` (Model.modes), whatever its arguments: keepalived 2.3.4's vlog_message() returns
    `if (__test_bit(CONFIG_TEST_BIT, &debug))` (lib/logger.c:128) and report_config_error()
    prints to stderr instead under -t (lib/parser.c:275), so the parent's -t run of the
    configuration code logs none of it. The log function's condition is the requirements
    analysis' own (conditions.Conditions.sink_of), its parameter tests taken as any value."""
    graph = context.graph
    known = dict(context.log_functions)
    conditions = Conditions(graph, context.index, lambda fn, c: log_function_of(known, fn.file, c.callee) is not None, {})
    levels = {mode: levels_of(with_atoms(model.settings, [mode])) for mode in model.modes}
    memo: dict[tuple[str | None, str], bool] = {}

    def mute(site: LogSite, mode: str) -> bool:
        call = site.call
        sink = graph.key_for(call.callee, call.file) if not call.indirect else None
        if (sink, mode) not in memo:
            writes = conditions.sink_of(sink).exists(lambda a: a.is_test)
            memo[(sink, mode)] = mode in levels and not writes.holds(levels[mode])
        return memo[(sink, mode)]

    return mute


def process_table(model: Model, facilities: dict[str, tuple[str, ...]], changes: dict[str, dict[str, str]],
                  counts: Mapping[str, int], suffixes: tuple[str, ...] = ()) -> tuple[ProcessRow, ...]:
    """The catalog's `processes` section: one row per process, its start, idents and facility.
    `suffixes`: what log functions add to the program name by the priority's facility bits
    (rules' `[[log_functions.facility_bits]] ident_suffix`: dnsmasq-dhcp, dnsmasq-tftp)."""
    table = []
    for p in model.procs:
        fn = model.graph.functions.get(p.start)
        idents = list(model.idents[p.name]) + [q + (s,) for s in suffixes for q in model.idents[p.name]]
        table.append(ProcessRow(
            name=p.name,
            start=fn.name if fn else p.start,
            file=fn.file if fn else "",
            fork_line=p.fork_line,
            idents=tuple(all_forms(idents)),
            ident_patterns=tuple(pattern_texts(idents)),
            facility_expression=facility_expressions(model, p),
            facility=tuple(facilities[p.name]),
            facility_with=tuple((o, c[p.name]) for o, c in sorted(changes.items()) if p.name in c),
            messages=counts.get(p.name, 0),
        ))
    return tuple(table)


class CallPaths:
    """The call path by which a process's region reached a function (Region.tree): what lets a
    reader check that the process runs it."""

    def __init__(self, model: Model) -> None:
        self.model = model

    def path(self, process: str, region: set[str], key: str) -> tuple[str, ...]:
        """("main()", "keepalived_main() at keepalived/main.c:29", ...): the start function,
        then each function called with where the call is; () when the region does not hold it."""
        tree = getattr(region, "tree", None)
        if tree is None or key not in region:
            return ()
        steps: list[str] = []
        while key in tree and len(steps) < 64:
            caller, data = tree[key]
            fn, callee = self.model.graph.functions.get(caller), self.model.graph.functions.get(key)
            how = "" if data["kind"] == "direct" else f", {data['kind']} via {data['via']}"
            steps.append(f"{callee.name if callee else key}() at {fn.file if fn else '?'}:{data['line']}{how}")
            key = caller
        start = self.model.graph.functions.get(key)
        return (f"{start.name if start else key}()",) + tuple(reversed(steps))


def _pruned_from(line: int, key: str, guards: Any, procs: tuple[str, ...], model: Model) -> list[str]:
    """Processes that would run the call but for their constant state."""
    if model.state is None or model.unpruned is None:
        return []
    unpruned = message_processes(line, key, model.procs, model.unpruned, guards)
    return [q for q in unpruned if q not in procs]


def _priority_outcomes(call: CallSite, log_fn: Any, fn: Any, graph: CallGraph, priorities: Priorities) -> set:
    """What the call's priority argument makes of its facility (Priorities.of_call)."""
    if fn is None or log_fn is None:
        return set()
    if log_fn.priority_arg is None:
        target = graph.key_for(call.callee, fn.file)
        return priorities.of_fixed(target) if target else set()
    if log_fn.priority_arg >= len(call.args):
        return set()
    value = call.args[log_fn.priority_arg].integer
    target = call.callee if call.callee in ("syslog", "vsyslog") else graph.key_for(call.callee, fn.file)
    return priorities.of_call(target, UNKNOWN if value is None else value) if target else set()


def file_processes(graph: CallGraph, model: Model) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = defaultdict(list)
    for p in model.procs:
        for key in model.region[p.name]:
            fn = graph.functions.get(key)
            if fn is not None and p.name not in out[fn.file]:
                out[fn.file].append(p.name)
    order = [p.name for p in model.procs]
    return {f: tuple(sorted(names, key=order.index)) for f, names in out.items()}

