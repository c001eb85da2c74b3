"""The catalog analysis of builds: each message's build condition, and call sites read from
the text where no parse holds them."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from srcscan.analyze.logfuncs import log_function_of
from srcscan.analyze.sites import text_site
from srcscan.analyze.context import Context
from srcscan.model import LogSite, MessageText, SiteKey
from srcscan.rules import LogFunction, Rules
from srcscan.scan import ScanResult
from srcscan.sections import CoverageReport, TextReading
from srcscan.sources import SourceTree
from srcscan.coverage.callerbuild import caller_builds
from srcscan.coverage.report import build_text
from srcscan.preprocessor import (conditionals, conjoin, ExprSyntaxError, file_switches, follow_file_switches,
                                  parse_expr, satisfiable, scan_directives, TRUE)
from srcscan.textcalls import call_from_text, macro_call_from_text, macro_definitions


def analyze_build(context: Context) -> tuple[dict[SiteKey, str], dict[str, Any]]:
    """SiteKey -> the #if stack around the call, as a build condition ("" when unconditional),
    with the file's own #defines above the call followed (follow_file_switches).

        #ifdef _WITH_BFD_
            log_message(LOG_INFO, "BFD ...");      build: defined(_WITH_BFD_)
        #endif
    """
    conditionals: dict[str, Any] = {}
    switches: dict[str, Any] = {}
    out = {}
    base: set[SiteKey] | None = None
    definitions: _MacroConditions | None = None
    for site in context.sites:
        file, line = site.call.file, site.call.line
        if file not in conditionals:
            conditionals[file] = _conditionals_of(context.tree.root / file)
            switches[file] = _switches_of(context.tree.root / file) if conditionals[file] else {}
        c = conditionals[file]
        out[site.key] = build_text(follow_file_switches(c.build(line), switches[file], line)) if c else ""
        if not out[site.key] and site.extracted == "parse" and site.call.written != site.call.callee:
            # A call through a macro the base build leaves empty: the #if around its
            # definition is the call's build condition.
            if base is None:
                base = {call.key for f in context.scan.files for fn in f.functions for call in fn.calls}
                definitions = _MacroConditions(context.tree.text(context.rules.exclude), conditionals)
            if site.key not in base:
                out[site.key] = definitions.condition(site.call.written, site.call.callee)
    return _with_callers(context, out, conditionals, switches), {}


def _with_callers(context: Context, out: dict[SiteKey, str], conditionals: dict[str, Any],
                  switches: dict[str, Any]) -> dict[SiteKey, str]:
    """`out` with the build condition of its function's uses (coverage.callerbuild) for each
    site under no `#if` of its own whose function every use of is under one."""
    functions = {}
    for site in context.sites:
        if out.get(site.key, ""):
            continue
        key = context.graph.key_for(site.call.function, site.call.file)
        fn = context.graph.functions.get(key) if key else None
        if fn is not None:
            functions[site.key] = (fn.file, fn.name, fn.line, fn.static)
    if not functions:
        return out

    def build_at(file: str, line: int) -> str:
        if file not in conditionals:
            conditionals[file] = _conditionals_of(context.tree.root / file)
            switches[file] = _switches_of(context.tree.root / file) if conditionals[file] else {}
        c = conditionals[file]
        return build_text(follow_file_switches(c.build(line), switches[file], line)) if c else ""
    found = caller_builds(set(functions.values()), context.tree.text(context.rules.exclude), build_at)
    return {**out, **{k: found[(f[0], f[1])] for k, f in functions.items() if (f[0], f[1]) in found}}


class _MacroConditions:
    """The `#if` conditions around a function-like macro's definitions that call a log
    function (keepalived 1.1.19's `#ifdef _DEBUG_ #define DBG(fmt, msg...) syslog(LOG_DEBUG,
    fmt, ## msg) #else #define DBG(fmt, msg...) #endif`, lib/utils.h:38-42: a DBG() call exists
    only in a build with _DEBUG_), read from the tree's text on first use."""

    def __init__(self, tree_text: Any, conditionals: dict[str, Any]) -> None:
        self.tree_text, self.conditionals = tree_text, conditionals
        self.memo: dict[tuple[str, str], str] = {}

    def condition(self, macro: str, callee: str) -> str:
        """The build condition of a call of `macro` that reaches `callee`: the conditions
        around the definitions whose body names `callee`, ORed; "" when one is unconditional
        or none is found."""
        if (macro, callee) not in self.memo:
            define = re.compile(r"^[ \t]*#[ \t]*define[ \t]+" + re.escape(macro) + r"\((?:[^\n]|\\\n)*?\b"
                                + re.escape(callee.rsplit(":", 1)[-1]) + r"\b", re.M)
            found: list[str] = []
            for rel in self.tree_text.files:
                try:
                    text = self.tree_text.text(rel)
                except OSError:
                    continue
                if macro not in text:
                    continue
                for m in define.finditer(text):
                    if rel not in self.conditionals:
                        self.conditionals[rel] = _conditionals_of(self.tree_text.root / rel)
                    c = self.conditionals[rel]
                    found.append(build_text(c.build(text.count("\n", 0, m.start()) + 1)) if c else "")
            unique = list(dict.fromkeys(found))
            self.memo[(macro, callee)] = "" if not unique or "" in unique else (
                unique[0] if len(unique) == 1 else " || ".join(f"({u})" for u in unique))
        return self.memo[(macro, callee)]


