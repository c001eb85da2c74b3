"""Hyperscan's C library through ctypes (srcscan/explain/libhs.py, srcscan/native/hsscan.c):
the same answers as the `hyperscan` binding, which scans when libhs is missing or
SRCSCAN_LIBHS=0."""

from __future__ import annotations

import pickle
import random

import pytest
from explain_support import catalog, message

from srcscan.explain.engines import Hyperscan
from srcscan.explain.libhs import library
from srcscan.explain.matcher import Matcher, template_pattern

hyperscan = pytest.importorskip("hyperscan")  # the binding is a dependency: present wherever tests run

WORDS = ["vrrp", "check", "failed", "(VI_1)", "=", "->", "pid", "state", ":", "[", "]", "%", "#012", "address"]
HOLES = ["%s", "%d", "%u", "%x", "%c", "%p", "%5d", "%-3u", "%f", "%m"]


def _random_catalog(rng: random.Random, n: int = 80):
    """Formats of literal words and printf holes, some of them written at two call sites."""
    out = []
    for k in range(n):
        parts = [rng.choice(WORDS + HOLES) for _ in range(rng.randint(1, 4))]
        if not any(p in WORDS for p in parts):
            parts.append(rng.choice(WORDS))
        fmt = " ".join(parts)
        args = tuple(f"a{j}" for j in range(sum(fmt.count(h) for h in ("%s", "%d", "%u", "%x", "%c", "%p", "%f"))
                                            + fmt.count("%5d") + fmt.count("%-3u")))
        out.append(message(f"f{k % 7}.c", 10 + k, f"fn{k % 13}", fmt, args))
        if k % 10 == 0:
            out.append(message(f"g{k % 5}.c", 20 + k, "other", fmt, args))
    return out


def _texts(rng: random.Random, messages, n: int = 3000) -> list[bytes]:
    """Texts the formats write (random values), near misses and the scanner's separators."""
    out = []
    for _ in range(n):
        fmt = rng.choice(messages).format
        for h in HOLES:
            fmt = fmt.replace(h, rng.choice(["", "12", "-7", "ff", "x", "0x1f", "a b", "(nil)", "1.5", "\n", "\x1f"]))
        text = fmt.encode()
        if rng.random() < 0.2:
            text = text[:rng.randint(0, len(text))] + rng.choice([b"", b" ", b"\n", b"z"])
        out.append(text)
    return out + [b"", b"\x1f", b"\n", b"\n\x1f", b"Stopped \t"]


def _engine(bodies, cache, monkeypatch, libhs: bool) -> Hyperscan:
    monkeypatch.setenv("SRCSCAN_LIBHS", "1" if libhs else "0")
    engine = Hyperscan(bodies, cache)
    engine._database()
    assert (engine._lib is not None) == libhs
    return engine


def test_libhs_loads():
    assert library() is not None, "libhs.so.5 is needed (Debian: libhyperscan5 or libvectorscan5) and a C compiler"


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_libhs_and_the_binding_give_the_same_matches(seed, tmp_path, monkeypatch):
    rng = random.Random(seed)
    messages = _random_catalog(rng)
    matcher = Matcher([m.template for m in messages], engine="re")
    bodies = [p.body for p in matcher.patterns[:matcher.strict]]
    texts = _texts(rng, messages)
    native = _engine(bodies, tmp_path / "a", monkeypatch, True)
    binding = _engine(bodies, tmp_path / "b", monkeypatch, False)
    best = native.best(texts)
    assert best == binding.best(texts)
    assert sum(1 for b in best if b >= 0) > len(texts) // 4  # many texts are some format's
    assert [sorted(f) for f in native.all(texts)] == [sorted(f) for f in binding.all(texts)]
    assert native.best([]) == [] and native.all([]) == []
    # texts that two expressions of one rank (class) both match: libhs tells them in C
    ties = native.best_ties(texts, matcher.classes)
    assert ties == binding.best_ties(texts, matcher.classes) and ties[0] == best


def test_the_libhs_database_is_cached_and_pickled(tmp_path, monkeypatch):
    c = catalog()
    bodies = [template_pattern(m.template) for m in c.messages]
    texts = [b"(VI_1) Entering MASTER STATE", b"Stopped", b"Config:\n  vrrp 3 instances", b"nothing"]
    first = _engine(bodies, tmp_path, monkeypatch, True)
    cached = list((tmp_path / "explain").iterdir())
    assert len(cached) == 1
    again = _engine(bodies, tmp_path, monkeypatch, True)  # read back from the cache directory
    assert again.best(texts) == first.best(texts)
    copy = pickle.loads(pickle.dumps(first))
    assert copy._lib is not None and copy.best(texts) == first.best(texts)
    assert copy.all(texts) == first.all(texts)
    assert first.best(texts)[:3] != [-1, -1, -1]


def test_an_expression_libhs_refuses_is_matched_by_python(tmp_path, monkeypatch):
    """A back-reference Hyperscan does not support: that expression goes to Python's re, the
    others stay in the database."""
    bodies = [rb"(a)\1b", rb"plain text"]
    engine = _engine(bodies, tmp_path, monkeypatch, True)
    assert list(engine.rejected) == [0]
    assert engine.best([b"aab", b"plain text", b"ab"]) == [0, 1, -1]


def test_without_a_cache_directory_the_same_expressions_compile_once_per_process(monkeypatch):
    """An Explainer without a cache directory (one per log over the same catalog) compiled the
    same database again each time; now each loads its own copy of the first one's."""
    from srcscan.explain.engines import cached_database

    calls = []

    def compile(bodies, ids):
        calls.append(list(bodies))
        return ("db", tuple(bodies)), [1]

    serialize = (lambda db: repr(db).encode(), lambda blob: ("loaded", blob))
    first = cached_database("fake", compile, *serialize, [b"a", b"b"], [0, 1], None)
    again = cached_database("fake", compile, *serialize, [b"a", b"b"], [0, 1], None)
    other = cached_database("fake", compile, *serialize, [b"a", b"c"], [0, 1], None)
    assert calls == [[b"a", b"b"], [b"a", b"c"]]
    assert first == (("db", (b"a", b"b")), [1]) and again == (("loaded", b"('db', (b'a', b'b'))"), [1])
    assert other[0] == ("db", (b"a", b"c"))
    c = catalog()
    bodies = [template_pattern(m.template) for m in c.messages]
    texts = [b"(VI_1) Entering MASTER STATE", b"Stopped", b"nothing"]
    one, two = _engine(bodies, None, monkeypatch, True), _engine(bodies, None, monkeypatch, True)
    assert two._db is not one._db and two.best(texts) == one.best(texts) and one.best(texts)[:2] != [-1, -1]
