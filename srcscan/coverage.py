"""Coverage: does the catalog hold every log call the source has, in every build configuration?

A plain token scan of the tree's text (no compiler) finds the call sites of the log
functions; libclang finds the ones in the branches the profile takes. The difference lies
in `#if` branches not taken: for each, preprocessor.py says what a build must define to
reach it, and an extra profile parses only the files that hold such calls. What no
consistent configuration reaches (`#if 0`, contradictions, platform macros the system
headers fix) is listed with its condition and the reason.

Token scan, as counted here: in each .c and .h file of the scan, comments and the contents
of string and character literals are blanked and preprocessor lines (with their
continuations: macro bodies) dropped; then every `name (` of a log function at brace depth
above zero (inside a body: depth 0 is a declaration or definition) and not after `.`/`->`
(a call through a struct field) is one call site.

Calls missing because a header this machine lacks leaves names undeclared (clang drops the
whole statement) get one more parse with stand-in declarations for those names.

No libclang here (parses go through scan.py and its cache); reading the tree's text is this
module's only I/O. It must not decide anything about one daemon: rules files do.
"""

from __future__ import annotations

import bisect
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from srcscan.analyze.logfuncs import infer_log_functions, log_function_of
from srcscan.catalog import all_functions
from srcscan.errors import RulesError
from srcscan.flags import CompileCommands, list_tree
from srcscan.model import FileFacts
from srcscan.preprocessor import (FALSE, TRUE, UNKNOWN_VALUE, Expr, PreprocessorRules, Solution, TreeMacros, atoms,
                                  blank_comments_and_literals, classify_tree, default_features, define_problem,
                                  evaluate, expand_tree_macros, logical_lines, render, satisfiable, solve,
                                  survey_tree)
from srcscan.rules import Profile, Rules
from srcscan.scan import Progress, ProfileRequest, ScanResult, scan_profiles, scan_tree
from srcscan.sources import SourceTree

Notify = Callable[[str], None]


@dataclass(frozen=True)
class TokenSite:
    """A call of a log function found by the plain token scan."""

    file: str
    line: int
    col: int  # 1-based byte column of the name, as libclang counts
    name: str


_BRANCHING = ("if", "ifdef", "ifndef", "elif", "elifdef", "elifndef", "else", "endif")


def scan_call_tokens(path: str, text: str, names: Iterable[str]) -> tuple[TokenSite, ...]:
    """Call sites of `names` in one file's text (see the module docstring for what counts)."""
    wanted = sorted(set(names), key=lambda n: (-len(n), n))
    if not wanted or not any(n in text for n in wanted):
        return ()
    clean = blank_comments_and_literals(text)
    starts = [0] + [m.end() for m in re.finditer("\n", clean)]
    code = list(clean)
    events: list[tuple[int, str]] = []  # (offset, "{", "}" or a conditional directive's name)
    for first, last, line_text in logical_lines(clean):
        stripped = line_text.lstrip()
        if stripped.startswith("#"):
            kind = re.match(r"#\s*([A-Za-z_]*)", stripped).group(1)
            if kind in _BRANCHING:
                events.append((starts[first - 1], kind))
            end = starts[last] if last < len(starts) else len(clean)
            code[starts[first - 1]:end] = re.sub(r"[^\n]", " ", clean[starts[first - 1]:end])
    code_text = "".join(code)
    events += [(m.start(), m.group(0)) for m in re.finditer(r"[{}]", code_text)]
    call = re.compile(r"(?<![\w.>])(?<!->)(" + "|".join(map(re.escape, wanted)) + r")\s*\(")
    events += [(m.start(), "call:" + m.group(1)) for m in call.finditer(code_text)]
    found = []
    depth = 0
    # Brace depth per #if branch: every branch starts from the depth at its #if, and after
    # the #endif the first branch's depth holds (`#ifdef X { #else { #endif` opens one brace).
    frames: list[tuple[int, int | None]] = []
    for offset, kind in sorted(events):
        if kind == "{":
            depth += 1
        elif kind == "}":
            depth = max(depth - 1, 0)
        elif kind.startswith("call:"):
            if depth > 0:
                line = bisect.bisect_right(starts, offset)
                found.append(TokenSite(path, line, offset - starts[line - 1] + 1, kind[5:]))
        elif kind in ("if", "ifdef", "ifndef"):
            frames.append((depth, None))
        elif kind == "endif":
            if frames:
                start, after_first = frames.pop()
                depth = depth if after_first is None else after_first
        elif frames:  # #elif, #else
            start, after_first = frames[-1]
            frames[-1] = (start, depth if after_first is None else after_first)
            depth = start
    return tuple(found)


