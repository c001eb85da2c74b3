"""From (project, version) to a Catalog: obtain the tree, scan it, run the analyses.

The analyses run in the order of ANALYSES; each takes the context built so far and
returns the messages (possibly annotated) and catalog sections of its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from srcscan.catalog import Catalog, Message, all_functions, find_messages, new_catalog, openlog_calls
from srcscan.errors import InputError
from srcscan.model import FunctionFacts
from srcscan.rules import LogFunction, Rules, load_rules
from srcscan.progress import counter, phase, running
from srcscan.scan import ScanResult, gc_paused
from srcscan.sources import SourceTree


@dataclass(frozen=True)
class Context:
    """What an analysis may read."""

    rules: Rules
    tree: SourceTree
    scan: ScanResult
    functions: tuple[FunctionFacts, ...]  # every definition once
    log_functions: dict[str, LogFunction]
    messages: tuple[Message, ...]
    cache_dir: Path
    with_options: tuple[str, ...] = ()  # `--with` settings, for analyses that resolve them
    progress: bool = True
    graph: Any = None  # the call graph (analyze.callgraph.CallGraph), built once for every analysis
    options: tuple = ()  # the option table (analyze.options.Option), found once
    index: Any = None  # options by what they write, with the parameters carrying them (requirements.Index)


Analysis = Callable[[Context], tuple[list[Message], dict[str, Any]]]

# (section name, analysis), run in this order. Later issues add rows here.
def _requirements(context: "Context") -> tuple[list[Message], dict[str, Any]]:
    from srcscan.analyze.requirements import analyze_requirements

    return analyze_requirements(context)


def _build(context: "Context") -> tuple[list[Message], dict[str, Any]]:
    from srcscan.coverage import analyze_build

    return analyze_build(context)


def _processes(context: "Context") -> tuple[list[Message], dict[str, Any]]:
    from srcscan.analyze.process_answers import analyze_processes

    return analyze_processes(context)


ANALYSES: tuple[tuple[str, Analysis], ...] = (
    ("build", _build),  # first: Message.build is there for analyses that filter on --with macros
    ("requirements", _requirements),
    ("processes", _processes),  # after requirements: where a message runs depends on the options it needs
)


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
                    scan: ScanResult | None = None, timings: dict[str, float] | None = None) -> Built:
    """The catalog of `tree`. `scan`: the tree's scan already made (srcscan.releases scans the
    next release in another process while this one is analysed); `timings` receives the
    seconds spent on "scan" and "analyses" (the history's report of where the time goes)."""
    # A run builds millions of small objects that live until it ends (facts, graph, messages)
    # and almost no reference cycles: without the cycle collector, which would walk all of
    # them again and again, the run takes a third less time. It is back on when the run ends.
    with gc_paused():
        return _build_from_tree(rules, tree, cache_dir, with_options, jobs, compile_commands, notify, scan,
                                timings if timings is not None else {})


def _build_from_tree(rules: Rules, tree: SourceTree, cache_dir: Path, with_options: tuple[str, ...], jobs: int,
                     compile_commands: Path | None, notify: Callable[[str], None] | None,
                     scan: ScanResult | None, timings: dict[str, float]) -> Built:
    from srcscan.flags import read_compile_commands

    commands = read_compile_commands(compile_commands, tree.root) if compile_commands is not None else None
    if commands is not None and notify is not None:
        for outside in commands.outside:
            notify(f"warning: {commands.path} lists {outside}, outside the tree: skipped")
    from srcscan.results import ResultCache, run_key

    results = ResultCache(cache_dir / "results")
    key = run_key(rules, tree, with_options, commands)
    hit = results.get(key)
    if hit is not None:
        return Built(hit[0], hit[1], tree)
    started = time.perf_counter()
    if scan is None or commands is not None:
        from srcscan.coverage import scan_with_coverage  # (not imported at all on a warm run)

        scan = scan_with_coverage(tree, rules, cache_dir=cache_dir, compile_commands=commands,
                                  progress=counter("parse (files)"), jobs=jobs)
    timings["scan"] = time.perf_counter() - started
    if not scan.files:
        raise InputError(f"no C files under {tree.root}")
    started = time.perf_counter()
    catalog = _analyse(rules, tree, scan, cache_dir, with_options)
    timings["analyses"] = time.perf_counter() - started
    results.put(key, catalog, scan)
    return Built(catalog, scan, tree)


def _analyse(rules: Rules, tree: SourceTree, scan: ScanResult, cache_dir: Path, with_options: tuple[str, ...]) -> Catalog:
    functions = tuple(all_functions(scan.all_files))  # a function parsed in several profiles: its calls merged
    log_functions, messages = find_messages(rules, list(functions))
    from srcscan.analyze.callgraph import build_call_graph
    from srcscan.analyze.options import find_options
    from srcscan.analyze.options import find_defaults, find_key_cases, find_start_values
    from srcscan.analyze.requirements import option_index

    objects = [(name, file, facts) for f in scan.all_files
               for name, (file, facts) in f.extra.get("logsetup", {}).get("objects", {}).items()]
    graph = build_call_graph(functions, [r for f in scan.all_files for r in f.refs], rules.callgraph.entry_points,
                             objects)
    options = find_options(scan.all_files + scan.option_parses, rules)
    context = Context(rules, tree, scan, functions, log_functions, tuple(messages), cache_dir, with_options,
                      graph=graph, options=options,
                      index=option_index(graph, options, rules, find_key_cases(scan.all_files),
                                         find_defaults(scan.all_files),
                                         find_start_values(scan.all_files, functions, rules.options.getopt_calls),
                                         {f.path: f.extra.get("logsetup", {}).get("text_writes", {}) for f in scan.files}))
    sections: dict[str, Any] = {}
    with phase("analyses", total=len(ANALYSES)) as step:
        for name, analysis in ANALYSES:
            step.describe(f"analyses: {name}")
            new_messages, new_sections = analysis(context)
            sections.update(new_sections)
            context = replace(context, messages=tuple(new_messages))
            step.advance()
    if scan.skipped:  # confinement: what was not read, and why (sources/text.py)
        sections["skipped"] = [s.to_dict() for s in scan.skipped]
    catalog = new_catalog(rules, tree.provenance.version, tree.provenance, scan.files, log_functions,
                          openlog_calls(list(functions)), list(context.messages), sections)
    return catalog
