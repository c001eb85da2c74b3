"""The token scan: call sites of the log functions found in the tree's text, without a compiler.

In each .c and .h file of the scan, comments and the contents of string and character
literals are blanked and preprocessor lines (with their continuations: macro bodies)
dropped; then every `name (` of a log function at brace depth above zero (inside a body:
depth 0 is a declaration or definition) and not after `.`/`->` (a call through a struct
field) is one call site. Reading the tree's text is this package's only I/O.
"""

from __future__ import annotations

import bisect
import hashlib
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from srcscan.analyze.logfuncs import infer_log_functions
from srcscan.catalog import all_functions
from srcscan.io import read_sealed, seal, write_atomic_bytes
from srcscan.sources.text import TreeText
from srcscan.model import FileFacts
from srcscan.preprocessor import blank_comments_and_literals, logical_lines
from srcscan.preprocessor.lex import blank_out
from srcscan.preprocessor.macros import TreeMacros
from srcscan.rules import Rules
from srcscan.scan import PACKAGE, sources_digest


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
            code[starts[first - 1]:end] = blank_out(clean[starts[first - 1]:end])
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


def read_texts(text: TreeText) -> dict[str, str]:
    """Text of every .c and .h file the scan covers (latin-1: one character per byte, as libclang
    counts columns), from the run's TreeText: the tree is listed and read once for every stage."""
    texts = {}
    for rel in text.files:
        try:
            texts[rel] = text.text(rel)
        except OSError:
            continue
    return texts


def scan_tokens(texts: Mapping[str, str], names: Iterable[str]) -> tuple[TokenSite, ...]:
    """The token sites of every file (relative path -> text), in path order."""
    names = tuple(names)
    return tuple(t for rel in sorted(texts) for t in scan_call_tokens(rel, texts[rel], names))


def log_function_names(rules: Rules, files: Iterable[FileFacts], macros: TreeMacros | None = None) -> tuple[str, ...]:
    """The rules' log functions, the wrappers inferred from the parsed code, and the macros
    the parses saw standing for a log function, variadic ones that pass the format on
    (lighttpd's `#define log_warn(errh, file, line, ...) log_pri(..., 4, __VA_ARGS__)`: a
    call written with it in a branch no parse takes is a site too; a macro holding its own
    format, `LOG_STATE(s)`, is not)."""
    files = tuple(files)
    names = {f.name for f in infer_log_functions(rules, all_functions(files)).values()}
    if macros is not None:
        names |= {n for n in log_macro_names(files, names)
                  if any(d.function_like and "__VA_ARGS__" in d.value for d in macros.defs.get(n, ()))}
    return tuple(sorted(names))


def log_macro_names(files: Iterable[FileFacts], names: set[str]) -> set[str]:
    """Names calls were written with that the parse found to be calls of one of `names`."""
    return {call.written for facts in files for fn in facts.functions for call in fn.calls
            if not call.indirect and call.callee in names and call.written != call.callee and call.written}


class TokenCache:
    """Token sites by file, scanned once per set of names (rounds usually share one); with a
    TokenMemo, each file's sites are also kept by its text and the names across runs."""

    def __init__(self, texts: Mapping[str, str], memo: "TokenMemo | None" = None) -> None:
        self.texts, self.found, self.memo = texts, {}, memo

    def sites(self, names: tuple[str, ...]) -> tuple[TokenSite, ...]:
        if names not in self.found:
            if self.memo is None:
                self.found[names] = scan_tokens(self.texts, names)
            else:
                self.found[names] = tuple(t for rel in sorted(self.texts)
                                          for t in self.memo.sites(rel, self.texts[rel], names))
        return self.found[names]


# The code whose answers the memo keeps: a change to it makes every kept answer stale.
TOKENS_VERSION = sources_digest([PACKAGE / "coverage" / "tokens.py", PACKAGE / "preprocessor" / "lex.py"])[:16]


class TokenMemo:
    """scan_call_tokens' answers kept by (the file's text, the names), in one sealed file under
    the cache (memo/tokens-VERSION.pickle): a run after a one-file change, or the next release
    of a history, scans only the files whose text changed (lighttpd 1.4.85: about 2.5 s of
    token scan per run otherwise). A pure function of its inputs, so a kept answer is the
    answer; a missing or damaged file keeps none. At most LIMIT answers, the least recently
    used dropped first."""

    LIMIT = 50000

    def __init__(self, cache_dir: Path) -> None:
        self.path = cache_dir / "memo" / f"tokens-{TOKENS_VERSION}.pickle"
        self.kept: dict[tuple[bytes, bytes], tuple[tuple[int, int, str], ...]] = self._read()
        self.added = 0
        self._names: dict[tuple[str, ...], bytes] = {}

    def sites(self, rel: str, text: str, names: tuple[str, ...]) -> tuple[TokenSite, ...]:
        """scan_call_tokens(rel, text, names), kept."""
        tag = self._names.get(names)
        if tag is None:
            tag = self._names[names] = hashlib.sha256("\0".join(sorted(set(names))).encode()).digest()[:16]
        key = (hashlib.sha256(text.encode("latin-1")).digest()[:16], tag)
        found = self.kept.pop(key, None)
        if found is None:
            sites = scan_call_tokens(rel, text, names)
            found = tuple((s.line, s.col, s.name) for s in sites)
            self.added += 1
        self.kept[key] = found  # (the newest last)
        return tuple(TokenSite(rel, line, col, name) for line, col, name in found)

    def save(self) -> None:
        """Write the memo when this run added answers (with those another run kept meanwhile)."""
        if not self.added:
            return
        kept = {**self._read(), **self.kept}
        kept = dict(list(kept.items())[-self.LIMIT:])
        try:
            write_atomic_bytes(self.path, seal(pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL)))
        except OSError:
            return  # a memo that cannot be written costs the next run its token scan, nothing else
        self.added = 0

    def _read(self) -> dict:
        payload = read_sealed(self.path)
        if payload is None:
            return {}
        try:
            kept = pickle.loads(payload)
        except (pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError, ImportError, IndexError):
            return {}
        return kept if isinstance(kept, dict) else {}
