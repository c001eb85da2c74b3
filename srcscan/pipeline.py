"""From (project, version) to a Catalog: obtain the tree, scan it, run the analyses.

The pipeline as data: per-file facts (scan) -> log sites (parsed, then read from the text)
and their texts -> one Context (analyze.context) -> each analysis' answers keyed by SiteKey
(build, requirements, processes with facilities) -> the messages, assembled once from the
sites and those maps (catalog.assemble) -> the Catalog.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

from srcscan.errors import InputError
from srcscan.rules import Rules, load_rules
from srcscan.progress import counter, phase, running
from srcscan.scan import ScanResult, gc_paused
from srcscan.sources import SourceTree

if TYPE_CHECKING:  # the analyses are imported by _analyse only: a warm run (a results hit) never loads them
    from srcscan.analyze.context import Context
    from srcscan.analyze.settings import Settings
    from srcscan.catalog import Catalog
    from srcscan.model import RequirementAnswer


@dataclass(frozen=True)
class Request:
    project: str  # project name or rules file path
    version: str | None = None
    source: str | None = None  # --source URL or path for the git provider
    path: Path | None = None  # --path: a tree already on disk
    cache_dir: Path | None = None
    with_options: tuple[str, ...] = ()
    jobs: int = 2
    compile_commands: Path | None = None  # -p DIR: a real build's compile_commands.json
    providers: tuple[str, ...] | None = None  # --provider: these source providers only (default: the rules')


@dataclass(frozen=True)
class Built:
    catalog: Catalog
    scan: ScanResult
    tree: SourceTree
    # The tree's analyses no `--with` setting changes (_Prepared), kept for as long as the
    # caller keeps this Built: a `--with` run of the same tree in this process reuses them.
    prepared: object = field(default=None, repr=False, compare=False)


def request_label(request: Request, rules: Rules | None = None) -> str:
    """The progress display's title for a run: "PROJECT VERSION" (or the --path tree's name)."""
    rules = rules or load_rules(request.project)
    where = request.version or (request.path.name if request.path else "")
    return f"{rules.project} {where}".strip()


def build(request: Request, notify: Callable[[str], None]) -> Built:
    """Obtain the tree and build its catalog, showing each phase on a terminal (progress.py)."""
    from srcscan.sources.obtain import default_cache_dir, obtain_tree

    rules = load_rules(request.project)
    cache_dir = request.cache_dir or default_cache_dir()
    with running(request_label(request, rules)):
        with phase("source") as step:
            tree = obtain_tree(rules, request.version, source=request.source, path=request.path, cache_dir=cache_dir,
                               notify=notify, providers=request.providers,
                               progress=lambda suite: step.describe(f"source: Debian index {suite}"))
        return build_from_tree(rules, tree, cache_dir, request.with_options, request.jobs,
                               compile_commands=request.compile_commands, notify=notify)


def build_from_tree(rules: Rules, tree: SourceTree, cache_dir: Path, with_options: tuple[str, ...] = (), jobs: int = 2,
                    compile_commands: Path | None = None, notify: Callable[[str], None] | None = None,
                    scan: ScanResult | None = None, timings: dict[str, float] | None = None,
                    scanned: Callable[[], None] | None = None) -> Built:
    """The catalog of `tree`. `scan`: the tree's scan already made; `timings` receives the
    seconds spent on "scan" and "analyses" (the history's report of where the time goes);
    `scanned` is called once the scan is done (or found unneeded: the whole run cached), before
    the analyses (srcscan.releases then starts scanning the next release)."""
    # A run builds millions of small objects that live until it ends (facts, graph, messages)
    # and almost no reference cycles: without the cycle collector, which would walk all of
    # them again and again, the run takes a third less time. It is back on when the run ends.
    with gc_paused():
        return _build_from_tree(rules, tree, cache_dir, with_options, jobs, compile_commands, notify, scan,
                                timings if timings is not None else {}, scanned or (lambda: None))


def _build_from_tree(rules: Rules, tree: SourceTree, cache_dir: Path, with_options: tuple[str, ...], jobs: int,
                     compile_commands: Path | None, notify: Callable[[str], None] | None,
                     scan: ScanResult | None, timings: dict[str, float], scanned: Callable[[], None]) -> Built:
    from srcscan.flags import read_compile_commands

    commands = read_compile_commands(compile_commands, tree.root) if compile_commands is not None else None
    if commands is not None and notify is not None:
        for outside in commands.outside:
            notify(f"warning: {commands.path} lists {outside}, outside the tree: skipped")
    from srcscan.results import ResultCache, run_key

    results = ResultCache(cache_dir / "results")
    key = run_key(rules, tree, with_options, commands)
    hit = results.get(key)
    if hit is not None:  # this run's provenance (its notes say how the tree was had this time)
        return Built(replace(hit[0], provenance=tree.provenance), hit[1], tree)
    started = time.perf_counter()
    shared = run_key(rules, tree, (), commands) + "\0" + str(cache_dir)  # the run without its --with settings
    prepared = _PREPARED.get(shared) if with_options else None  # a plain run is made in full, always
    if prepared is not None:  # nothing parsed or read again this time: said as a results hit says it
        scan = replace(prepared.context.scan, parsed=0, cached=len(prepared.context.scan.files), extra_parsed=0,
                       extra_cached=len(prepared.context.scan.extra), extra_seconds=0.0)
    elif scan is None or commands is not None:
        from srcscan.coverage import scan_with_coverage  # (not imported at all on a warm run)

        scan = scan_with_coverage(tree, rules, cache_dir=cache_dir, compile_commands=commands,
                                  progress=counter("parse (files)"), jobs=jobs)
    timings["scan"] = time.perf_counter() - started
    scanned()
    if not scan.files:
        raise InputError(f"no C files under {tree.root}")
    started = time.perf_counter()
    from srcscan.requirement_dnf import load_sop_memo, save_sop_memo

    load_sop_memo(cache_dir)  # the printing's minimal DNFs other runs worked out (requirement_dnf.py)
    catalog, prepared = _analyse(rules, tree, scan, cache_dir, with_options, prepared, shared)
    save_sop_memo(cache_dir)
    timings["analyses"] = time.perf_counter() - started
    results.put(key, catalog, scan)
    return Built(catalog, scan, tree, prepared)


@dataclass(frozen=True)
class _Prepared:
    """What a tree's analyses work out before any `--with` setting counts: the Context, the
    sites' build conditions and requirements (with the child starts' atoms), the coverage
    report; and `restore`, which puts the index's lazily filled tables back as the
    requirements left them (the processes analysis adds to them: a run with other settings
    starts where a fresh run would)."""

    context: Context
    build: dict
    requirements: dict
    starts: Mapping
    coverage: object
    restore: Callable[[], None]


# Each tree's _Prepared while something holds it (the Built of its runs, or _NEWEST), by its
# run key without `--with` settings (and the cache directory): a run over the same tree with
# other settings in the same process (the tests' `--with` catalogs of a release they built
# already, whose Built a session fixture keeps) redoes only the processes and the rest.
_PREPARED: weakref.WeakValueDictionary[str, _Prepared] = weakref.WeakValueDictionary()
_NEWEST: list[_Prepared] = []  # the last tree's, held even when its Built is dropped


def _analyse(rules: Rules, tree: SourceTree, scan: ScanResult, cache_dir: Path, with_options: tuple[str, ...],
             prepared: _Prepared | None = None, shared: str = "") -> tuple[Catalog, _Prepared]:
    """Sites, then every analysis' answers keyed by SiteKey, then the messages once (assemble);
    and the tree's _Prepared. With `prepared` (this tree's, from an earlier run in this
    process): the processes on."""
    from srcscan.analyze.childstarts import with_child_starts
    from srcscan.analyze.keptblocks import with_kept
    from srcscan.analyze.streams import streamed_answers
    from srcscan.analyze.process_answers import analyze_processes
    from srcscan.analyze.settings import parse_with
    from srcscan.catalog import assemble, new_catalog, openlog_calls

    # stores through pointer parameters, for keyword daemons (analyze.paramstores); a reused
    # _Prepared's scan has them already (adding them again would double every such write)
    if rules.config.keyword_calls and prepared is None:
        from srcscan.analyze.paramstores import with_param_stores
        n, m = len(scan.files), len(scan.extra)
        done = with_param_stores(scan.files + scan.extra + scan.option_parses)
        scan = replace(scan, files=done[:n], extra=done[n:n + m], option_parses=done[n + m:])
    indexed = _index(rules, scan) if prepared is None else ()
    with phase("analyses", total=4) as step:
        if prepared is None:
            prepared = _prepare(rules, tree, scan, cache_dir, indexed, step)
            _PREPARED[shared] = prepared
            _NEWEST[:] = [prepared]  # (the others live as long as their Built)
        else:
            step.advance(3)
        prepared.restore()
        context = replace(prepared.context, tree=tree, scan=scan, with_options=with_options)
        build, requirements, starts, options = prepared.build, prepared.requirements, prepared.starts, context.options
        if with_options:  # only the sites the settings let appear
            settings = parse_with(with_options, options, rules.config.false_values)
            context = replace(context, sites=tuple(
                s for s in context.sites if _appears(requirements.get(s.key), build.get(s.key, ""), settings, starts)))
        step.describe("analyses: processes")
        processes, found = analyze_processes(context, requirements)
        requirements, started = with_child_starts(requirements, processes, found.processes or (), starts)
        if rules.config.kept_only_with:  # blocks dropped without some keywords, by process (analyze.keptblocks)
            requirements = with_kept(requirements, rules.config.kept_only_with, dict(rules.config.kept_checked_in),
                                     dict(rules.config.kept_process), context.graph, context.index.keyword_handlers,
                                     {s.key: s.call.guards for s in context.sites}, rules.config.kept_checks,
                                     context.index.keyword_ended)
        requirements = streamed_answers(requirements, processes)  # written to stderr under -t: not `!-t`
        step.advance()
    # the option table is the options found (those --with names too) and the child starts'
    # atoms; skipped: the files confinement did not read, and why (sources/text.py)
    sections = replace(found, coverage=prepared.coverage, options=tuple(options) + started, skipped=scan.skipped)
    messages = assemble(context.sites, context.texts, build, requirements, processes)
    if with_options:  # a text builder's texts have requirements of their own (MessageText.producers)
        from srcscan.analyze.settings import satisfied
        settings = parse_with(with_options, tuple(options) + started, rules.config.false_values)
        messages = [m for m in messages if satisfied(m.requires, settings)]
    return new_catalog(rules, tree.provenance.version, tree.provenance, scan.files, context.log_functions,
                       openlog_calls(list(context.functions)), messages, sections), prepared


def _index(rules: Rules, scan: ScanResult) -> tuple:
    """(functions, log functions, parsed sites, call graph, options, the options' index)."""
    from srcscan.analyze.callgraph import build_call_graph
    from srcscan.analyze.keytypes import key_table_values
    from srcscan.analyze.nevernull import broken_functions, conditional_functions
    from srcscan.analyze.options import find_defaults, find_key_cases, find_locals, find_options, find_start_values
    from srcscan.analyze.initialvalues import initial_values
    from srcscan.analyze.optionflow import zero_at_start
    from srcscan.analyze.requirements import option_index
    from srcscan.analyze.sites import find_log_sites
    from srcscan.catalog import all_functions

    functions = tuple(all_functions(scan.all_files))  # a function parsed in several profiles: its calls merged
    log_functions, parsed = find_log_sites(rules, list(functions))
    objects = [(name, file, facts) for f in scan.all_files if f.logsetup is not None
               for name, (file, facts) in f.logsetup.objects.items()]
    refs = [r for f in scan.all_files for r in f.refs]
    graph = build_call_graph(functions, refs, rules.callgraph.entry_points, objects)
    options = find_options(scan.all_files + scan.option_parses, rules)
    index = option_index(graph, options, rules, find_key_cases(scan.all_files),
                         find_defaults(scan.all_files, rules.config.defaults_functions),
                         find_start_values(scan.all_files, functions, rules.options.getopt_calls),
                         {f.path: f.logsetup.text_writes for f in scan.files if f.logsetup is not None},
                         local_values=find_locals(scan.all_files), refs=refs,
                         writes=[w for f in scan.all_files for w in f.writes],
                         base_writes=[w for f in scan.files for w in f.writes],
                         key_values=key_table_values(scan.all_files), zero_globals=zero_at_start(scan.all_files),
                         base_functions=tuple(all_functions(scan.files)),
                         broken=broken_functions(functions, scan.all_files),
                         conditional=conditional_functions(functions, scan.all_files),
                         steps=[w for f in scan.all_files for w in f.steps],
                         initial_values=initial_values(scan.all_files))
    return functions, log_functions, parsed, graph, options, index


def _prepare(rules: Rules, tree: SourceTree, scan: ScanResult, cache_dir: Path, indexed: tuple, step) -> _Prepared:
    """The sites and their texts, then the analyses no `--with` setting changes (build,
    requirements): the first three steps of the analyses' phase."""
    from srcscan.analyze.context import Context
    from srcscan.analyze.requirements import analyze_requirements
    from srcscan.analyze.sites import site_texts
    from srcscan.coverage import analyze_build, text_sites, texts_in_build

    functions, log_functions, parsed, graph, options, index = indexed
    step.describe("analyses: sites")
    from_text, coverage = text_sites(scan, tree, rules, log_functions)
    # A call read from the text names its function as written: the call graph's key for it.
    from_text = [replace(s, function_key=graph.key_for(s.call.function, s.call.file) or s.call.function)
                 for s in from_text]
    sites = tuple(parsed) + tuple(from_text)
    texts = site_texts(sites, rules, functions, log_functions, [w for f in scan.all_files for w in f.writes],
                       frozenset(r.target for f in scan.all_files for r in f.refs))
    context = Context(rules, tree, scan, functions, log_functions, sites, texts, graph, tuple(options), index, cache_dir)
    step.advance()
    step.describe("analyses: build")
    build, _ = analyze_build(context)
    context = replace(context, texts=texts_in_build(context, build))  # texts only calls of other builds select: none
    step.advance()
    step.describe("analyses: requirements")
    requirements, found = analyze_requirements(context, build)
    step.advance()
    # starts: a child's start condition, as an atom (analyze.childstarts)
    return _Prepared(context, build, requirements, found["starts"], coverage, _tables_as_now(index))


def _tables_as_now(index: object) -> Callable[[], None]:
    """A function putting every dict, set and list field of the dataclass `index` back to what
    it holds now, in place (other objects hold the same tables)."""
    from copy import copy
    from dataclasses import fields

    saved = [(table, copy(table)) for table in (getattr(index, f.name) for f in fields(index))
             if isinstance(table, (dict, set, list))]

    def restore() -> None:
        for table, content in saved:
            table.clear()
            (table.extend if isinstance(table, list) else table.update)(content)

    return restore


def _appears(answer: RequirementAnswer | None, build: str, settings: Settings, starts: Mapping | None = None) -> bool:
    """A site's messages appear under `--with` settings: one alternative of its requirement
    holds (a child's start atom read as what it means, `starts`), its log function writes
    under them (not keepalived's under -t), and its build condition holds for the build
    macros given."""
    from srcscan.analyze.settings import satisfied
    from srcscan.preprocessor import build_holds

    requires = answer.requirement.replace(starts or {}).alternatives() if answer is not None else ()
    logs = answer.logged_only_if.alternatives() if answer is not None and answer.logged_only_if else ()
    return satisfied(requires, settings) and satisfied(logs, settings) \
        and (not settings.macros or build_holds(build, settings.macros))
