"""The tree's macros: what each file `#define`s and tests, under which condition; tests of
macros the tree defines rewritten to the conditions of their `#define`s; each tested macro's
class (feature switch, platform check, compiler, header guard); and whether a rules file's
`-D` value is a macro definition at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Iterable, Mapping

from srcscan.preprocessor.conditions import ELSES, OPENERS, Conditionals, guard_name, conditionals, include_guard
from srcscan.preprocessor.expr import FALSE, TRUE, Expr, parsed_value, atoms, directive_condition, render, simplify
from srcscan.preprocessor.lex import scan_directives

# ---------------------------------------------------------------------------- the tree's macros

@dataclass(frozen=True)
class MacroDef:
    """One `#define` of the tree."""

    name: str
    file: str
    line: int
    value: str  # replacement text ("" when empty)
    function_like: bool
    cond: Expr  # build condition around the #define (include guards left out)


@dataclass(frozen=True)
class TreeMacros:
    """What the tree's own directives say: what is tested, what is defined where."""

    conditionals: dict[str, Conditionals]  # by tree-relative file
    tested: dict[str, int]  # macro -> number of #if/#elif lines testing it (include guards not counted)
    defs: dict[str, tuple[MacroDef, ...]]  # macro -> its #defines in the tree
    guards: frozenset[str]  # include-guard macros of the tree's headers
    gone: dict[str, frozenset[str]] = field(default_factory=dict)  # file -> macros it #undefs for good
    #   (an unconditional #undef and no #define in that file: `#undef OPENSSL_NO_OCSP`, a switch set by hand)
    _visible: dict[str, dict[str, tuple[MacroDef, ...]]] = field(default_factory=dict, compare=False, repr=False)
    _expanded: dict[tuple[str, int], Expr] = field(default_factory=dict, compare=False, repr=False)

    def visible_defs(self, file: str) -> dict[str, tuple[MacroDef, ...]]:
        """Definitions a file can see: its own and every header's (a .c file's are its own)."""
        if file not in self._visible:
            out: dict[str, tuple[MacroDef, ...]] = {}
            for name, defs in self.defs.items():
                seen = tuple(d for d in defs if d.file == file or not d.file.endswith(".c"))
                if seen:
                    out[name] = seen
            self._visible[file] = out
        return self._visible[file]

    def expanded(self, file: str, line: int, cond: Expr) -> Expr:
        """The condition of the branch at file:line with the tree's macros followed
        (expand_tree_macros), worked out once: every parse of the file asks again."""
        key = (file, line)
        if key not in self._expanded:
            self._expanded[key] = expand_tree_macros(cond, self.visible_defs(file), at=key)
        return self._expanded[key]

    def build(self, file: str, line: int) -> Expr:
        c = self.conditionals.get(file)
        return c.build(line) if c else TRUE


_DEFINE = re.compile(r"([A-Za-z_]\w*)(\()?(.*)", re.S)


def survey_tree(texts: Mapping[str, str]) -> TreeMacros:
    """Directives of every file: condition stacks, tested macros, definitions, include guards."""
    conds: dict[str, Conditionals] = {}
    tested: dict[str, int] = {}
    defs: dict[str, list[MacroDef]] = {}
    guards = set()
    gone: dict[str, frozenset[str]] = {}
    for rel in sorted(texts):
        directives = scan_directives(texts[rel])
        c = conds[rel] = conditionals(directives)
        guard_line = include_guard(directives)
        for d in directives:
            if d.line == guard_line:
                guards.add(guard_name(d) or "")
                continue
            if d.kind in OPENERS or d.kind in ELSES[:3]:
                for name in atoms(directive_condition(d)):
                    tested[name] = tested.get(name, 0) + 1
            elif d.kind == "define":
                m = _DEFINE.match(d.text)
                if m:
                    body = m.group(3)
                    if m.group(2):  # function-like: drop the parameter list
                        body = body.split(")", 1)[1] if ")" in body else ""
                    defs.setdefault(m.group(1), []).append(
                        MacroDef(m.group(1), rel, d.line, body.strip(), bool(m.group(2)), c.build(d.line)))
        undone = {d.text.split()[0] for d in directives if d.kind == "undef" and d.text and c.build(d.line) == TRUE}
        defined_here = {d.text.split("(")[0].split()[0] for d in directives if d.kind == "define" and d.text}
        if undone - defined_here:
            gone[rel] = frozenset(undone - defined_here)
    guards.discard("")
    return TreeMacros(conds, dict(sorted(tested.items())), {k: tuple(v) for k, v in sorted(defs.items())},
                      frozenset(guards), gone)