# ---------------------------------------------------------------------------- rules

def default_profile(profile: Profile, tree: TreeMacros, pre: PreprocessorRules) -> Profile:
    """The rules' profile plus every feature switch found in the tree turned on."""
    already = {m for m, _ in profile.defines} | set(profile.undefines)
    return replace(profile, defines=profile.defines + default_features(tree, pre, already))


# ---------------------------------------------------------------------------- the tree's text

def read_texts(root: Path, rules: Rules) -> dict[str, str]:
    """Text of every .c and .h file the scan covers (latin-1: one character per byte, as libclang counts columns)."""
    c_files, headers = list_tree(root, rules.exclude)
    texts = {}
    for rel in c_files + headers:
        try:
            texts[rel] = (root / rel).read_bytes().decode("latin-1")
        except OSError:
            continue
    return texts


def scan_tokens(texts: Mapping[str, str], names: Iterable[str]) -> tuple[TokenSite, ...]:
    names = tuple(names)
    return tuple(t for rel in sorted(texts) for t in scan_call_tokens(rel, texts[rel], names))


def log_function_names(rules: Rules, files: Iterable[FileFacts]) -> tuple[str, ...]:
    """The rules' log functions and the wrappers inferred from the parsed code."""
    return tuple(sorted({f.name for f in infer_log_functions(rules, all_functions(tuple(files))).values()}))


# ---------------------------------------------------------------------------- what the parse saw

class ParsedSites:
    """Call sites of the log functions libclang produced, to match token sites against."""

    def __init__(self, files: Iterable[FileFacts] = ()) -> None:
        # Every direct call: which of them are log calls is asked per token site (by its name).
        self.by_place: dict[tuple[str, int], list[tuple[int, int, frozenset[str], str]]] = defaultdict(list)
        self.add(files)

    def add(self, files: Iterable[FileFacts]) -> None:
        for facts in files:
            for fn in facts.functions:
                for call in fn.calls:
                    if not call.indirect:
                        self.by_place[(call.file, call.col)].append(
                            (call.line, call.text.count("\n"), frozenset({call.callee, call.written}), facts.profile))

    def profiles_of(self, site: TokenSite) -> set[str]:
        """The profiles whose parse holds this call (empty: no parse does).

        A call's line is that of its name, or (lighttpd) of its __LINE__ argument a few
        lines further down; its column is that of the name either way."""
        return {profile for line, span, names, profile in self.by_place.get((site.file, site.col), ())
                if site.name in names and site.line <= line <= site.line + span}


# Macros the compiler itself defines for a Linux target (clang in gnu11 mode, x86-64). They
# let the solver read `#if __GNUC__ >= 4` without asking the compiler; what differs on
# another machine shows up as an observed branch (observe_fixed).
PREDEFINED = {
    "__GNUC__": "4", "__GNUC_MINOR__": "2", "__GNUC_PATCHLEVEL__": "1", "__clang__": "1", "__STDC__": "1",
    "__STDC_VERSION__": "201112", "__STDC_HOSTED__": "1", "__linux__": "1", "__linux": "1", "linux": "1",
    "__unix__": "1", "__unix": "1", "unix": "1", "__gnu_linux__": "1", "__ELF__": "1", "__x86_64__": "1",
    "__x86_64": "1", "__amd64__": "1", "__LP64__": "1", "_LP64": "1", "__CHAR_BIT__": "8",
    "__SIZEOF_POINTER__": "8", "__SIZEOF_LONG__": "8", "__SIZEOF_INT128__": "16", "__BYTE_ORDER__": "1234",
    "__ORDER_LITTLE_ENDIAN__": "1234", "__ORDER_BIG_ENDIAN__": "4321", "__ORDER_PDP_ENDIAN__": "3412",
    "__GNUC_STDC_INLINE__": "1", "__OPTIMIZE__": None,
    # The compiler's own tests: their answers depend on the compiler and the machine, and no -D changes them.
    "__has_include(...)": UNKNOWN_VALUE, "__has_include_next(...)": UNKNOWN_VALUE,
    "__has_attribute(...)": UNKNOWN_VALUE, "__has_builtin(...)": UNKNOWN_VALUE, "__has_feature(...)": UNKNOWN_VALUE,
    "__has_extension(...)": UNKNOWN_VALUE, "__has_c_attribute(...)": UNKNOWN_VALUE,
    "__has_cpp_attribute(...)": UNKNOWN_VALUE, "__has_warning(...)": UNKNOWN_VALUE,
    "__is_identifier(...)": UNKNOWN_VALUE,
}
COMPILER_DECIDES = frozenset(name for name, value in PREDEFINED.items() if value == UNKNOWN_VALUE)