def texts_in_build(context: Context, build: Mapping[SiteKey, str]) -> dict[SiteKey, tuple[MessageText, ...]]:
    """context.texts without the calls selecting a text (MessageText.producers) that are in no
    build configuration with the site's log line (the `#if` stack at the call, `build_at`,
    joined to the site's build condition, `build`, satisfies nothing), and without the texts
    only such calls select. keepalived 2.3.4's lib/memory.c:517 (under `#ifdef _MEM_CHECK_LOG_`)
    prints the name of the function calling FREE(): stop_bfd's FREE_CONST_PTR(bfd_syslog_ident)
    (bfd_daemon.c:107-108) is under `#ifndef _MEM_CHECK_LOG_`, so no build writes "free ...
    (stop_bfd)". A site keeps its texts when every one would go (a site is not removed here)."""
    conditions: dict[str, Any] = {}
    switches: dict[str, Any] = {}

    def build_at(file: str, line: int) -> Any:
        if file not in conditions:
            conditions[file] = _conditionals_of(context.tree.root / file)
            switches[file] = _switches_of(context.tree.root / file) if conditions[file] else {}
        c = conditions[file]
        return follow_file_switches(c.build(line), switches[file], line) if c else TRUE

    out = dict(context.texts)
    for key, texts in context.texts.items():
        own = build.get(key, "")
        if not own or not any(t.producers for t in texts):
            continue
        try:
            site_build = parse_expr(own)
        except ExprSyntaxError:
            continue
        kept = []
        for t in texts:
            live = tuple(p for p in t.producers if satisfiable(conjoin([site_build, build_at(p.file, p.line)])))
            if live == t.producers:
                kept.append(t)
            elif live:
                kept.append(replace(t, producers=live, choices=tuple(c for c in t.choices if c[0] in live)))
        if kept != list(texts):
            out[key] = tuple(kept) if kept else texts
    return out


TEXT_STATUSES = ("fixed", "call_lost", "not_taken", "parse_failed", "no_includer")


def text_sites(scan: ScanResult, tree: SourceTree, rules: Rules,
               log_functions: Mapping[str, LogFunction]) -> tuple[list[LogSite], CoverageReport | None]:
    """Log sites for token sites no parse holds but some build compiles, read from the text,
    and the coverage report with what was read (the catalog's `coverage` section; None when
    the scan made none). Sites inside `#if 0` are counted apart: every C programmer reads
    them as comments."""
    cov = scan.coverage
    if not cov:
        return [], None
    found, texts, not_covered = [], {}, []
    tree_text = tree.text(rules.exclude)
    macros = _LogMacros(tree_text, set(log_functions))
    for entry in cov.not_covered:
        log_fn = log_function_of(log_functions, entry.file, entry.call)
        if entry.status in TEXT_STATUSES and (log_fn is not None or macros.definition(entry.call)):
            if entry.file not in texts:
                texts[entry.file] = tree_text.text(entry.file)
            if log_fn is not None:
                call = call_from_text(texts[entry.file], entry.file, entry.line, entry.call)
            else:
                call = macro_call_from_text(texts[entry.file], entry.file, entry.line, entry.call,
                                            macros.definition(entry.call), macros.targets)
                log_fn = log_function_of(log_functions, entry.file, call.callee) if call else None
            if call is not None and log_fn is not None:
                found.append(text_site(call, log_fn))
                entry = replace(entry, read_from_text=True)
        not_covered.append(entry)
    sites = cov.sites
    in_if0 = sum(1 for n in not_covered if n.status == "never" and n.reason.startswith("#if 0"))
    covered = cov.parsed + len(found)
    return found, replace(cov, not_covered=tuple(not_covered), text=TextReading(
        read_from_text=len(found),
        in_if0=in_if0,
        coverage_with_text=round(covered / sites, 4) if sites else 1.0,
        coverage_outside_if0=round(covered / (sites - in_if0), 4) if sites > in_if0 else 1.0))


class _LogMacros:
    """Function-like macros of the tree whose body calls a log function (`log_warn` ->
    `log_pri`), their definitions read from the tree's text on first use."""

    def __init__(self, tree_text: Any, log_functions: set[str]) -> None:
        self.tree_text, self.targets = tree_text, {name.rsplit(":", 1)[-1] for name in log_functions}
        self.defs: dict[str, Any] | None = None

    def definition(self, name: str):
        if self.defs is None:
            self.defs = {}
            for rel in self.tree_text.files:
                try:
                    text = self.tree_text.text(rel)
                except OSError:
                    continue
                if "define" in text:
                    for macro, (params, body) in macro_definitions(text, None).items():
                        if macro not in self.defs and re.search(
                                r"\b(" + "|".join(map(re.escape, sorted(self.targets))) + r")\s*\(", body):
                            self.defs[macro] = (params, body)
        return self.defs.get(name)


def _switches_of(path: Path) -> dict[str, Any]:
    """The file's own #defines (file_switches): a build condition follows them."""
    try:
        return file_switches(path.read_bytes().decode("latin-1"))
    except OSError:
        return {}


def _conditionals_of(path: Path):

    try:
        return conditionals(scan_directives(path.read_bytes().decode("latin-1")))
    except OSError:
        return None