def expand_tree_macros(expr: Expr, defs: Mapping[str, tuple[MacroDef, ...]], depth: int = 4,
                       seen: frozenset[str] = frozenset(), gone: frozenset[str] = frozenset(),
                       at: tuple[str, int] = ("", 0)) -> Expr:
    """Replace tests of macros the tree defines by the conditions of their #defines:

        #ifdef _WITH_X_                     #ifdef X_SUPPORT     reads as
        #define X_SUPPORT 1                 ...                  defined(_WITH_X_) || defined(X_SUPPORT)
        #endif

    (the second alternative is a -DX_SUPPORT from outside). What is left names only
    macros a command line can set."""
    op = expr.op
    if op in ("defined", "macro") and expr.name in gone:
        return FALSE  # #undef'd by the file itself: no -D reaches past it
    # A file's own #defines count only above the line (`#ifndef X` / `#define X` tests X before defining it).
    mine = [d for d in defs.get(expr.name, ()) if d.file != at[0] or d.line < at[1]] if op in ("defined", "macro") \
        else []
    if mine and expr.name not in seen:
        if depth == 0:
            return Expr("call", name=render(expr))  # too deep to follow: unknown
        name = expr.name
        inner = seen | {name}
        conds = [expand_tree_macros(d.cond, defs, depth - 1, inner, at=(d.file, d.line)) for d in mine]
        by_tree = simplify(Expr("||", tuple(conds)))
        if op == "defined":
            return simplify(Expr("||", (by_tree, expr)))
        values = {d.value for d in mine}
        value = parsed_value(values.pop()) if len(values) == 1 and not mine[0].function_like else None
        if value is None:
            return Expr("call", name=name)  # several or unreadable values: unknown
        value = expand_tree_macros(value, defs, depth - 1, inner, at=(mine[0].file, mine[0].line))
        return simplify(Expr("?:", (by_tree, value, expr))) if by_tree != TRUE else value
    if expr.args:
        return Expr(op, tuple(expand_tree_macros(a, defs, depth, seen, gone, at) for a in expr.args), expr.name,
                    expr.value)
    return expr


def file_switches(text: str) -> dict[str, tuple[MacroDef, ...]]:
    """A .c file's own `#define`s by name, with the condition around each (its `#if` stack),
    leaving out every macro the file also `#undef`s (where it holds is then a matter of order
    this reading does not follow). For follow_file_switches."""
    directives = scan_directives(text)
    c = conditionals(directives)
    undone = {d.text.split()[0] for d in directives if d.kind == "undef" and d.text.split()}
    out: dict[str, list[MacroDef]] = {}
    for d in directives:
        m = _DEFINE.match(d.text) if d.kind == "define" else None
        if m and m.group(1) not in undone:
            body = m.group(3).split(")", 1)[1] if m.group(2) and ")" in m.group(3) else ("" if m.group(2) else m.group(3))
            out.setdefault(m.group(1), []).append(MacroDef(m.group(1), "", d.line, body.strip(), bool(m.group(2)),
                                                           c.build(d.line)))
    return {k: tuple(v) for k, v in out.items()}