_STUB_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(?![\w(])[ \t]*(.*)$", re.M)


def base_assignment(profile: Profile) -> tuple[dict[str, str | None], frozenset[str]]:
    """Macro values of the base build, and the ones a -D cannot change (stub headers define them)."""
    values: dict[str, str | None] = dict(PREDEFINED)
    fixed = set()
    for _name, content in profile.stub_headers:
        for m in _STUB_DEFINE.finditer(content):
            values[m.group(1)] = m.group(2).strip()
            fixed.add(m.group(1))
    values.update({m: v for m, v in profile.defines})
    values.update({m: None for m in profile.undefines})
    return values, frozenset(fixed)


def observe_fixed(facts: FileFacts, tree: TreeMacros, values: Mapping[str, str | None],
                  changes: Iterable[str]) -> set[str]:
    """Macros whose value a parse shows is not the one srcscan assumed: a branch the
    preprocessor took (or skipped) although the assumed values say otherwise. They come
    from the system headers (`#ifdef AT_FDCWD`, `#if OPENSSL_VERSION_NUMBER < ...`), so no
    -D or -U changes them.

    A suspect is a macro of the branch's condition (with the tree's #defines followed)
    that srcscan did not set itself, or that this profile set (a system header's #define
    overrides a -D), and whose flip alone explains what the parse did. The macros blamed are
    the fewest that explain every such branch (greedily: the one most branches point at
    first), so that `#ifdef AT_FDCWD` also explains the later branches that test a macro
    the tree defines from it.

    A branch counts as taken when no skipped range of its own file covers it from its
    directive to the directive that ends it; branches inside skipped ones are not looked at."""
    cond = tree.conditionals.get(facts.path)
    if cond is None or facts.error:
        return set()
    ranges = [(s.start_line, s.end_line) for s in facts.skipped if s.file == facts.path]
    changed = set(changes)
    seen: dict[str, str | None] = dict(values)
    observations = []
    for branch, end in cond.spans:
        if branch.guard or any(a < branch.if_line <= b for a, b in ranges):
            continue  # an include guard, or the whole #if sits in a skipped branch
        taken = not any(a <= branch.line and b >= end for a, b in ranges)
        observations.append((tree.expanded(facts.path, branch.line, branch.cond), taken))
    found: set[str] = set()
    while True:
        votes: dict[str, int] = defaultdict(int)
        unique: set[str] = set()
        for expr, taken in observations:
            if _explains(expr, seen, taken):
                continue
            suspects = sorted(a for a in atoms(expr) if (a not in values or a in changed) and a not in found)
            plausible = [n for n in suspects if _explains(expr, {**seen, n: UNKNOWN_VALUE}, taken)]
            for name in plausible:
                votes[name] += 1
            if len(plausible) == 1:
                unique.add(plausible[0])
        if not votes:
            return found
        # The fewest macros that explain every disagreement: first the one most branches point
        # at; a lone branch with several suspects blames none of them.
        best = max(sorted(votes), key=lambda n: votes[n])
        if votes[best] < 2 and best not in unique:
            return found
        found.add(best)
        seen[best] = UNKNOWN_VALUE


def _explains(expr: Expr, values: Mapping[str, str | None], taken: bool) -> bool:
    result = evaluate(expr, values)
    return result is None or bool(result) == taken


# ---------------------------------------------------------------------------- planning extra profiles

@dataclass(frozen=True)
class Plan:
    """What one uncovered token site needs."""

    site: TokenSite
    build: Expr  # the condition as written around it (include guards left out)
    expanded: Expr  # the same with the tree's own #defines followed (only outside macros left)
    solution: Solution
    targets: tuple[str, ...]  # .c files whose parse can show it (the file itself, or includers of a header)


def plan_site(site: TokenSite, tree: TreeMacros, base: Mapping[str, str | None], fixed: frozenset[str],
              targets: tuple[str, ...]) -> Plan:
    """What it takes for a build to compile one token site, or why no build does."""
    stack = tree.conditionals[site.file].stack(site.line) if site.file in tree.conditionals else ()
    build = tree.build(site.file, site.line)
    dead = [b for b in stack if b.cond == FALSE and not b.guard]
    if dead and not dead[0].tests:
        return Plan(site, build, FALSE, Solution("never", why=f"#if 0 (line {dead[0].line}): never compiled"), targets)
    if dead:
        return Plan(site, build, FALSE, Solution("contradiction", why=f"contradictory conditions (the #if on line "
                                                 f"{dead[0].if_line} contradicts itself)"), targets)
    if build == TRUE:
        return Plan(site, build, build, Solution("holds"), targets)
    defs = tree.visible_defs(site.file)
    gone = tree.gone.get(site.file, frozenset())
    expanded = expand_tree_macros(build, defs, gone=gone, at=(site.file, site.line))
    solution = solve(expanded, base, fixed, frozenset(defs))
    if solution.status in ("never", "contradiction") and satisfiable(build):
        # `#define STACKSIZE_DEBUG 0` ... `#if STACKSIZE_DEBUG`: a switch the source sets by hand.
        names = ", ".join(sorted(atoms(build) & (set(defs) | gone)))
        solution = Solution("never", why=f"never compiled: the tree's own #define or #undef of {names} rules it out")
    return Plan(site, build, expanded, solution, targets)


def group_changes(plans: list[Plan], base: Mapping[str, str | None]) -> list[tuple[tuple, list[Plan]]]:
    """Compatible changes of one file's sites merged into as few profiles as possible: a site
    joins a group when no macro gets two values and every member's condition still holds."""
    groups: list[tuple[dict[str, str | None], list[Plan]]] = []
    for plan in plans:
        wanted = dict(plan.solution.changes)
        for changes, members in groups:
            if any(k in changes and changes[k] != v for k, v in wanted.items()):
                continue
            merged = {**changes, **wanted}
            env = {**base, **merged}
            if all(evaluate(p.expanded, env) != 0 for p in members + [plan]):
                changes.update(wanted)
                members.append(plan)
                break
        else:
            groups.append((wanted, [plan]))
    return [(tuple(sorted(c.items(), key=lambda kv: kv[0])), members) for c, members in groups]


def profile_name(base: str, changes: tuple[tuple[str, str | None], ...]) -> str:
    parts = [f"!{m}" if v is None else (m if v == "1" else f"{m}={v}") for m, v in changes]
    return base + "+" + "+".join(parts)


def includers_of(files: Iterable[FileFacts], texts: Mapping[str, str]) -> Callable[[str], tuple[str, ...]]:
    """The .c files that include a header: as the parse saw it, else by the #include lines' text."""
    by_header: dict[str, set[str]] = defaultdict(set)
    for facts in files:
        for header in facts.includes:
            by_header[header].add(facts.path)
    include = re.compile(r'^[ \t]*#[ \t]*include[ \t]*[<"]([^>"]+)[>"]', re.M)
    textual: dict[str, set[str]] = defaultdict(set)  # include basename -> files naming it
    for rel, text in texts.items():
        for m in include.finditer(text):
            textual[os.path.basename(m.group(1))].add(rel)

    def find(header: str) -> tuple[str, ...]:
        if by_header.get(header):
            return tuple(sorted(by_header[header]))
        direct = textual.get(os.path.basename(header), set())
        c_files = {f for f in direct if f.endswith(".c")}
        for h in sorted(direct - c_files):
            c_files |= by_header.get(h, set())
        return tuple(sorted(c_files))

    return find


# ---------------------------------------------------------------------------- the whole step

MAX_ROUNDS = 3


def scan_with_coverage(tree: SourceTree, rules: Rules, *, cache_dir: Path,
                       compile_commands: CompileCommands | None = None, jobs: int = 2,
                       progress: Progress | None = None) -> ScanResult:
    """Scan the tree with the default profile, then parse again, with extra profiles, only the
    files holding log calls that the token scan finds and the parse missed; the result's
    files hold every parse and its `coverage` the report."""
    pre = rules.preprocessor
    texts = read_texts(tree.root, rules)
    macros = survey_tree(texts)
    profile = default_profile(rules.profiles[0], macros, pre)
    scan = scan_tree(tree, rules, cache_dir=cache_dir, profile=profile, progress=progress, jobs=jobs,
                     compile_commands=compile_commands)
    run = _Run(tree, rules, scan, macros, pre, _TokenCache(texts), includers_of(scan.files, texts), cache_dir, jobs)
    started = time.perf_counter()
    if compile_commands is None:
        run.cover()
    seconds = time.perf_counter() - started
    extra = sorted(run.files[len(scan.files):], key=lambda f: (f.path, f.profile))
    return replace(scan, extra=tuple(extra), coverage=coverage_report(run), extra_parsed=run.parsed,
                   extra_cached=run.cached, extra_seconds=seconds)


class _Run:
    """The state of one coverage step: every parse so far, what each showed about the
    system's macros, and which (profile, file) parses each missing site was given."""

    def __init__(self, tree: SourceTree, rules: Rules, scan: ScanResult, macros: TreeMacros, pre: PreprocessorRules,
                 tokens: "_TokenCache", includers: Callable[[str], tuple[str, ...]], cache_dir: Path, jobs: int) -> None:
        self.tree, self.rules, self.scan, self.macros, self.pre = tree, rules, scan, macros, pre
        self.tokens, self.includers, self.cache_dir, self.jobs = tokens, includers, cache_dir, jobs
        self.profile = scan.profile or rules.profiles[0]
        self.base, stubbed = base_assignment(self.profile)
        never = frozenset(n for n in macros.tested if _matches_any(n, pre.never))
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
            self._names = (len(self.files), log_function_names(self.rules, self.files))
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
        return plan_site(site, self.macros, self.values(where), self.fixed_for(where), targets)

    def cover(self) -> None:
        new = self.files
        for round_number in range(MAX_ROUNDS):
            self.observe(new)
            requests = _requests(self.missing(), self.macros, self.values, self.profile.name, round_number,
                                 self.tried)
            if not requests:
                break
            new = self.parse(requests)
        # Last: calls lost because headers this machine lacks leave their types and names undeclared.
        requests = _declaration_requests(self.missing(), self.files, self.profile.name, self.changes_of, self.tried)
        if requests:
            self.parse(requests)

    def parse(self, requests: list[ProfileRequest]) -> list[FileFacts]:
        facts, parsed = scan_profiles(self.tree, self.scan, requests, self.cache_dir, self.jobs,
                                      self.rules.idioms)
        self.parsed += parsed
        self.cached += len(facts) - parsed
        self.files += facts
        self.changes_of.update({r.name: r.changes for r in requests})
        return facts


_UNKNOWN_TYPE = re.compile(r"unknown type name '([A-Za-z_]\w*)'")
_UNDECLARED = re.compile(r"use of undeclared identifier '([A-Za-z_]\w*)'")


def stand_in_declarations(facts: FileFacts) -> str:
    """Declarations for what a missing header would have declared, from the parse's errors:

        PCRE2_UCHAR errbuf[1024];          unknown type name 'PCRE2_UCHAR'   ->  typedef int PCRE2_UCHAR;
        if (PAM_SUCCESS != rc) log_error(  use of undeclared identifier ...  ->  extern int PAM_SUCCESS;

    clang drops a whole statement whose expression names something undeclared, and the log
    call inside with it; with these stand-ins most of those statements parse."""
    types, names = set(), set()
    for d in facts.diagnostics:
        if d.severity >= 3:
            if m := _UNKNOWN_TYPE.match(d.message):
                types.add(m.group(1))
            elif m := _UNDECLARED.match(d.message):
                names.add(m.group(1))
    return "".join([f"typedef int {t};\n" for t in sorted(types)] +
                   [f"extern int {n};\n" for n in sorted(names - types)])


def _declaration_requests(plans: list[Plan], files: list[FileFacts], base_name: str,
                          changes_of: Mapping[str, tuple], tried: dict[TokenSite, list[tuple[str, str]]]
                          ) -> list[ProfileRequest]:
    """One request per parse that compiled a missing site's line but produced no call there:
    the same file and profile again, with stand-in declarations for what its missing
    headers leave undeclared."""
    by_key = {(f.profile, f.path): f for f in files}
    wanted: dict[tuple[str, str], list[Plan]] = defaultdict(list)
    for plan in plans:
        if not plan.solution.reachable or not plan.targets:
            continue
        last = tried[plan.site][-1] if tried.get(plan.site) else (base_name, plan.targets[0])
        facts = by_key.get(last)
        if facts is not None and not facts.error and not _skipped(plan.site, facts):
            wanted[last].append(plan)
    requests = []
    for (name, path), members in sorted(wanted.items()):
        prelude = stand_in_declarations(by_key[(name, path)])
        if not prelude:
            continue
        decls_name = name + "+declarations"
        for plan in members:
            tried[plan.site].append((decls_name, path))
        requests.append(ProfileRequest(decls_name, changes_of.get(name, ()), (path,), prelude))
    return requests


def _skipped(site: TokenSite, facts: FileFacts) -> bool:
    return any(s.file == site.file and s.start_line <= site.line <= s.end_line for s in facts.skipped)


class _TokenCache:
    """Token sites by file, scanned once per set of names (rounds usually share one)."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        self.texts, self.found = texts, {}

    def sites(self, names: tuple[str, ...]) -> tuple[TokenSite, ...]:
        if names not in self.found:
            self.found[names] = scan_tokens(self.texts, names)
        return self.found[names]


def _matches_any(name: str, patterns: Iterable[str]) -> bool:
    from fnmatch import fnmatchcase

    return any(fnmatchcase(name, p) for p in patterns)


def _requests(plans: list[Plan], macros: TreeMacros, values: Callable[..., dict], base_name: str,
              round_number: int, tried: dict[TokenSite, list[tuple[str, str]]]) -> list[ProfileRequest]:
    """Extra profiles for one round. The first merges a file's compatible needs into few
    profiles; later ones give each site still missing its own changes, or another includer."""
    by_file: dict[str, list[Plan]] = defaultdict(list)
    for plan in plans:
        if plan.solution.reachable and plan.solution.changes and plan.targets:
            target = plan.targets[min(round_number, len(plan.targets) - 1)]
            by_file[target].append(plan)
    files_by_changes: dict[tuple, set[str]] = defaultdict(set)
    for target, members in sorted(by_file.items()):
        groups = group_changes(members, values(target)) if round_number == 0 else \
            [(tuple(sorted(p.solution.changes, key=lambda c: c[0])), [p]) for p in members]
        for changes, group in groups:
            name = profile_name(base_name, changes)
            fresh = [p for p in group if (name, target) not in tried[p.site]]
            if not fresh:
                continue
            for p in fresh:
                tried[p.site].append((name, target))
            files_by_changes[changes].add(target)
    return [ProfileRequest(profile_name(base_name, changes), changes, tuple(sorted(targets)))
            for changes, targets in sorted(files_by_changes.items(), key=lambda kv: profile_name(base_name, kv[0]))]


# ---------------------------------------------------------------------------- the report

TOKEN_SCAN = ("calls `name(` of the log functions (the rules' and the inferred wrappers) in every scanned .c and "
              ".h file, outside comments, string and character literals and preprocessor lines (macro bodies), "
              "inside a body (brace depth > 0: not a declaration or definition) and not after . or -> "
              "(a call through a struct field)")
# No build of this tree on this machine compiles them: `#if 0`, contradictions, and branches
# that need a macro this machine fixes otherwise (OpenSSL 1.0 code with OpenSSL 3 headers).
UNREACHABLE = ("never", "contradiction", "fixed")


def coverage_report(run: _Run) -> dict[str, Any]:
    """Token sites against parsed sites: numbers, extra profiles, and every site not covered with its reason."""
    names = run.names()
    parsed = run.sites()
    tokens = run.tokens.sites(names)
    base_name = run.profile.name
    by_profile: dict[str, int] = defaultdict(int)
    not_covered = []
    for site in tokens:
        profiles = parsed.profiles_of(site)
        if profiles:
            by_profile[base_name if base_name in profiles else min(profiles)] += 1
            continue
        plan = run.plan(site)
        status, reason = explain(plan, run)
        not_covered.append({"file": site.file, "line": site.line, "call": site.name,
                            "build": build_text(plan.build), "status": status, "reason": reason})
    covered = sum(by_profile.values())
    unreachable = sum(1 for n in not_covered if n["status"] in UNREACHABLE)
    extra: dict[str, list[str]] = defaultdict(list)
    for f in run.files:
        if f.profile != base_name:
            extra[f.profile].append(f.path)
    system = frozenset().union(*run.observed.values()) if run.observed else frozenset()
    classes = classify_tree(run.macros, run.pre, system)
    cc = run.scan.compile_commands
    report: dict[str, Any] = {
        "mode": "compile_commands" if cc else "profiles",
        "token_scan": TOKEN_SCAN,
        "log_functions": list(names),
        "sites": len(tokens),
        "parsed": covered,
        "parsed_default_profile": by_profile.get(base_name, 0),
        "parsed_extra_profiles": covered - by_profile.get(base_name, 0),
        "unreachable": unreachable,
        "by_status": {status: sum(1 for n in not_covered if n["status"] == status)
                      for status in sorted({n["status"] for n in not_covered})},
        "coverage": round(covered / len(tokens), 4) if tokens else 1.0,
        "coverage_reachable": round(covered / (len(tokens) - unreachable), 4) if len(tokens) > unreachable else 1.0,
        "default_profile": {"name": base_name, "features_turned_on": sorted(
            m for m, _ in run.profile.defines if classes.get(m) == "feature")},
        "profiles": [{"name": name, "files": sorted(paths), "sites": by_profile.get(name, 0)}
                     for name, paths in sorted(extra.items())],
        "files_reparsed": sum(len(paths) for paths in extra.values()),
        "not_covered": not_covered,
        "macros": {cls: sorted(n for n, c in classes.items() if c == cls)
                   for cls in ("feature", "platform", "compiler", "other")},
        "macro_counts": {cls: sum(1 for c in classes.values() if c == cls)
                         for cls in ("feature", "platform", "compiler", "header_guard", "tree", "other")},
    }
    if cc is not None:
        report["compile_commands"] = {"path": cc.path, "files": len(cc.args), "outside_tree": list(cc.outside)}
    return report


def build_text(expr: Expr) -> str:
    """A build condition as the catalog writes it: "" when the line is always compiled."""
    return "" if expr == TRUE else render(expr)


def explain(plan: Plan, run: _Run) -> tuple[str, str]:
    """(status, reason) of a token site no parse holds."""
    site, solution = plan.site, plan.solution
    where = plan.targets[0] if plan.targets else site.file
    if solution.status == "fixed":
        values = run.values(where)
        tests = _defined_tests(plan.expanded)
        needs = "; ".join(f"{_wanted(name, value, values.get(name), name in tests)}, but "
                          f"{run.fixed_by.get(name, 'the system headers define it (the parse of ' + where + ' shows)')}"
                          for name, value in solution.changes)
        return "fixed", f"needs {needs}"
    if solution.status in UNREACHABLE:
        return solution.status, solution.why
    cc = run.scan.compile_commands
    if cc is not None:
        if not any(t in cc.args for t in plan.targets):
            return "not_built", "not compiled in this build (no file including it is in compile_commands.json)"
        if plan.build != TRUE:
            return "not_built", f"not compiled in this build: needs {render(plan.build)}"
    if not plan.targets:
        return "no_includer", "in a header that no scanned .c file includes"
    tried = run.tried.get(site, [])
    wanted = {(run.profile.name, plan.targets[0])} | set(tried)
    parses = [f for f in run.files if (f.profile, f.path) in wanted]
    failed = [f for f in parses if f.error]
    if failed:
        return "parse_failed", f"libclang could not parse {failed[0].path}: {failed[0].error}"
    last = [f for f in parses if tried and (f.profile, f.path) == tried[-1]] or parses
    if any(_skipped(site, f) for f in last):
        values = run.values(where)
        unknown = sorted(a for a in atoms(plan.expanded) if values.get(a) == UNKNOWN_VALUE)
        if unknown:  # `#if OPENSSL_VERSION_NUMBER < 0x10100000L` with OpenSSL 3 headers installed
            who = "; ".join(f"{name}: {run.fixed_by.get(name, 'the system headers define it')}" for name in unknown)
            return "fixed", f"the preprocessor skips it: it depends on values this machine fixes ({who})"
        if tried:
            return "not_taken", (f"the preprocessor skipped it even in profile {tried[-1][0]} "
                                 "(a macro the tree or the system headers set decides)")
        return "not_taken", "the preprocessor skipped it, and no change of the build's macros was found to reach it"
    profile = f" (in profile {tried[-1][0]})" if tried else ""
    return "call_lost", f"parsed{profile}, but libclang produced no call here: {_nearest_error(site, last)}"


def _wanted(name: str, value: str | None, now: str | None, tested_defined: bool) -> str:
    if not tested_defined and now is not None:
        return f"another value of {name}"
    return f"{name} undefined" if value is None else f"{name} defined"


def _defined_tests(expr: Expr) -> set[str]:
    """Macros an expression tests with defined()."""
    own = {expr.name} if expr.op == "defined" else set()
    return own.union(*(_defined_tests(a) for a in expr.args))


def _nearest_error(site: TokenSite, parses: list[FileFacts]) -> str:
    errors = [d for f in parses for d in f.diagnostics if d.severity >= 3 and d.file == site.file]
    if not errors:
        return "no error reported"
    d = min(errors, key=lambda d: (abs(d.line - site.line), d.line))
    return f"error at line {d.line}: {d.message}"


# ---------------------------------------------------------------------------- the catalog analysis

def analyze_build(context: Any) -> tuple[list, dict[str, Any]]:
    """Message.build from the #if stack around each call; the coverage report as a section.

        #ifdef _WITH_BFD_
            log_message(LOG_INFO, "BFD ...");      build: defined(_WITH_BFD_)
        #endif
    """
    conditionals: dict[str, Any] = {}
    messages = []
    cov = dict(context.scan.coverage) if context.scan.coverage else None
    recovered = _read_from_text(context, cov) if cov else []
    for m in list(context.messages) + recovered:
        if m.file not in conditionals:
            conditionals[m.file] = _conditionals_of(context.tree.root / m.file)
        c = conditionals[m.file]
        messages.append(replace(m, build=build_text(c.build(m.line)) if c else ""))
    return messages, ({"coverage": cov} if cov else {})


TEXT_STATUSES = ("fixed", "call_lost", "not_taken", "parse_failed", "no_includer")


def _read_from_text(context: Any, cov: dict[str, Any]) -> list:
    """Messages for token sites no parse holds but some build compiles: read from the text.

    Sites inside `#if 0` are counted apart: every C programmer reads them as comments."""
    from srcscan.catalog import assign_ids, message_from_call
    from srcscan.textcalls import call_from_text

    found, texts, not_covered = [], {}, []
    ids = {m.id for m in context.messages}
    for entry in cov.get("not_covered", []):
        entry = dict(entry)
        log_fn = log_function_of(context.log_functions, entry["file"], entry["call"])
        if entry["status"] in TEXT_STATUSES and log_fn is not None:
            if entry["file"] not in texts:
                texts[entry["file"]] = (context.tree.root / entry["file"]).read_bytes().decode("latin-1")
            call = call_from_text(texts[entry["file"]], entry["file"], entry["line"], entry["call"])
            if call is not None:
                found.append(replace(message_from_call(call, log_fn), extracted="text"))
                entry["read_from_text"] = True
        not_covered.append(entry)
    new = []
    for m in assign_ids(found):
        while m.id in ids:
            m = replace(m, id=m.id + "+")
        ids.add(m.id)
        new.append(m)
    sites = cov["sites"]
    in_if0 = sum(1 for n in not_covered if n["status"] == "never" and n["reason"].startswith("#if 0"))
    covered = cov["parsed"] + len(new)
    cov.update({
        "not_covered": not_covered,
        "read_from_text": len(new),
        "in_if0": in_if0,
        "coverage_with_text": round(covered / sites, 4) if sites else 1.0,
        "coverage_outside_if0": round(covered / (sites - in_if0), 4) if sites > in_if0 else 1.0,
    })
    return new


def _conditionals_of(path: Path):
    from srcscan.preprocessor import conditionals, scan_directives

    try:
        return conditionals(scan_directives(path.read_bytes().decode("latin-1")))
    except OSError:
        return None
