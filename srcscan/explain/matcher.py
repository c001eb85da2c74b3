"""The matcher: a catalog's templates compiled into one multi-pattern database.

Every non-dynamic template becomes one anchored regular expression (literal text, one
sub-pattern per typed hole); messages with the same expression share it. Lines are scanned
in blocks against all expressions at once by Hyperscan (`hyperscan`), else by an RE2 set
(`google-re2`), else by Python's `re` over expressions bucketed by their first literal bytes.
Hyperscan was chosen by measurement (benchmarks/explain.py, README "srcscan explain").

A Matcher is plain data plus a compiled database built on first use: it pickles (the
database is left out and rebuilt), so Dask workers can receive it. Knows nothing about line
formats or output.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from collections import defaultdict
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from srcscan.formats.template import Hole, Template

# What each kind of hole can print (glibc printf; lighttpd's legacy descriptors print the
# same kinds). Widths pad with spaces on either side ("%-5d"), so numbers allow them.
_HOLE = {
    "str": rb".*?", "any": rb".*?", "errno": rb".*?",
    "int": rb" *[-+]?\d+ *", "uint": rb" *\+?\d+ *", "hex": rb" *(?:0[xX])?[0-9a-fA-F]+ *",
    "float": rb" *[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+|inf|nan|INF|NAN) *", "char": rb".",
    "ptr": rb"(?:0x[0-9a-fA-F]+|\(nil\))",
}
_PLAIN = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_TAIL = rb"[ \t]*"  # trailing blanks a writer may leave
RS = 0x1E  # stands for a newline inside one record while a block of records is scanned


def escape_bytes(data: bytes, newline: int = 0x0A) -> bytes:
    """A literal as a regular expression every engine reads alike (PCRE, RE2 Latin-1, re)."""
    out = bytearray()
    for b in data:
        if b == 0x0A:
            b = newline
        out += bytes((b,)) if b in _PLAIN else b"\\x%02x" % b
    return bytes(out)


def template_pattern(t: Template, newline: int = 0x0A, capture: bool = False) -> bytes:
    """The template's body as a regular expression (no anchors), holes optionally captured."""
    out = []
    for p in t.parts:
        if isinstance(p, str):
            out.append(escape_bytes(p.encode("utf-8", "surrogateescape"), newline))
        else:
            sub = _HOLE.get(p.kind, rb".*?")
            out.append(b"(" + sub + b")" if capture else b"(?:" + sub + b")")
    return b"".join(out)


def specificity(t: Template) -> tuple[int, int]:
    """Rank of a template among those matching one line: more literal bytes first, then
    fewer holes (a line matching `Open of %s failed` and `%s failed` is the former's)."""
    literal = sum(len(p.encode()) for p in t.parts if isinstance(p, str))
    holes = sum(1 for p in t.parts if isinstance(p, Hole))
    return literal, -holes


@dataclass(frozen=True)
class Pattern:
    """One distinct expression and the catalog messages (by index) whose template it is."""

    body: bytes  # regular expression, newlines as \x0a
    messages: tuple[int, ...]
    rank: tuple[int, int]
    holes: tuple[str | None, ...]  # each hole's argument expression, in order


ENGINES = ("hyperscan", "re2", "re")


def available_engine(preferred: str = "auto") -> str:
    """The first engine of ENGINES that imports (or `preferred` when it does)."""
    order = ENGINES if preferred == "auto" else (preferred,)
    for name in order:
        if name == "re":
            return name
        try:
            __import__({"hyperscan": "hyperscan", "re2": "re2"}[name])
        except ImportError:
            continue
        return name
    return "re"


