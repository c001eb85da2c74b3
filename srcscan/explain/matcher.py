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
import operator
import pickle
import re
from collections import defaultdict
from itertools import accumulate, count
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
    for k, p in enumerate(t.parts):
        if isinstance(p, str):
            if k == 0 and p.startswith(" "):
                # Leading blanks: one may be missing, since a reader may take it for the separator
                # (RFC 5424's SP before MSG, which rsyslog writes twice) and cannot tell.
                out.append(rb"(?: ?)")
                p = p[1:]
            out.append(escape_bytes(p.encode("utf-8", "surrogateescape"), newline))
        else:
            sub = _HOLE.get(p.kind, rb".*?") if p.arg != '""' else rb" *"  # `%*s` of "": an indent
            out.append(b"(" + sub + b")" if capture else b"(?:" + sub + b")")
    return b"".join(out)


def specificity(t: Template) -> tuple[int, int, int]:
    """Rank of a template among those matching one line: more literal bytes first (a line
    matching `Open of %s failed` and `%s failed` is the former's), then more holes that
    constrain what they print (`= %u` before `= %s`; `%*s` of "" prints only spaces), then
    fewer holes."""
    literal = sum(len(p.encode()) for p in t.parts if isinstance(p, str))
    holes = [p for p in t.parts if isinstance(p, Hole)]
    constrained = sum(1 for p in holes if p.kind not in ("str", "any", "errno") or p.arg == '""')
    return literal, constrained, -len(holes)