def follow_file_switches(expr: Expr, defs: Mapping[str, tuple[MacroDef, ...]], line: int, depth: int = 4,
                         seen: frozenset[str] = frozenset()) -> Expr:
    """A build condition at `line` of a file with the file's own `#define`s above that line
    followed (`defs`: file_switches of the file), as expand_tree_macros does for the tree's:
    `defined(X)` holds where one of X's #defines does, or where X comes from outside (a -D, a
    system header: OpenSSL's headers may define the OPENSSL_NO_ECH that lighttpd's
    mod_openssl.c defines itself):

        #define _MOD_WEBSOCKET_SPEC_IETF_00_        (lighttpd 1.4.79 mod_wstunnel.c:185)
        #ifdef _MOD_WEBSOCKET_SPEC_IETF_00_         reads as 1 (every build)

        #if defined(HAVE_SYS_INOTIFY_H) || defined(HAVE_FAM_H)   (lighttpd 1.4.85 stat_cache.c:71-75)
        #define STAT_CACHE_FSMON
        #endif
        #ifdef STAT_CACHE_FSMON                     reads as defined(HAVE_SYS_INOTIFY_H) ||
                                                    defined(HAVE_FAM_H) || defined(STAT_CACHE_FSMON)

    `#if X` of a value takes the value only when every #define of X above the line is
    unconditional and gives one value; anything else is left as written."""
    op = expr.op
    if op in ("defined", "macro") and expr.name not in seen:
        mine = [d for d in defs.get(expr.name, ()) if d.line < line]
        if not mine or depth == 0:
            return expr
        inner = seen | {expr.name}
        conds = [follow_file_switches(d.cond, defs, d.line, depth - 1, inner) for d in mine]
        by_file = simplify(Expr("||", tuple(conds)))
        if op == "defined":
            return simplify(Expr("||", (by_file, expr)))
        values = {d.value for d in mine}
        value = parsed_value(mine[0].value) if by_file == TRUE and len(values) == 1 and not mine[0].function_like \
            else None
        return expr if value is None else follow_file_switches(value, defs, line, depth - 1, inner)
    if expr.args:
        return simplify(Expr(op, tuple(follow_file_switches(a, defs, line, depth, seen) for a in expr.args),
                             expr.name, expr.value))
    return expr


def unasked_switches(defs: Mapping[str, tuple[MacroDef, ...]], line: int) -> frozenset[str]:
    """Macros a file defines above `line` without asking whether they are defined already (no
    `#ifndef X` around the #define): its own switches, which nobody sets from outside in a
    build the project supports (lighttpd 1.4.85 stat_cache.c's STAT_CACHE_FSMON; not 1.4.79's
    HAVE_FAM_H, defined under `#ifndef HAVE_FAM_H` since configure may define it)."""
    return frozenset(name for name, ds in defs.items()
                     if any(d.line < line for d in ds) and not any(name in atoms(d.cond) for d in ds))


def without_macros(expr: Expr, names: frozenset[str]) -> Expr:
    """`expr` with each `defined(X)` of a macro in `names` read as false, simplified."""
    if expr.op == "defined" and expr.name in names:
        return FALSE
    if expr.args:
        return simplify(Expr(expr.op, tuple(without_macros(a, names) for a in expr.args), expr.name, expr.value))
    return expr


# ---------------------------------------------------------------------------- classification

CLASSES = ("feature", "platform", "compiler", "header_guard", "tree", "other")

# Generic knowledge about C builds (not about any one daemon); a rules file's lists come first.
GENERIC_PATTERNS = {
    # predefined by the compiler for its language, target and OS
    "compiler": ("__*", "_MSC_VER", "_WIN32", "_WIN64", "WIN32", "_M_*", "_AIX", "_LP64", "_ILP32", "unix", "linux",
                 "sun"),
    # configure's capability results, library versions, limits and constants of system headers
    "platform": ("HAVE_*", "SIZEOF_*", "*_MAX", "*_VERSION", "*_VERSION_*", "O_*", "SO_*", "SOCK_*", "SIG*",
                 "AF_*", "IP_*", "IPV6_*", "TCP_*", "SYS_*", "RLIMIT_*", "CLOCK_*", "LOG_*", "F_*", "PR_*"),
    # configure's --with/--enable switches and the debug switches of the code itself
    "feature": ("WITH_*", "_WITH_*", "USE_*", "ENABLE_*", "*DEBUG*"),
}
GENERIC_OFF = ("*DEBUG*",)  # debug builds are not what a distribution ships


