"""Hyperscan's C library (libhs: Hyperscan 5, or Vectorscan, which keeps its interface) through
ctypes, with the match handler in C (srcscan/native/hsscan.c).

The `hyperscan` binding calls a Python function once per match, taking the interpreter's lock
again each time: on keepalived 2.3.4's 2986 expressions and a million generated lines that is
about 0.5 s of the 1.2 s the scan costs (README, srcscan explain). Here one ctypes call scans a
list of texts (each on its own, against expressions anchored at both ends) and leaves per text
the highest expression id that matched it (`best`, each distinct text scanned once) or every
match (`all`), and no Python code runs during the scan.

Optional: `library()` is None when libhs.so.5 is not installed, hs_valid_platform() refuses the
CPU, hsscan.c cannot be compiled (no C compiler) or SRCSCAN_NATIVE=0; engines.Hyperscan then
scans with the `hyperscan` binding and gives the same answers (tests/unit/test_explain_libhs.py).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from array import array
from itertools import compress
from pathlib import Path
from typing import Sequence

from srcscan.explain.native import compiled_library

_SOURCE = Path(__file__).parent.parent / "native" / "hsscan.c"
_VERSION = 4  # srcscan_hs_version() of the source this module reads
HS_MODE_BLOCK = 1  # hs_compile.h
HS_FLAG_DOTALL = 2  # hs_compile.h
HS_FLAG_SINGLEMATCH = 8


class _CompileError(ctypes.Structure):
    _fields_ = [("message", ctypes.c_char_p), ("expression", ctypes.c_int)]


class Database:
    """A compiled libhs database and a scratch space for it (both freed with this object)."""

    def __init__(self, lib: "LibHS", handle: ctypes.c_void_p) -> None:
        self.lib = lib
        self.handle = handle
        self.scratch = ctypes.c_void_p()
        if lib.hs.hs_alloc_scratch(handle, ctypes.byref(self.scratch)) != 0:
            lib.hs.hs_free_database(handle)
            raise OSError("libhs: no scratch space for the database")

    def __del__(self) -> None:
        hs = self.lib.hs
        if self.scratch:
            hs.hs_free_scratch(self.scratch)
        if self.handle:
            hs.hs_free_database(self.handle)


class LibHS:
    """libhs.so.5 and hsscan.c loaded: compile, serialize and scan."""

    def __init__(self, hs: ctypes.CDLL, helper: ctypes.CDLL) -> None:
        self.hs = hs
        self.helper = helper
        hs.hs_version.restype = ctypes.c_char_p
        self.version = hs.hs_version().decode("ascii", "replace")
        hs.hs_compile_multi.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_uint),
                                        ctypes.POINTER(ctypes.c_uint), ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p,
                                        ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.POINTER(_CompileError))]
        hs.hs_free_compile_error.argtypes = [ctypes.POINTER(_CompileError)]
        hs.hs_alloc_scratch.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
        hs.hs_free_scratch.argtypes = [ctypes.c_void_p]
        hs.hs_free_database.argtypes = [ctypes.c_void_p]
        hs.hs_serialize_database.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                                             ctypes.POINTER(ctypes.c_size_t)]
        hs.hs_deserialize_database.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_void_p)]
        self._scan = ctypes.cast(hs.hs_scan, ctypes.c_void_p)
        helper.srcscan_hs_version.restype = ctypes.c_long
        if helper.srcscan_hs_version() != _VERSION:
            raise OSError("hsscan.c: not the collector this srcscan reads")
        for name in ("srcscan_hs_best", "srcscan_hs_all"):
            getattr(helper, name).restype = ctypes.c_long
        helper.srcscan_hs_best.argtypes = ([ctypes.c_void_p] * 3 + [ctypes.c_char_p, ctypes.c_long] + [ctypes.c_void_p] * 5
                                           + [ctypes.c_int32])
        helper.srcscan_hs_all.argtypes = ([ctypes.c_void_p] * 3 + [ctypes.c_char_p, ctypes.c_long]
                                          + [ctypes.c_void_p] * 3 + [ctypes.c_long])
        helper.srcscan_hs_free.argtypes = [ctypes.c_void_p]
        self._out: ctypes.Array = (ctypes.c_int32 * 1)()
        self._ids: ctypes.Array = (ctypes.c_int32 * 1)()

    def compile(self, bodies: Sequence[bytes], ids: Sequence[int], flags: int = 0) -> tuple[Database | None, list[int]]:
        """One database of every expression libhs takes (block mode, `flags` on each: HS_FLAG_*),
        reporting `ids`; and the ids of the expressions it refused (each refusal names one; it is
        dropped and the rest compiled again). (None, ids) when it refuses all."""
        ok = list(ids)
        body_of = dict(zip(ids, bodies))
        rejected: list[int] = []
        while ok:
            n = len(ok)
            handle, error = ctypes.c_void_p(), ctypes.POINTER(_CompileError)()
            rc = self.hs.hs_compile_multi((ctypes.c_char_p * n)(*[body_of[i] for i in ok]),
                                          (ctypes.c_uint * n)(*[flags] * n),
                                          (ctypes.c_uint * n)(*ok), n, HS_MODE_BLOCK, None, ctypes.byref(handle),
                                          ctypes.byref(error))
            if rc == 0:
                return Database(self, handle), rejected
            at = error.contents.expression if error else -1
            message = error.contents.message if error else b""
            if error:
                self.hs.hs_free_compile_error(error)
            if not 0 <= at < n:  # not one expression's fault (memory, the platform)
                raise OSError(f"libhs cannot compile the expressions: {message.decode('utf-8', 'replace')}")
            rejected.append(ok.pop(at))
        return None, rejected

    def serialize(self, db: Database) -> bytes:
        data, size = ctypes.c_void_p(), ctypes.c_size_t()
        if self.hs.hs_serialize_database(db.handle, ctypes.byref(data), ctypes.byref(size)) != 0:
            raise OSError("libhs cannot serialize the database")
        try:
            return ctypes.string_at(data, size.value)
        finally:
            self.helper.srcscan_hs_free(data)

    def deserialize(self, blob: bytes) -> Database:
        """The database serialized by `serialize` (by this libhs); ValueError when it is not one."""
        handle = ctypes.c_void_p()
        if self.hs.hs_deserialize_database(blob, len(blob), ctypes.byref(handle)) != 0:
            raise ValueError("not a database of this libhs")
        return Database(self, handle)

    def _room(self, name: str, size: int) -> ctypes.Array:
        buffer = getattr(self, name)
        if len(buffer) < size:  # kept from block to block
            buffer = (ctypes.c_int32 * (size + size // 4))()
            setattr(self, name, buffer)
        return buffer

    def best(self, db: Database, texts: Sequence[bytes], classes: array | None = None, keep: bytes | None = None,
             skipped: int = -1) -> tuple[list[int], list[int]]:
        """Per text, the highest id of a matching expression, or -1 (each distinct text scanned once);
        and with `classes` (array('i'), per id its class: a run of ids, Matcher.classes) the indexes of
        the texts that another id of that class matches too ([] without). With `keep` (one byte per
        text), the texts whose byte is 0 are not scanned and get `skipped`. The database's
        expressions must be anchored (engines.Hyperscan.anchored)."""
        n = len(texts)
        lens, out = array("i", map(len, texts)), self._room("_out", n)
        tied = ctypes.create_string_buffer(n if classes is not None else 0)
        got = self.helper.srcscan_hs_best(self._scan, db.handle, db.scratch, b"".join(texts), n, lens.buffer_info()[0],
                                          out, classes.buffer_info()[0] if classes is not None else None, tied, keep,
                                          skipped)
        if got < 0:
            raise OSError(f"libhs scan failed (error {-1 - got})")
        ties = list(compress(range(n), tied.raw)) if classes is not None else []
        return memoryview(out).cast("B").cast("i")[:n].tolist(), ties

    def all(self, db: Database, texts: Sequence[bytes]) -> list[list[int]]:
        """Per text, the ids of every matching expression."""
        n = len(texts)
        lens, data = array("i", map(len, texts)), b"".join(texts)
        cap = max(n, 1024)
        while True:
            found, ids = self._room("_out", cap), self._room("_ids", cap)
            cap = len(found)
            got = self.helper.srcscan_hs_all(self._scan, db.handle, db.scratch, data, n, lens.buffer_info()[0], found,
                                             ids, cap)
            if got < 0:
                raise OSError(f"libhs scan failed (error {-1 - got})")
            if got <= cap:
                break
            cap = got
        out: list[list[int]] = [[] for _ in range(n)]
        for k, i in zip(memoryview(found).cast("B").cast("i")[:got].tolist(),
                        memoryview(ids).cast("B").cast("i")[:got].tolist()):
            out[k].append(i)
        return out


@functools.cache
def library(directory: Path | None = None) -> LibHS | None:
    """libhs.so.5 with hsscan.c compiled into `directory` (default: srcscan's cache directory);
    None when either is missing, the CPU is not one libhs runs on, or SRCSCAN_NATIVE=0."""
    try:
        try:
            hs = ctypes.CDLL("libhs.so.5")
        except OSError:
            hs = ctypes.CDLL(ctypes.util.find_library("hs") or "libhs.so.5")
        if hs.hs_valid_platform() != 0:
            return None
    except (OSError, AttributeError):
        return None
    helper = compiled_library(_SOURCE, directory)
    if helper is None:
        return None
    try:
        return LibHS(hs, ctypes.CDLL(helper))
    except (OSError, AttributeError):
        return None