class Matcher:
    """Templates of catalog messages compiled for matching message texts.

    `patterns[i]` is one distinct expression; `best(texts)` gives, per text, the index of the
    most specific pattern fully matching it (-1: none); `all_matches(texts)` every one, most
    specific first; `values(i, text)` the hole values named by argument expression. `sites`
    maps (basename, line) of the messages to their indexes, for lighttpd's stamps.
    Picklable: the compiled database is rebuilt on first use after unpickling.
    """

    def __init__(self, templates: Sequence[Template], sites: Sequence[tuple[str, int]] = (), engine: str = "auto",
                 cache_dir: Path | None = None) -> None:
        by_body: dict[bytes, list[int]] = defaultdict(list)
        first: dict[bytes, Template] = {}
        self.catch_all: tuple[int, ...] = ()  # messages with no literal text at all (`%s`): never reported
        catch_all = []
        for i, t in enumerate(templates):
            if t.dynamic or not any(isinstance(p, str) and p.strip() for p in t.parts):
                catch_all.append(i)
                continue
            body = template_pattern(t)
            by_body[body].append(i)
            first.setdefault(body, t)
        self.catch_all = tuple(catch_all)
        self.patterns: tuple[Pattern, ...] = tuple(
            Pattern(body, tuple(ids), specificity(first[body]),
                    tuple(p.arg for p in first[body].parts if isinstance(p, Hole)))
            for body, ids in by_body.items())
        self.templates = tuple(templates)
        self.sites: dict[tuple[str, int], tuple[int, ...]] = _site_index(sites)
        self.engine = available_engine(engine)
        self.cache_dir = cache_dir  # where a compiled Hyperscan database is kept
        self._compiled: Any = None

    # pickling: a Hyperscan database travels serialized; other engines are rebuilt (fast)
    def __getstate__(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in ("_captures", "_pattern_of")}
        if self.engine != "hyperscan":
            state["_compiled"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.engine = available_engine(self.engine)

    @property
    def compiled(self) -> Any:
        if self._compiled is None:
            if self.engine == "hyperscan":
                self._compiled = _Hyperscan(self.patterns, self.cache_dir)
            else:
                self._compiled = _COMPILERS[self.engine](self.patterns)
        return self._compiled

    def best(self, texts: Sequence[bytes]) -> list[int]:
        """Per text, the most specific matching pattern's index, or -1."""
        return self.compiled.best(texts)

    def all_matches(self, texts: Sequence[bytes]) -> list[list[int]]:
        """Per text, every matching pattern's index, most specific first."""
        found = self.compiled.all(texts)
        return [sorted(set(f), key=lambda i: self.patterns[i].rank, reverse=True) for f in found]

    def fullmatch(self, index: int, text: bytes) -> re.Match[bytes] | None:
        return self._capture(index).fullmatch(text)

    def values(self, index: int, text: bytes) -> dict[str, str]:
        """Hole values of `text` under pattern `index`, named by their argument expressions
        (`vrrp->iname`; `hole 2` where the catalog knows no argument). {} when it does not match."""
        m = self.fullmatch(index, text)
        if m is None:
            return {}
        out: dict[str, str] = {}
        for k, (arg, value) in enumerate(zip(self.patterns[index].holes, m.groups()), 1):
            name = arg or f"hole {k}"
            if name in out:
                name = f"{name} ({k})"
            out[name] = value.decode("utf-8", "replace").strip(" ") if value is not None else ""
        return out

    def _capture(self, index: int) -> re.Pattern[bytes]:
        cache = self.__dict__.setdefault("_captures", {})
        rx = cache.get(index)
        if rx is None:
            t = self.templates[self.patterns[index].messages[0]]
            rx = cache[index] = re.compile(template_pattern(t, capture=True) + _TAIL, re.S)
        return rx

    def at_stamp(self, basename: str, line: int) -> tuple[int, ...]:
        """Messages (indexes) written at `basename:line`."""
        return self.sites.get((basename, line), ())

    def pattern_of(self, message: int) -> int:
        """The pattern index of a message (-1 for a catch-all or dynamic one)."""
        index = self.__dict__.get("_pattern_of")
        if index is None:
            index = self.__dict__["_pattern_of"] = {m: i for i, p in enumerate(self.patterns) for m in p.messages}
        return index.get(message, -1)


def _site_index(sites: Sequence[tuple[str, int]]) -> dict[tuple[str, int], tuple[int, ...]]:
    index: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, (file, line) in enumerate(sites):
        index[(file.rsplit("/", 1)[-1], line)].append(i)
    return {k: tuple(v) for k, v in index.items()}


# ---------------------------------------------------------------------------- engines

class _Hyperscan:
    """Block mode over records joined by \\n (a newline inside a record is RS), `^...$` in
    multi-line mode: a match ending at a record's end is a full match of that record."""

    def __init__(self, patterns: Sequence[Pattern], cache_dir: Path | None = None) -> None:
        import hyperscan

        self.ranks = [p.rank for p in patterns]
        bodies = [b"^" + p.body.replace(b"\\x0a", b"\\x%02x" % RS) + _TAIL + b"$" for p in patterns]
        self.db, self.fallback = _cached_hyperscan(hyperscan, bodies, cache_dir)
        self.scratch = hyperscan.Scratch(self.db) if self.db is not None else None

    # A database takes seconds to compile (about 8 ms per expression): it travels serialized.
    def __getstate__(self) -> dict[str, Any]:
        import hyperscan

        return {"ranks": self.ranks, "fallback": self.fallback,
                "db": hyperscan.dumpb(self.db) if self.db is not None else None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        import hyperscan

        self.ranks, self.fallback = state["ranks"], state["fallback"]
        self.db = hyperscan.loadb(state["db"], hyperscan.HS_MODE_BLOCK) if state["db"] is not None else None
        self.scratch = hyperscan.Scratch(self.db) if self.db is not None else None

    def _scan(self, texts: Sequence[bytes], on_match: Callable) -> list[int]:
        ends, pos = {}, -1
        for i, t in enumerate(texts):
            pos += len(t) + 1
            ends[pos] = i
        block = b"\n".join(texts)
        if block.count(b"\n") >= len(texts):  # a record holds a newline of its own
            block = b"\n".join(t.replace(b"\n", bytes((RS,))) for t in texts)
        if self.db is not None:
            self.db.scan(block, match_event_handler=on_match, context=ends, scratch=self.scratch)
        return list(ends)

    def best(self, texts: Sequence[bytes]) -> list[int]:
        found = [-1] * len(texts)
        ranks = self.ranks

        def on_match(pid: int, _start: int, end: int, _flags: int, ends: dict[int, int]) -> None:
            i = ends.get(end)
            if i is not None:
                cur = found[i]
                if cur < 0 or ranks[pid] > ranks[cur]:
                    found[i] = pid

        self._scan(texts, on_match)
        self.fallback.improve(texts, found, ranks)
        return found

    def all(self, texts: Sequence[bytes]) -> list[list[int]]:
        found: list[list[int]] = [[] for _ in texts]

        def on_match(pid: int, _start: int, end: int, _flags: int, ends: dict[int, int]) -> None:
            i = ends.get(end)
            if i is not None:
                found[i].append(pid)

        self._scan(texts, on_match)
        for i, extra in enumerate(self.fallback.all(texts)):
            found[i].extend(extra)
        return found


def _cached_hyperscan(hyperscan: Any, bodies: list[bytes], cache_dir: Path | None) -> tuple[Any, "_Python"]:
    """The compiled database, read back from `cache_dir/explain/` when the same expressions were
    compiled before by the same Hyperscan (the key hashes both)."""
    if cache_dir is None:
        return _compile_hyperscan(hyperscan, bodies)
    digest = hashlib.sha256(hyperscan.__version__.encode() if hasattr(hyperscan, "__version__") else b"hs")
    for b in bodies:
        digest.update(b + b"\0")
    path = cache_dir / "explain" / f"{digest.hexdigest()[:32]}.hsdb"
    try:
        db, rejected = pickle.loads(path.read_bytes())
        return hyperscan.loadb(db, hyperscan.HS_MODE_BLOCK), _Python({i: _unrs(bodies[i]) for i in rejected})
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, hyperscan.error):
        pass
    db, fallback = _compile_hyperscan(hyperscan, bodies)
    if db is not None:
        from srcscan.scan import write_atomic_bytes

        rejected = sorted(fallback.ids)
        try:
            write_atomic_bytes(path, pickle.dumps((hyperscan.dumpb(db), rejected)))
        except OSError:
            pass  # a cache that cannot be written only costs the next run the compile
    return db, fallback


def _compile_hyperscan(hyperscan: Any, bodies: list[bytes]) -> tuple[Any, "_Python"]:
    """One database of every expression Hyperscan takes; the rest go to Python's re."""
    flag = hyperscan.HS_FLAG_MULTILINE | hyperscan.HS_FLAG_ALLOWEMPTY
    ok = list(range(len(bodies)))
    rejected: list[int] = []
    while ok:
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        try:
            db.compile(expressions=[bodies[i] for i in ok], ids=ok, elements=len(ok), flags=[flag] * len(ok))
            return db, _Python({i: _unrs(bodies[i]) for i in rejected})
        except hyperscan.error as exc:
            bad = _rejected_index(str(exc), ok)
            if bad is None:  # cannot tell which: test them one by one
                bad_set = [i for i in ok if not _compiles(hyperscan, bodies[i], flag)]
                if not bad_set:
                    raise
                rejected += bad_set
                ok = [i for i in ok if i not in set(bad_set)]
            else:
                rejected.append(bad)
                ok.remove(bad)
    return None, _Python({i: _unrs(bodies[i]) for i in rejected})


def _unrs(body: bytes) -> bytes:
    return body.replace(b"\\x%02x" % RS, b"\\x0a")


def _rejected_index(message: str, ok: list[int]) -> int | None:
    m = re.search(r"[Ee]xpression (?:id )?(\d+)", message)
    if m and int(m.group(1)) in set(ok):
        return int(m.group(1))
    return None


def _compiles(hyperscan: Any, body: bytes, flag: int) -> bool:
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    try:
        db.compile(expressions=[body], ids=[0], elements=1, flags=[flag])
    except hyperscan.error:
        return False
    return True


class _RE2:
    """An RE2 set (Latin-1, full match) asked once per record."""

    def __init__(self, patterns: Sequence[Pattern]) -> None:
        import re2

        options = re2.Options()
        options.encoding = re2.Options.Encoding.LATIN1
        options.dot_nl = True
        options.max_mem = 1 << 30
        self.ranks = [p.rank for p in patterns]
        self.set = re2.Set.FullMatchSet(options)
        for p in patterns:
            self.set.Add(p.body + _TAIL)
        self.set.Compile()

    def all(self, texts: Sequence[bytes]) -> list[list[int]]:
        match = self.set.Match
        return [list(match(t) or ()) for t in texts]

    def best(self, texts: Sequence[bytes]) -> list[int]:
        ranks, match = self.ranks, self.set.Match
        out = []
        for t in texts:
            hits = match(t)
            out.append(max(hits, key=ranks.__getitem__) if hits else -1)
        return out


class _Python:
    """Python's re, bucketed by the first three literal bytes of each expression (expressions
    starting with a hole are tried on every text)."""

    def __init__(self, bodies: dict[int, bytes]) -> None:
        self.ids = tuple(bodies)
        self.buckets: dict[bytes, list[tuple[int, re.Pattern[bytes]]]] = defaultdict(list)
        self.wild: list[tuple[int, re.Pattern[bytes]]] = []
        for i, body in bodies.items():
            rx = re.compile(body.removeprefix(b"^").removesuffix(b"$") if body.startswith(b"^") else body + _TAIL, re.S)
            head = _literal_head(body.removeprefix(b"^"))
            (self.buckets[head] if len(head) == 3 else self.wild).append((i, rx))
        self.empty = not bodies

    def all(self, texts: Sequence[bytes]) -> list[list[int]]:
        if self.empty:
            return [[] for _ in texts]
        out = []
        for t in texts:
            cands = self.buckets.get(t[:3], [])
            out.append([i for i, rx in (*cands, *self.wild) if rx.fullmatch(t)])
        return out

    def best(self, texts: Sequence[bytes], ranks: Sequence[tuple[int, int]]) -> list[int]:
        return [max(f, key=ranks.__getitem__) if f else -1 for f in self.all(texts)]

    def improve(self, texts: Sequence[bytes], found: list[int], ranks: Sequence[tuple[int, int]]) -> None:
        if self.empty:
            return
        for i, hits in enumerate(self.all(texts)):
            for pid in hits:
                if found[i] < 0 or ranks[pid] > ranks[found[i]]:
                    found[i] = pid


class _PythonEngine:
    def __init__(self, patterns: Sequence[Pattern]) -> None:
        self.ranks = [p.rank for p in patterns]
        self.py = _Python({i: p.body for i, p in enumerate(patterns)})

    def all(self, texts: Sequence[bytes]) -> list[list[int]]:
        return self.py.all(texts)

    def best(self, texts: Sequence[bytes]) -> list[int]:
        return self.py.best(texts, self.ranks)


def _literal_head(body: bytes) -> bytes:
    """The first literal bytes an expression body starts with (escapes decoded)."""
    out = bytearray()
    i = 0
    while i < len(body) and len(out) < 3:
        c = body[i]
        if c == 0x5C and body[i + 1:i + 2] == b"x":
            out.append(int(body[i + 2:i + 4], 16))
            i += 4
        elif c in _PLAIN:
            out.append(c)
            i += 1
        else:
            break
    return bytes(out)


_COMPILERS: dict[str, Callable[[Sequence[Pattern]], Any]] = {
    "hyperscan": _Hyperscan, "re2": _RE2, "re": _PythonEngine,
}
