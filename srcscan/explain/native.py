"""The header reader in C (srcscan/native/loglines.c), compiled on first use and called through
ctypes: per block of lines, each line's form, time, ident, text and priority, without a Python
step per line. Optional: without a C compiler (or with SRCSCAN_NATIVE=0) `header_reader()` is
None and blocks.py reads the same lines with Python's re, giving the same records (tested).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from array import array
from pathlib import Path
from typing import NamedTuple

_SOURCE = Path(__file__).parent.parent / "native" / "loglines.c"
_VERSION = 3  # srcscan_log_headers_version() of the source this module reads


class Headers(NamedTuple):
    """What loglines.c read of a block: per line (bytes of one value each) `codes` (form number
    1-6 in lines.FORMS order, 7 for a journal entry it read (a flat JSON object of printable ASCII
    strings with MESSAGE, SYSLOG_IDENTIFIER and __REALTIME_TIMESTAMP), 0 for a line Python reads;
    +0x80 when the text may need another look) and `priorities` (0-7, 8 none, 9 unknown), and the
    lists `texts`, `idents`, `times` (b"" where absent); `no_ident` counts the lines without an
    ident; `starts` (n + 1 values) where each line starts in the block's bytes, and one past the
    newline of the last line: line k is data[starts[k]:starts[k + 1] - 1]."""

    codes: bytes
    priorities: bytes
    texts: list[bytes]
    idents: list[bytes]
    times: list[bytes]
    no_ident: int
    starts: array


class HeaderReader:
    """loglines.c loaded: `read(data)` gives the Headers of the block's lines (lines cut at \\n,
    a last line without \\n counted when not empty, as bytes.split does)."""

    def __init__(self, path: str) -> None:
        self.path = path
        lib = ctypes.CDLL(path)
        self._read = lib.srcscan_log_headers
        self._read.restype = ctypes.c_long
        self._read.argtypes = [ctypes.c_char_p, ctypes.c_long] + [ctypes.c_void_p] * 5 + [ctypes.c_void_p] * 2
        lib.srcscan_log_headers_version.restype = ctypes.c_long
        if lib.srcscan_log_headers_version() != _VERSION:
            raise OSError(f"{path}: not the header reader this srcscan reads")
        self._size = 0
        self._buffers: list[ctypes.Array] = []
        self._lens = (ctypes.c_long * 4)()

    def __reduce__(self):  # a forked or remote worker loads the library again
        return HeaderReader, (self.path,)

    def read(self, data: bytes) -> Headers:
        size = len(data) + 1
        if size > self._size:  # buffers kept from block to block (fresh pages cost more than the copy)
            self._size = size + size // 4
            # per line one code and one priority; each text, ident and time followed by \n
            # and where each line starts (int32, one more than the lines)
            self._buffers = [ctypes.create_string_buffer(n) for n in [self._size] * 2 + [2 * self._size] * 3
                             + [4 * (self._size + 1)]]
        codes, priorities, texts, idents, times, starts = self._buffers
        lens = self._lens
        n = self._read(data, len(data), codes, priorities, texts, idents, times, lens, starts)
        at = ctypes.string_at
        where = array("i")
        where.frombytes(at(starts, 4 * (n + 1) if n else 0))
        return Headers(at(codes, n), at(priorities, n), _split(texts, lens[0]), _split(idents, lens[1]),
                       _split(times, lens[2]), lens[3], where)


def _split(buffer: ctypes.Array, size: int) -> list[bytes]:
    return ctypes.string_at(buffer, size - 1).split(b"\n") if size else []


@functools.cache
def header_reader(directory: Path | None = None) -> HeaderReader | None:
    """loglines.c compiled into `directory` (default: srcscan's cache directory, `native/`) on
    first use and loaded; None when it cannot be (no C compiler, an unwritable directory) or
    SRCSCAN_NATIVE=0."""
    target = compiled_library(_SOURCE, directory)
    if target is None:
        return None
    try:
        return HeaderReader(target)
    except (OSError, AttributeError):
        return None


def compiled_library(source: Path, directory: Path | None = None) -> str | None:
    """The shared library built from the C file `source` (srcscan/native/) in `directory`
    (default: srcscan's cache directory, `native/`), named after a hash of the source and the
    compiler and compiled on first use (cc/gcc/clang -O2 -shared -fPIC, renamed into place
    atomically); None when it cannot be built (no C compiler, an unwritable directory) or
    SRCSCAN_NATIVE=0."""
    if os.environ.get("SRCSCAN_NATIVE", "1") == "0":
        return None
    if directory is None:
        from srcscan.sources.obtain import default_cache_dir

        directory = default_cache_dir() / "native"
    compiler = next((exe for exe in map(shutil.which, ("cc", "gcc", "clang")) if exe), None)
    if compiler is None:
        return None
    digest = hashlib.sha256(source.read_bytes() + compiler.encode()).hexdigest()[:16]
    target = directory / f"{source.stem}-{digest}.so"
    if not target.is_file():
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{source.stem}-", suffix=".so")
            os.close(fd)
        except OSError:
            return None
        try:
            done = subprocess.run([compiler, "-O2", "-shared", "-fPIC", "-o", tmp, str(source)],
                                  capture_output=True, timeout=120)
            if done.returncode != 0:
                return None
            os.replace(tmp, target)
        except (OSError, subprocess.SubprocessError):
            return None
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return str(target)
