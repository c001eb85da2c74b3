"""Planning extra parses: what each parse showed about the system's macros, and for each call
site the parse missed, the fewest macro changes (an extra profile) and the files to parse
with them; stand-in declarations for names a missing header leaves undeclared.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import Callable, Iterable, Mapping

from srcscan.coverage.tokens import TokenSite
from srcscan.model import FileFacts
from srcscan.preprocessor import (FALSE, TRUE, UNKNOWN_VALUE, atoms, default_features, evaluate, expand_tree_macros,
                                  Expr, PreprocessorRules, satisfiable, Solution, solve, TreeMacros)
from srcscan.rules import Profile
from srcscan.scan import ProfileRequest


def default_profile(profile: Profile, tree: TreeMacros, pre: PreprocessorRules) -> Profile:
    """The rules' profile plus every feature switch found in the tree turned on."""
    already = {m for m, _ in profile.defines} | set(profile.undefines)
    return replace(profile, defines=profile.defines + default_features(tree, pre, already))


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
    """`default+_WITH_X_+!USE_Y+Z=2`: the base profile's name and the changes (None: undefined)."""
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


def declaration_requests(plans: list[Plan], files: list[FileFacts], base_name: str,
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
        if facts is not None and not facts.error and not skipped_by_parse(plan.site, facts):
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


def skipped_by_parse(site: TokenSite, facts: FileFacts) -> bool:
    """The site lies in a range the parse skipped (an `#if` branch not taken)."""
    return any(s.file == site.file and s.start_line <= site.line <= s.end_line for s in facts.skipped)


def matches_any(name: str, patterns: Iterable[str]) -> bool:
    """`name` matches one of the fnmatch patterns (the rules' macro lists)."""
    return any(fnmatchcase(name, p) for p in patterns)


def extra_requests(plans: list[Plan], macros: TreeMacros, values: Callable[..., dict], base_name: str,
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
