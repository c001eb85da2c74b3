"""The coverage report: call sites found in the text against the catalog, and for each missing
or unreachable one its condition and the reason (a sections.CoverageReport, the catalog's
`coverage`)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from srcscan.coverage.plan import Plan, skipped_by_parse
from srcscan.coverage.tokens import TokenSite
from srcscan.model import FileFacts
from srcscan.preprocessor import TRUE, UNKNOWN_VALUE, atoms, classify_tree, Expr, render
from srcscan.sections import CompileCommandsUse, CoverageReport, ExtraProfile, NotCovered

if TYPE_CHECKING:  # rounds.py builds the report from its Run
    from srcscan.coverage.rounds import Run


TOKEN_SCAN = ("calls `name(` of the log functions (the rules' and the inferred wrappers) in every scanned .c and "
              ".h file, outside comments, string and character literals and preprocessor lines (macro bodies), "
              "inside a body (brace depth > 0: not a declaration or definition) and not after . or -> "
              "(a call through a struct field)")
# No build of this tree on this machine compiles them: `#if 0`, contradictions, and branches
# that need a macro this machine fixes otherwise (OpenSSL 1.0 code with OpenSSL 3 headers).
UNREACHABLE = ("never", "contradiction", "fixed")


def coverage_report(run: "Run") -> CoverageReport:
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
        not_covered.append(NotCovered(site.file, site.line, site.name, build_text(plan.build), status, reason))
    covered = sum(by_profile.values())
    unreachable = sum(1 for n in not_covered if n.status in UNREACHABLE)
    extra: dict[str, list[str]] = defaultdict(list)
    for f in run.files:
        if f.profile != base_name:
            extra[f.profile].append(f.path)
    system = frozenset().union(*run.observed.values()) if run.observed else frozenset()
    classes = classify_tree(run.macros, run.pre, system)
    cc = run.scan.compile_commands
    return CoverageReport(
        mode="compile_commands" if cc else "profiles",
        token_scan=TOKEN_SCAN,
        log_functions=tuple(names),
        sites=len(tokens),
        parsed=covered,
        parsed_default_profile=by_profile.get(base_name, 0),
        parsed_extra_profiles=covered - by_profile.get(base_name, 0),
        unreachable=unreachable,
        by_status=tuple((status, sum(1 for n in not_covered if n.status == status))
                        for status in sorted({n.status for n in not_covered})),
        coverage=round(covered / len(tokens), 4) if tokens else 1.0,
        coverage_reachable=round(covered / (len(tokens) - unreachable), 4) if len(tokens) > unreachable else 1.0,
        default_profile=base_name,
        features_turned_on=tuple(sorted(m for m, _ in run.profile.defines if classes.get(m) == "feature")),
        profiles=tuple(ExtraProfile(name, tuple(sorted(paths)), by_profile.get(name, 0))
                       for name, paths in sorted(extra.items())),
        files_reparsed=sum(len(paths) for paths in extra.values()),
        not_covered=tuple(not_covered),
        macros=tuple((cls, tuple(sorted(n for n, c in classes.items() if c == cls)))
                     for cls in sorted(("feature", "platform", "compiler", "other"))),
        macro_counts=tuple((cls, sum(1 for c in classes.values() if c == cls))
                           for cls in sorted(("feature", "platform", "compiler", "header_guard", "tree", "other"))),
        compile_commands=CompileCommandsUse(cc.path, len(cc.args), tuple(cc.outside)) if cc is not None else None)


def build_text(expr: Expr) -> str:
    """A build condition as the catalog writes it: "" when the line is always compiled."""
    return "" if expr == TRUE else render(expr)


def explain(plan: Plan, run: "Run") -> tuple[str, str]:
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
    if any(skipped_by_parse(site, f) for f in last):
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
