"""Calls in `#if` branches that test only the build machine: the processes that make them.

The profile srcscan parses with leaves a configure capability check such as
`HAVE_DECL_NFT_META_L4PROTO` undefined, so `#if HAVE_DECL_NFT_META_L4PROTO add_meta(...);
#else add_payload(...); #endif` (keepalived's check_nftables.c) is read through its `#else`.
Any real build on a recent kernel takes the other branch: the checker, which runs that
function, calls add_meta() there. A branch whose `#if` chain names only such platform
macros (the rules' `[preprocessor] platform` patterns, else the generic ones: `HAVE_*`,
`SIZEOF_*`, ...) and none of the project's feature, off or never switches is one that some
ordinary build compiles; the processes that run the function holding it can make its calls.
Feature and debug switches are left out: the default profile decides those on purpose.
Reads the tree's texts (given as a mapping), no other I/O.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any, Callable, Mapping

from srcscan.preprocessor import PreprocessorRules
from srcscan.preprocessor.conditions import Conditionals, conditionals
from srcscan.preprocessor.lex import scan_directives
from srcscan.preprocessor.macros import GENERIC_PATTERNS


class PlatformBranches:
    """Which skipped lines of a file lie in branches only platform checks decide.

    `texts`: tree-relative path -> C text (read lazily by the caller's mapping); `rules`: the
    rules file's `[preprocessor]` section."""

    def __init__(self, texts: Mapping[str, str], rules: PreprocessorRules) -> None:
        self.texts, self.rules = texts, rules
        self._files: dict[str, Conditionals | None] = {}

    def platform(self, name: str) -> bool:
        """A macro a configure capability check or a system header decides, not a project
        switch (the rules' own lists first, then the generic patterns)."""
        own = lambda patterns: any(fnmatchcase(name, p) for p in patterns)  # noqa: E731
        if own(self.rules.feature) or own(self.rules.off) or own(self.rules.never) or own(self.rules.compiler):
            return False
        return own(self.rules.platform) or (own(GENERIC_PATTERNS["platform"]) and not own(GENERIC_PATTERNS["feature"]))

    def condition(self, file: str, line: int) -> str | None:
        """The `#if` condition holding `line` when every macro its branches name is a platform
        check (rendered, for the derivation); None otherwise (a feature switch, `#if 0`, a file
        srcscan has no text of)."""
        if file not in self._files:
            try:
                text = self.texts[file] if file in self.texts else None  # (a lazy mapping: not .get)
            except OSError:
                text = None
            self._files[file] = conditionals(scan_directives(text)) if text else None
        found = self._files[file]
        stack = [b for b in found.stack(line) if not b.guard] if found is not None else []
        if not stack or any(not b.tests or not all(self.platform(m) for m in b.tests) for b in stack):
            return None
        return " && ".join(b.text for b in stack)


def platform_callers(fn: Any, model: Any, branches: PlatformBranches,
                     function_at: Callable[[Any, str, int], Any], runs: Callable[..., tuple[str, ...]]
                     ) -> tuple[tuple[str, ...], str]:
    """(processes, where) running a function whose skipped branch, decided by platform checks
    only, calls `fn`: check_nftables.c's setup_rule_set_mark() calls add_meta() under `#if
    HAVE_DECL_NFT_META_L4PROTO`. `function_at(model, file, line)` names the function holding a
    line; `runs(line, key)` the processes that run a line of a function."""
    found: list[str] = []
    where: list[str] = []
    for file, line in sorted(model.facts.skipped_calls.get(fn.name, ())):
        caller = function_at(model, file, line)
        if caller is None or caller.key == fn.key or max((c.line for c in caller.calls), default=0) < line:
            continue  # (past its last parsed call: perhaps a skipped function of its own)
        cond = branches.condition(file, line)
        if cond is None:
            continue
        procs = runs(line, caller.key)
        found.extend(p for p in procs if p not in found)
        if procs:
            where.append(f"{caller.name}() at {file}:{line} (#if {cond})")
    order = [p.name for p in model.procs]
    return tuple(sorted(found, key=order.index)), "; ".join(where)