@dataclass(frozen=True)
class PreprocessorRules:
    """The rules file's `[preprocessor]` section: what the source cannot tell."""

    feature: tuple[str, ...] = ()  # fnmatch patterns of project feature switches
    platform: tuple[str, ...] = ()  # ... of platform, libc, kernel and library capability checks
    compiler: tuple[str, ...] = ()  # ... of compiler checks
    off: tuple[str, ...] = ()  # features the default profile leaves off (debug and test builds)
    never: tuple[str, ...] = ()  # macros no profile changes (a build nobody can make)
    values: tuple[tuple[str, str], ...] = ()  # value a profile gives a macro instead of 1


def classify(name: str, tree: TreeMacros, rules: PreprocessorRules, system: frozenset[str] = frozenset()) -> str:
    """One of CLASSES for a tested macro. `system`: macros the parse showed the system headers define."""
    name = name.removesuffix("(...)")
    if name in tree.guards or (name not in tree.defs and re.search(r"_H_?_?$", name)):
        return "header_guard"
    if name in tree.defs:
        return "tree"
    for cls in ("feature", "platform", "compiler"):
        if _matches(name, getattr(rules, cls)):
            return cls
    if name in system:
        return "compiler" if _matches(name, GENERIC_PATTERNS["compiler"]) else "platform"
    for cls in ("compiler", "platform", "feature"):
        if _matches(name, GENERIC_PATTERNS[cls]):
            return cls
    return "other"


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatchcase(name, p) for p in patterns)


def classify_tree(tree: TreeMacros, rules: PreprocessorRules, system: frozenset[str] = frozenset()) -> dict[str, str]:
    """Class of every macro the tree tests, by name (sorted)."""
    return {name: classify(name, tree, rules, system) for name in sorted(tree.tested)}


def default_features(tree: TreeMacros, rules: PreprocessorRules, already: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """(macro, value) of the feature switches a default build turns on: every tested,
    never-defined macro classed as a feature, except the ones the rules keep off and
    the ones the rules' profile already sets or unsets."""
    skip = set(already)
    out = []
    for name, cls in classify_tree(tree, rules).items():
        if cls != "feature" or name in skip or _matches(name, rules.off) or _matches(name, rules.never):
            continue
        if _matches(name, GENERIC_OFF) and not _matches(name, rules.feature):
            continue
        out.append((name, dict(rules.values).get(name, "1")))
    return tuple(out)


# ---------------------------------------------------------------------------- values from rules files

_C_TOKEN = re.compile(r"""\s*(?:[A-Za-z_]\w*|\.?\d(?:[eEpP][+-]|[\w.])*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)+'"""
                      r"""|\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|##|[][(){}.&*+\-~!/%<>^|?:;=,#])""")


def define_problem(name: str, value: str) -> str | None:
    """Why `-Dname=value` is not a macro definition, or None when it is one."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or name == "defined":
        return f"{name!r} is not a macro name (a C identifier)"
    if "\n" in value or "\r" in value:
        return f"the value of {name} spans lines"
    pos, depth = 0, 0
    while pos < len(value):
        m = _C_TOKEN.match(value, pos)
        if not m or m.end() == pos:
            if value[pos:].strip() == "":
                break
            return f"the value of {name} is not a C token sequence (at {value[pos:pos + 10]!r})"
        token = m.group(0).strip()
        depth += token in ("(", "[", "{")
        depth -= token in (")", "]", "}")
        if depth < 0:
            return f"the value of {name} closes a bracket it never opened"
        pos = m.end()
    if depth:
        return f"the value of {name} leaves a bracket open"
    return None