@dataclass(frozen=True)
class Pattern:
    """One distinct expression and the catalog messages (by index) whose template it is."""

    body: bytes  # regular expression, newlines as \x0a
    messages: tuple[int, ...]
    rank: tuple[int, int, int]
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
        loose_body: dict[bytes, list[int]] = defaultdict(list)
        for i, t in enumerate(templates):
            body = template_pattern(t)
            if t.dynamic or not any(isinstance(p, str) and p.strip() for p in t.parts):
                loose_body[body].append(i)  # no literal text (`%s`, a format not literal): matches anything
            else:
                by_body[body].append(i)
            first.setdefault(body, t)
        strict = [Pattern(body, tuple(ids), specificity(first[body]),
                          tuple(p.arg for p in first[body].parts if isinstance(p, Hole)))
                  for body, ids in by_body.items()]
        loose = [Pattern(body, tuple(ids), specificity(first[body]),
                         tuple(p.arg for p in first[body].parts if isinstance(p, Hole)))
                 for body, ids in loose_body.items()]
        # patterns[:strict] go to the engine; the loose ones are tried only on texts nothing else matches
        self.strict = len(strict)
        self.patterns: tuple[Pattern, ...] = tuple(strict + loose)
        self.templates = tuple(templates)
        self.sites: dict[tuple[str, int], tuple[int, ...]] = _site_index(sites)
        self.engine = available_engine(engine)
        self.cache_dir = cache_dir  # where a compiled Hyperscan database is kept
        self._compiled: Any = None

    # pickling: a Hyperscan database travels serialized; other engines are rebuilt (fast)
    def __getstate__(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in ("_captures", "_prefixes", "_pattern_of")}
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
                self._compiled = _Hyperscan(self.patterns[:self.strict], self.cache_dir)
            else:
                self._compiled = _COMPILERS[self.engine](self.patterns[:self.strict])
        return self._compiled

    def best(self, texts: Sequence[bytes]) -> list[int]:
        """Per text, the most specific matching pattern's index, or -1."""
        return self.compiled.best(texts)

    def all_matches(self, texts: Sequence[bytes], loose: bool = False) -> list[list[int]]:
        """Per text, every matching pattern's index, most specific first; with `loose`, a text no
        pattern with literal text matches gets the patterns without any (`%*s%.*s`) it fits."""
        found = self.compiled.all(texts)
        out = [sorted(set(f), key=lambda i: self.patterns[i].rank, reverse=True) for f in found]
        if loose:
            for k, f in enumerate(out):
                if not f:
                    f.extend(self.loose_matches(texts[k]))
        return out

    def loose_matches(self, text: bytes) -> list[int]:
        """Patterns without literal text that fully match `text`, most specific first."""
        hits = [i for i in range(self.strict, len(self.patterns)) if self.fullmatch(i, text)]
        return sorted(hits, key=lambda i: self.patterns[i].rank, reverse=True)

    def is_loose(self, index: int) -> bool:
        return index >= self.strict

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

    def prefix_values(self, index: int, text: bytes) -> dict[str, str] | None:
        """Hole values when the text starts with the pattern's (what follows is `rest of the line`);
        None when it does not."""
        cache = self.__dict__.setdefault("_prefixes", {})
        rx = cache.get(index)
        if rx is None:
            t = self.templates[self.patterns[index].messages[0]]
            rx = cache[index] = re.compile(template_pattern(t, capture=True) + rb"(.*)", re.S)
        m = rx.fullmatch(text)
        if m is None:
            return None
        out = {}
        for k, (arg, value) in enumerate(zip(self.patterns[index].holes, m.groups()[:-1]), 1):
            out[arg or f"hole {k}"] = value.decode("utf-8", "replace").strip(" ")
        out["rest of the line"] = m.groups()[-1].decode("utf-8", "replace")
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
    multi-line mode: a match ending at a record's end is a full match of that record.

    Expressions are split by the literal bytes they start with (two, one, or none: a hole
    first), one database per split, compiled when a record first needs it: a record is
    scanned only against the expressions its first bytes allow. Measured on keepalived
    2.3.4's 2476 expressions, one database of all costs about 2 us per record; scanning
    only the record's own splits about a fifth of that (README, srcscan explain).
    """

    def __init__(self, patterns: Sequence[Pattern], cache_dir: Path | None = None) -> None:
        self.ranks = [p.rank for p in patterns]
        self.cache_dir = cache_dir
        self.bodies = [b"^" + p.body.replace(b"\\x0a", b"\\x%02x" % RS) + _TAIL + b"$" for p in patterns]
        groups: dict[bytes, list[int]] = defaultdict(list)
        for pid, p in enumerate(patterns):
            groups[_literal_head(p.body, 2)].append(pid)
        self.groups = dict(groups)
        self.dbs: dict[bytes, Any] = {}  # key -> (database, scratch) or None, compiled on first use
        self.rejected: dict[int, bytes] = {}  # expressions Hyperscan refused: Python's re takes them
        self.fallback = _Python({})

    # A database takes seconds to compile (about 8 ms per expression): it travels serialized.
    def __getstate__(self) -> dict[str, Any]:
        import hyperscan

        state = {k: v for k, v in self.__dict__.items() if k not in ("dbs", "fallback")}
        state["dbs"] = {k: (hyperscan.dumpb(v[0]) if v is not None else None) for k, v in self.dbs.items()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        import hyperscan

        blobs = state.pop("dbs")
        self.__dict__.update(state)
        self.dbs = {}
        for k, blob in blobs.items():
            db = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK) if blob is not None else None
            self.dbs[k] = (db, hyperscan.Scratch(db)) if db is not None else None
        self.fallback = _Python(self.rejected)

    def _db(self, key: bytes) -> Any:
        if key not in self.dbs:
            import hyperscan

            ids = self.groups[key]
            db, rejected = _cached_hyperscan(hyperscan, [self.bodies[i] for i in ids], ids, self.cache_dir)
            self.dbs[key] = (db, hyperscan.Scratch(db)) if db is not None else None
            if rejected:
                self.rejected.update({i: _unrs(self.bodies[i]) for i in rejected})
                self.fallback = _Python(self.rejected)
        return self.dbs[key]

    def _scan(self, texts: Sequence[bytes], on_match: Callable) -> None:
        groups = self.groups
        if b"\n".join(texts).count(b"\n") >= len(texts):  # a record holds a newline of its own
            texts = [t.replace(b"\n", bytes((RS,))) if b"\n" in t else t for t in texts]
        by2: dict[bytes, list[int]] = defaultdict(list)
        for i, k in enumerate([t[:2] for t in texts]):
            by2[k].append(i)
        by1: dict[bytes, list[int]] = defaultdict(list)
        for k, idx in by2.items():
            if k[:1] in groups:
                by1[k[:1]] += idx
        if b"" in groups:
            self._scan_group(b"", range(len(texts)), texts, on_match)
        for k, idx in by1.items():
            self._scan_group(k, idx, texts, on_match)
        for k, idx in by2.items():
            if len(k) == 2 and k in groups:
                self._scan_group(k, idx, texts, on_match)

    def _scan_group(self, key: bytes, idx: Sequence[int], texts: Sequence[bytes], on_match: Callable) -> None:
        compiled = self._db(key)
        if compiled is None:
            return
        sub = texts if isinstance(idx, range) else [texts[i] for i in idx]
        # where each record ends in the joined block (its length, plus one separator per record before it)
        ends = dict(zip(map(operator.add, accumulate(map(len, sub)), count()), idx))
        compiled[0].scan(b"\n".join(sub), match_event_handler=on_match, context=ends, scratch=compiled[1])

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


def _cached_hyperscan(hyperscan: Any, bodies: list[bytes], ids: list[int],
                      cache_dir: Path | None) -> tuple[Any, list[int]]:
    """The compiled database of `bodies` (reported as `ids`) and the ids Hyperscan refused; read
    back from `cache_dir/explain/` when the same expressions were compiled before by the same
    Hyperscan (the key hashes both)."""
    if cache_dir is None:
        return _compile_hyperscan(hyperscan, bodies, ids)
    digest = hashlib.sha256(str(getattr(hyperscan, "__version__", "hs")).encode())
    for i, b in zip(ids, bodies):
        digest.update(b"%d\0" % i + b + b"\0")
    path = cache_dir / "explain" / f"{digest.hexdigest()[:32]}.hsdb"
    try:
        blob, rejected = pickle.loads(path.read_bytes())
        return (hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK) if blob is not None else None), rejected
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, hyperscan.error):
        pass
    db, rejected = _compile_hyperscan(hyperscan, bodies, ids)
    from srcscan.scan import write_atomic_bytes

    try:
        write_atomic_bytes(path, pickle.dumps((hyperscan.dumpb(db) if db is not None else None, rejected)))
    except OSError:
        pass  # a cache that cannot be written only costs the next run the compile
    return db, rejected


def _compile_hyperscan(hyperscan: Any, bodies: list[bytes], ids: list[int]) -> tuple[Any, list[int]]:
    """One database of every expression Hyperscan takes, and the ids of those it refused."""
    flag = hyperscan.HS_FLAG_MULTILINE | hyperscan.HS_FLAG_ALLOWEMPTY
    body_of = dict(zip(ids, bodies))
    ok = list(ids)
    rejected: list[int] = []
    while ok:
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        try:
            db.compile(expressions=[body_of[i] for i in ok], ids=ok, elements=len(ok), flags=[flag] * len(ok))
            return db, rejected
        except hyperscan.error as exc:
            bad = _rejected_index(str(exc), ok)
            bad_set = [bad] if bad is not None else [i for i in ok if not _compiles(hyperscan, body_of[i], flag)]
            if not bad_set:
                raise
            rejected += bad_set
            ok = [i for i in ok if i not in set(bad_set)]
    return None, rejected


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


def _literal_head(body: bytes, n: int = 3) -> bytes:
    """The first (up to n) literal bytes an expression body starts with (escapes decoded)."""
    out = bytearray()
    i = 0
    while i < len(body) and len(out) < n:
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
