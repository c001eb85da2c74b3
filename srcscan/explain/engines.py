"""Multi-pattern engines behind the Matcher: Hyperscan, an RE2 set, Python's `re`.

Each engine takes the Matcher's expressions (bodies without anchors; a newline in a
template is \\x0a) in rank order — a higher index is a more specific expression — and
answers, for a list of message texts, `best(texts)` (per text the highest index of an
expression fully matching it, or -1), `best_ties(texts, classes)` (that, and the texts another
expression of the best one's class matches too: a run of expressions, Matcher.classes) and `all(texts)`
(every one). Hyperscan (`hyperscan`)
is preferred, then RE2 (`google-re2`), then `re`; the choice and its figures are in the
README (srcscan explain, benchmark).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from array import array
from collections import defaultdict
from itertools import accumulate, repeat
from operator import add
from pathlib import Path
from typing import Any, Callable, Sequence

TAIL = rb"[ \t]*"  # trailing blanks a writer may leave
RS = 0x1E  # stands for a newline inside a text while a block of texts is scanned
_INNER_NEWLINE = re.compile(rb"\n(?!\x1f)")
ANCHORED_FLAGS = 2 | 8  # HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH (hs_compile.h): libhs's expressions
PLAIN = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


class Hyperscan:
    """One Hyperscan database of every expression.

    Through libhs.so.5 (libhs.py, the match handler in C): every expression is anchored at both
    ends (`^body[ \\t]*\\z`, DOTALL, SINGLEMATCH) and each text is scanned on its own, each distinct
    text once, in byte order (texts alike in a row scan faster), so any byte may be in a text.
    Measured on keepalived 2.3.4 (3042 expressions, chrt -f, a million generated lines, 740,000
    distinct texts): 0.60 s for the scans, against 0.68 s for one scan of all the texts joined
    (below), and the repeats found and put back in C instead of Python (0.4 s).

    Through the `hyperscan` binding (libhs missing, or SRCSCAN_LIBHS=0), which calls a Python
    function per match: the texts are joined as `\\x1f text \\n` (a newline inside a text becomes
    RS; a text holding \\x1f has it read as \\x1a) and every expression is `\\x1f body [ \\t]* \\n`
    without DOTALL, scanned once per block: a match starts at a record's start and ends at that
    record's end, so its end offset names the record (the rare \\x1f byte before each record lets
    Hyperscan's literal prefilter find the candidates only where records start); 1.2 s for the
    same lines. Both give the same answers (tests/unit/test_explain_libhs.py).
    """

    def __init__(self, bodies: Sequence[bytes], cache_dir: Path | None = None) -> None:
        self.source = list(bodies)
        self.bodies = [b"\\x1f" + b.replace(b"\\x0a", b"\\x%02x" % RS) + TAIL + b"\\n" for b in bodies]
        self.anchored = [b"^" + b + TAIL + rb"\z" for b in bodies]  # libhs scans one text at a time
        self.cache_dir = cache_dir
        self.rejected: dict[int, bytes] = {}  # expressions Hyperscan refused: Python's re takes them
        self._db: Any = None
        self._scratch: Any = None
        self._lib: Any = None  # libhs.LibHS when the database is libhs's own, else None (the binding)
        self.fallback = Python({})

    # A database takes seconds to compile (about 1 ms per expression): it travels serialized, with
    # the name of what serialized it; a process where that is missing compiles it again.
    def __getstate__(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in ("_db", "_scratch", "_lib", "fallback")}
        state["_blob"] = None
        if self._db is not None:
            if self._lib is not None:
                state["_blob"] = ("libhs " + self._lib.version, self._lib.serialize(self._db))
            else:
                import hyperscan

                state["_blob"] = ("hyperscan", hyperscan.dumpb(self._db))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        blob = state.pop("_blob")
        self.__dict__.update(state)
        self._db = self._scratch = self._lib = None
        self.fallback = Python(self.rejected)
        if blob is None:
            return
        kind, data = blob
        lib = _libhs()
        if lib is not None and kind == "libhs " + lib.version:
            self._lib, self._db = lib, lib.deserialize(data)
        elif kind == "hyperscan" and lib is None:
            import hyperscan

            self._db = hyperscan.loadb(data, hyperscan.HS_MODE_BLOCK)
            self._scratch = hyperscan.Scratch(self._db)

    def _database(self) -> Any:
        if self._db is None:
            ids = list(range(len(self.bodies)))
            lib = _libhs()
            if lib is not None:
                self._lib = lib
                self._db, rejected = cached_database(
                    f"libhs {lib.version}", lambda bodies, ids: lib.compile(bodies, ids, ANCHORED_FLAGS),
                    lib.serialize, lib.deserialize, self.anchored, ids, self.cache_dir)
            else:
                import hyperscan

                self._db, rejected = cached_hyperscan(hyperscan, self.bodies, ids, self.cache_dir)
                self._scratch = hyperscan.Scratch(self._db) if self._db is not None else None
            self.rejected = {i: self.source[i] for i in rejected}
            self.fallback = Python(self.rejected)
        return self._db

    def _data(self, texts: Sequence[bytes]) -> bytes:
        """The texts as one block to scan, each ended by its only \\n."""
        data = b"\x1f" + b"\n\x1f".join(texts) + b"\n"
        n = len(texts)
        if data.count(b"\n") != n:  # a newline inside a text: RS stands for it
            data = _INNER_NEWLINE.sub(b"\x1e", data[:-1]) + b"\n"
        if data.count(b"\x1f") != n:  # a text holds \x1f (so does one holding "\n\x1f")
            texts = [t.replace(b"\x1f", b"\x1a").replace(b"\n", b"\x1e") for t in texts]
            data = b"\x1f" + b"\n\x1f".join(texts) + b"\n"
        return data

    def _scan(self, texts: Sequence[bytes], on_match: Callable) -> list[int]:
        """Scan the texts as one block through the binding; the end offset of each record (what
        on_match sees)."""
        db = self._database()
        data = self._data(texts)
        if db is not None and texts:
            db.scan(data, match_event_handler=on_match, scratch=self._scratch)
        return list(map(add, accumulate(map(len, texts)), range(2, 2 * len(texts) + 2, 2)))

    @property
    def distinct(self) -> bool:
        """`best` scans each distinct text once itself (libhs): the caller need not."""
        return self._database() is not None and self._lib is not None

    def best(self, texts: Sequence[bytes]) -> list[int]:
        db = self._database()
        if self._lib is not None or db is None:
            out = self._lib.best(db, texts)[0] if db is not None and texts else [-1] * len(texts)
        else:
            found: dict[int, int] = {}
            get = found.get

            def on_match(pid: int, _start: int, end: int, _flags: int, _context: object) -> None:
                if get(end, -1) < pid:
                    found[end] = pid

            ends = self._scan(texts, on_match)
            out = list(map(get, ends, repeat(-1, len(ends))))
        if self.rejected:
            distinct = list(dict.fromkeys(texts))
            extra = dict(zip(distinct, (max(hits) if hits else -1 for hits in self.fallback.all(distinct))))
            out = [max(o, extra[t]) for o, t in zip(out, texts)]
        return out

    def best_ties(self, texts: Sequence[bytes], classes: array) -> tuple[list[int], list[int]]:
        """`best(texts)`, and the indexes of the texts another expression of the best one's class
        (`classes[id]`) matches too."""
        db = self._database()
        if self._lib is not None and db is not None and texts and not self.rejected:
            return self._lib.best(db, texts, classes)
        return ties_of(self.all(texts), classes)

    def best_ties_kept(self, texts: Sequence[bytes], classes: array, keep: bytes, skipped: int
                       ) -> tuple[list[int], list[int]] | None:
        """`best_ties` of the texts whose `keep` byte is not 0, the others answered `skipped`, all
        in one scan by libhs; None when libhs does not scan here (the caller leaves the others out)."""
        db = self._database()
        if self._lib is not None and db is not None and texts and not self.rejected:
            return self._lib.best(db, texts, classes, keep, skipped)
        return None

    def all(self, texts: Sequence[bytes]) -> list[list[int]]:
        db = self._database()
        if self._lib is not None or db is None:
            out = self._lib.all(db, texts) if db is not None and texts else [[] for _ in texts]
        else:
            found: dict[int, list[int]] = defaultdict(list)

            def on_match(pid: int, _start: int, end: int, _flags: int, _context: object) -> None:
                found[end].append(pid)

            ends = self._scan(texts, on_match)
            out = [found.get(e, []) for e in ends]
        if self.rejected:
            out = [a + b for a, b in zip(out, self.fallback.all(texts))]
        return out


def ties_of(found: Sequence[Sequence[int]], classes: Sequence[int]) -> tuple[list[int], list[int]]:
    """From every expression matching each text: per text the highest id (-1: none), and the
    indexes of the texts that another id of its class matches too."""
    best = [max(f) if f else -1 for f in found]
    ties = [k for k, (f, b) in enumerate(zip(found, best)) if b >= 0 and len({i for i in f if classes[i] == classes[b]}) > 1]
    return best, ties


def _libhs() -> Any:
    """libhs.library() unless SRCSCAN_LIBHS=0 (the `hyperscan` binding then scans)."""
    if os.environ.get("SRCSCAN_LIBHS", "1") == "0":
        return None
    from srcscan.explain.libhs import library

    return library()


def cached_hyperscan(hyperscan: Any, bodies: list[bytes], ids: list[int],
                     cache_dir: Path | None) -> tuple[Any, list[int]]:
    """The compiled database of `bodies` (reported as `ids`) through the `hyperscan` binding, and
    the ids Hyperscan refused (cached_database)."""
    return cached_database(str(getattr(hyperscan, "__version__", "hs")),
                           lambda b, i: compile_hyperscan(hyperscan, b, i), hyperscan.dumpb,
                           lambda blob: hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK), bodies, ids, cache_dir,
                           (hyperscan.error,))


# Databases this process compiled, serialized, by cached_database's key (the newest
# _COMPILED_LIMIT): an Explainer without a cache directory (the tests make one per log over the
# same catalog) compiled the same expressions each time, 5-6 s of CPU for keepalived's 3257
# messages; each caller loads its own copy, as from the cache directory.
_COMPILED: dict[str, tuple[Any, list[int]]] = {}
_COMPILED_LIMIT = 8  # (keepalived 2.3.4's is 3 MB)


def cached_database(name: str, compile: Callable, dumps: Callable, loads: Callable, bodies: list[bytes],
                    ids: list[int], cache_dir: Path | None, errors: tuple[type[Exception], ...] = ()
                    ) -> tuple[Any, list[int]]:
    """`compile(bodies, ids)` -> (database or None, refused ids), read back from
    `cache_dir/explain/` when the same expressions were compiled before by the same engine
    (`name`: the key hashes it and the expressions), or without a cache directory from this
    process' own (_COMPILED); `dumps`/`loads` serialize a database, `loads` raising ValueError
    or one of `errors` for bytes that are not one."""
    digest = hashlib.sha256(name.encode())
    for i, b in zip(ids, bodies):
        digest.update(b"%d\0" % i + b + b"\0")
    key = digest.hexdigest()[:32]
    path = cache_dir / "explain" / f"{key}.hsdb" if cache_dir is not None else None
    if path is None and key in _COMPILED:
        blob, rejected = _COMPILED[key]
        return (loads(blob) if blob is not None else None), list(rejected)
    try:
        if path is not None:
            blob, rejected = pickle.loads(path.read_bytes())
            return (loads(blob) if blob is not None else None), rejected
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, *errors):
        pass  # a missing or damaged cache entry: compile again
    db, rejected = compile(bodies, ids)
    blob = dumps(db) if db is not None else None
    while len(_COMPILED) >= _COMPILED_LIMIT:
        del _COMPILED[next(iter(_COMPILED))]
    _COMPILED[key] = (blob, list(rejected))
    if path is not None:
        from srcscan.scan import write_atomic_bytes

        try:
            write_atomic_bytes(path, pickle.dumps((blob, rejected)))
        except OSError:
            pass  # a cache that cannot be written only costs the next run the compile
    return db, rejected


def compile_hyperscan(hyperscan: Any, bodies: list[bytes], ids: list[int]) -> tuple[Any, list[int]]:
    """One database of every expression Hyperscan takes, and the ids of those it refused."""
    body_of = dict(zip(ids, bodies))
    ok = list(ids)
    rejected: list[int] = []
    while ok:
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        try:
            db.compile(expressions=[body_of[i] for i in ok], ids=ok, elements=len(ok), flags=[0] * len(ok))
            return db, rejected
        except hyperscan.error as exc:
            bad = _rejected_index(str(exc), ok)
            bad_set = [bad] if bad is not None else [i for i in ok if not _compiles(hyperscan, body_of[i])]
            if not bad_set:
                raise
            rejected += bad_set
            ok = [i for i in ok if i not in set(bad_set)]
    return None, rejected


def _rejected_index(message: str, ok: list[int]) -> int | None:
    m = re.search(r"[Ee]xpression (?:id )?(\d+)", message)
    if m and int(m.group(1)) in set(ok):
        return int(m.group(1))
    return None


def _compiles(hyperscan: Any, body: bytes) -> bool:
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    try:
        db.compile(expressions=[body], ids=[0], elements=1, flags=[0])
    except hyperscan.error:
        return False
    return True


class RE2:
    """An RE2 set (Latin-1, full match) asked once per text."""

    def __init__(self, bodies: Sequence[bytes], cache_dir: Path | None = None) -> None:
        import re2

        options = re2.Options()
        options.encoding = re2.Options.Encoding.LATIN1
        options.dot_nl = True
        options.max_mem = 1 << 30
        self.set = re2.Set.FullMatchSet(options)
        for body in bodies:
            self.set.Add(body + TAIL)
        self.set.Compile()

    def all(self, texts: Sequence[bytes]) -> list[list[int]]:
        match = self.set.Match
        return [list(match(t) or ()) for t in texts]

    def best(self, texts: Sequence[bytes]) -> list[int]:
        match = self.set.Match
        return [max(hits) if hits else -1 for hits in map(match, texts)]

    def best_ties(self, texts: Sequence[bytes], classes: Sequence[int]) -> tuple[list[int], list[int]]:
        return ties_of(self.all(texts), classes)


class Python:
    """Python's re, bucketed by the first three literal bytes of each expression (expressions
    starting with a hole are tried on every text). `bodies`: index -> expression body."""

    def __init__(self, bodies: dict[int, bytes], cache_dir: Path | None = None) -> None:
        self.buckets: dict[bytes, list[tuple[int, re.Pattern[bytes]]]] = defaultdict(list)
        self.wild: list[tuple[int, re.Pattern[bytes]]] = []
        for i, body in bodies.items():
            rx = re.compile(body + TAIL, re.S)
            head = literal_head(body)
            (self.buckets[head] if len(head) == 3 else self.wild).append((i, rx))
        self.empty = not bodies

    @classmethod
    def of(cls, bodies: Sequence[bytes], cache_dir: Path | None = None) -> "Python":
        return cls(dict(enumerate(bodies)))

    def all(self, texts: Sequence[bytes]) -> list[list[int]]:
        if self.empty:
            return [[] for _ in texts]
        out = []
        for t in texts:
            cands = self.buckets.get(t[:3], [])
            out.append([i for i, rx in (*cands, *self.wild) if rx.fullmatch(t)])
        return out

    def best(self, texts: Sequence[bytes]) -> list[int]:
        return [max(f) if f else -1 for f in self.all(texts)]

    def best_ties(self, texts: Sequence[bytes], classes: Sequence[int]) -> tuple[list[int], list[int]]:
        return ties_of(self.all(texts), classes)


def literal_head(body: bytes, n: int = 3) -> bytes:
    """The first (up to n) literal bytes an expression body starts with (escapes decoded)."""
    out = bytearray()
    i = 0
    while i < len(body) and len(out) < n:
        c = body[i]
        if c == 0x5C and body[i + 1:i + 2] == b"x":
            out.append(int(body[i + 2:i + 4], 16))
            i += 4
        elif c in PLAIN:
            out.append(c)
            i += 1
        else:
            break
    return bytes(out)


ENGINES: dict[str, Callable[..., Any]] = {"hyperscan": Hyperscan, "re2": RE2, "re": Python.of}
