"""The coverage step of a catalog run: the default scan, then rounds of extra parses (at most
MAX_ROUNDS, then one with stand-in declarations) until no missing site has a plan left."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable

from srcscan.coverage.plan import (COMPILER_DECIDES, ParsedSites, Plan, base_assignment, declaration_requests,
                                   default_profile, extra_requests, includers_of, matches_any, observe_fixed, plan_site,
                                   profile_name)
from srcscan.coverage.report import coverage_report
from srcscan.coverage.tokens import TokenCache, TokenMemo, TokenSite, log_function_names, read_texts
from srcscan.flags import CompileCommands
from srcscan.model import FileFacts
from srcscan.preprocessor import UNKNOWN_VALUE, PreprocessorRules, Solution, survey_tree, TreeMacros
from srcscan.rules import Rules
from srcscan.scan import ProfileRequest, Progress, scan_profiles, scan_tree, ScanResult
from srcscan.sources import SourceTree


MAX_ROUNDS = 3
_WORD = re.compile(r"[A-Za-z_]\w*")


def scan_with_coverage(tree: SourceTree, rules: Rules, *, cache_dir: Path,
                       compile_commands: CompileCommands | None = None, jobs: int = 2,
                       progress: Progress | None = None) -> ScanResult:
    """Scan the tree with the default profile, then parse again, with extra profiles, only the
    files holding log calls that the token scan finds and the parse missed; the result's
    files hold every parse and its `coverage` the report."""
    pre = rules.preprocessor
    texts = read_texts(tree.text(rules.exclude))
    macros = survey_tree(texts)
    profile = default_profile(rules.profiles[0], macros, pre)
    scan = scan_tree(tree, rules, cache_dir=cache_dir, profile=profile, progress=progress, jobs=jobs,
                     compile_commands=compile_commands)
    memo = TokenMemo(cache_dir)
    run = Run(tree, rules, scan, macros, pre, TokenCache(texts, memo), includers_of(scan.files, texts), cache_dir, jobs)
    started = time.perf_counter()
    if compile_commands is None:
        run.cover()
    seconds = time.perf_counter() - started
    extra = sorted(run.files[len(scan.files):], key=lambda f: (f.path, f.profile))
    report = coverage_report(run)
    memo.save()
    return replace(scan, extra=tuple(extra), coverage=report, extra_parsed=run.parsed,
                   extra_cached=run.cached, extra_seconds=seconds, option_parses=tuple(run.option_files))


class Run:
    """The state of one coverage step: every parse so far, what each showed about the
    system's macros, and which (profile, file) parses each missing site was given."""

    def __init__(self, tree: SourceTree, rules: Rules, scan: ScanResult, macros: TreeMacros, pre: PreprocessorRules,
                 tokens: "TokenCache", includers: Callable[[str], tuple[str, ...]], cache_dir: Path, jobs: int) -> None:
        self.tree, self.rules, self.scan, self.macros, self.pre = tree, rules, scan, macros, pre
        self.tokens, self.includers, self.cache_dir, self.jobs = tokens, includers, cache_dir, jobs
        self.profile = scan.profile or rules.profiles[0]
        self.base, stubbed = base_assignment(self.profile)
        never = frozenset(n for n in macros.tested if matches_any(n, pre.never))
        self.never = never
        self.fixed = stubbed | never | COMPILER_DECIDES
        self.fixed_by = {**{n: "the rules' stub headers define it" for n in stubbed},
                         **{n: "the compiler decides it" for n in COMPILER_DECIDES},
                         **{n: "the rules never change it ([preprocessor] never)" for n in never}}
        self.observed: dict[str, set[str]] = defaultdict(set)  # .c file -> macros its parses showed the system fixes
        self.files: list[FileFacts] = list(scan.files)
        self._names: tuple[int, tuple[str, ...]] = (-1, ())
        self.changes_of: dict[str, tuple] = {self.profile.name: ()}
        self.tried: dict[TokenSite, list[tuple[str, str]]] = defaultdict(list)  # site -> (profile, file) parses
        self.parsed = self.cached = 0
        self.parsed_sites, self._sites_of = ParsedSites(), 0
        self.option_files: list[FileFacts] = []  # option_parser_request's parse

    # -- environment per file

    def values(self, file: str, changes: tuple = ()) -> dict[str, str | None]:
        values = dict(self.base)
        values.update({name: UNKNOWN_VALUE for name in self.observed.get(file, ())})
        values.update(dict(changes))
        return values

    def fixed_for(self, file: str) -> frozenset[str]:
        return self.fixed | frozenset(self.observed.get(file, ()))

    def observe(self, facts: Iterable[FileFacts]) -> None:
        for f in facts:
            changes = self.changes_of.get(f.profile, ())
            self.observed[f.path] |= observe_fixed(f, self.macros, self.values(f.path, changes), dict(changes))

    # -- rounds

    def names(self) -> tuple[str, ...]:
        """Log function names of the parses so far (the files only grow: their count keys it)."""
        if self._names[0] != len(self.files):
            self._names = (len(self.files), log_function_names(self.rules, self.files, self.macros))
        return self._names[1]

    def sites(self) -> ParsedSites:
        """Call sites of every parse so far (each parse added once)."""
        self.parsed_sites.add(self.files[self._sites_of:])
        self._sites_of = len(self.files)
        return self.parsed_sites

    def missing(self) -> list[Plan]:
        names = self.names()
        parsed = self.sites()
        return [self.plan(t) for t in self.tokens.sites(names) if not parsed.profiles_of(t)]

    def plan(self, site: TokenSite) -> Plan:
        targets = (site.file,) if site.file.endswith(".c") else self.includers(site.file)
        where = targets[0] if targets else site.file
        plan = plan_site(site, self.macros, self.values(where), self.fixed_for(where), targets)
        stuck = {name for name, _ in plan.solution.changes}
        if plan.solution.status == "fixed" and stuck and stuck <= self.never:
            # a macro the rules say no build defines (keepalived's _INCLUDE_UNUSED_CODE_): never compiled
            names = ", ".join(sorted(stuck))
            plan = replace(plan, solution=Solution("never", why=f"never compiled: needs {names}, which no build "
                                                                 "defines (the rules' [preprocessor] never)"))
        return plan

    def cover(self) -> None:
        new = self.files
        for round_number in range(MAX_ROUNDS):
            self.observe(new)
            requests = extra_requests(self.missing(), self.macros, self.values, self.profile.name, round_number,
                                 self.tried)
            if not requests:
                break
            new = self.parse(requests)
        requests = extra_requests(self.caller_plans(), self.macros, self.values, self.profile.name, 0, self.tried)
        if requests:  # the guards of calls only other builds compile, of functions that log
            self.parse(requests)
        # Last: calls lost because headers this machine lacks leave their types and names undeclared.
        requests = declaration_requests(self.missing(), self.files, self.profile.name, self.changes_of, self.tried)
        if requests:
            self.parse(requests)
        request = self.option_parser_request()
        if request is not None:  # kept apart: its functions and calls are not a build's
            facts, parsed = scan_profiles(self.tree, self.scan, [request], self.cache_dir, self.jobs, self.rules.idioms)
            self.parsed += parsed
            self.cached += len(facts) - parsed
            self.option_files = facts

    def caller_plans(self) -> list[Plan]:
        """Calls, in branches no parse compiled, of functions that log and that no parsed line
        calls: keepalived's openssl_mem_log_init, called only under `#ifdef _OPENSSL_MEM_CHECK_`
        in check_daemon.c (`if (__test_bit(OPENSSL_MEM_CHECK_BIT, &debug))`). Without a parse
        of that call the function looks like an entry point, and its messages (and those of the
        allocator hooks it installs) would need nothing; its guard is what they need."""
        names = set(self.names())
        logging = {fn.name for f in self.files for fn in f.functions if any(c.callee in names for c in fn.calls)}
        called = {c.callee for f in self.files for fn in f.functions for c in fn.calls}
        called |= {r.target for f in self.files for r in f.refs}
        called |= {n for f in self.files if f.logsetup is not None for n in f.logsetup.skipped_calls[1]}
        wanted = logging - called
        sites: dict[tuple[str, int, str], TokenSite] = {}
        for f in self.files:
            for file, line, name in (f.logsetup.skipped_calls[0] if f.logsetup is not None and wanted else ()):
                if name in wanted and (file, line, name) not in sites:
                    text = self.tokens.texts.get(file, "").split("\n")
                    col = text[line - 1].find(name) + 1 if line <= len(text) else 0
                    if col > 0:
                        sites[(file, line, name)] = TokenSite(file, line, col, name)
        return [self.plan(s) for _, s in sorted(sites.items())]

    def option_parser_request(self) -> ProfileRequest | None:
        """The command-line parser's file once more, with the switches of every extra profile
        that it or the tree headers it includes test (those all profiles agree on): options only
        some builds have enter the option table (keepalived's --debug, under WITH_DEBUG_OPTIONS,
        which a header defines when any debug switch is on; a MEM_CHECK build's -L)."""
        parsers = [f for f in self.scan.files if f.options is not None and f.options.cases]
        if not parsers:
            return None
        parser = max(parsers, key=lambda f: (len(f.options.cases), f.path))
        words: set[str] = set()
        for rel in (parser.path,) + tuple(parser.includes):
            words.update(_WORD.findall(self.tokens.texts.get(rel, "")))
        values: dict[str, set] = defaultdict(set)
        for name, changes in self.changes_of.items():
            for macro, value in changes:
                if macro in words and value is not None:
                    values[macro].add(value)
        changes = tuple(sorted((m, next(iter(v))) for m, v in values.items() if len(v) == 1))
        if not changes:
            return None
        return ProfileRequest(profile_name(self.profile.name, changes) + "+options", changes, (parser.path,))

    def parse(self, requests: list[ProfileRequest]) -> list[FileFacts]:
        facts, parsed = scan_profiles(self.tree, self.scan, requests, self.cache_dir, self.jobs,
                                      self.rules.idioms)
        self.parsed += parsed
        self.cached += len(facts) - parsed
        self.files += facts
        self.changes_of.update({r.name: r.changes for r in requests})
        return facts
