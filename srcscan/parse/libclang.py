"""libclang set-up: the private ctypes handle with the prototypes srcscan calls, the
compiler's own include directory, and a fingerprint of libclang and the system headers."""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import shutil
import subprocess

from clang import cindex

# Binary and unary operator spellings by libclang's CXBinaryOperatorKind / CXUnaryOperatorKind.
BINARY_OPS = (
    "", ".*", "->*", "*", "/", "%", "+", "-", "<<", ">>", "<=>", "<", ">", "<=", ">=", "==", "!=",
    "&", "^", "|", "&&", "||", "=", "*=", "/=", "%=", "+=", "-=", "<<=", ">>=", "&=", "^=", "|=", ",",
)
UNARY_OPS = ("", "post++", "post--", "++", "--", "&", "*", "+", "-", "~", "!", "__real", "__imag", "__extension__", "co_await")


def _register(lib: ctypes.CDLL, name: str, argtypes: list, restype) -> None:
    fn = getattr(lib, name)
    fn.argtypes, fn.restype = argtypes, restype


class _CXString(ctypes.Structure):
    """CXString without cindex's __del__ (which would dispose it a second time)."""

    _fields_ = [("data", ctypes.c_void_p), ("flags", ctypes.c_uint)]


class _SourceRangeList(ctypes.Structure):
    _fields_ = [("count", ctypes.c_uint), ("ranges", ctypes.POINTER(cindex.SourceRange))]


_VISITOR = ctypes.CFUNCTYPE(ctypes.c_int, cindex.Cursor, cindex.Cursor, ctypes.c_void_p)



@functools.cache
def _lib():
    # A private handle: cindex keeps its own prototypes on conf.lib, ours must not clash.
    lib = ctypes.CDLL(cindex.conf.lib._name)
    _register(lib, "clang_getCursorBinaryOperatorKind", [cindex.Cursor], ctypes.c_int)
    _register(lib, "clang_getCursorUnaryOperatorKind", [cindex.Cursor], ctypes.c_int)
    _register(lib, "clang_Cursor_Evaluate", [cindex.Cursor], ctypes.c_void_p)
    _register(lib, "clang_EvalResult_getKind", [ctypes.c_void_p], ctypes.c_int)
    _register(lib, "clang_EvalResult_getAsLongLong", [ctypes.c_void_p], ctypes.c_longlong)
    _register(lib, "clang_EvalResult_dispose", [ctypes.c_void_p], None)
    _register(lib, "clang_getAllSkippedRanges", [cindex.TranslationUnit], ctypes.POINTER(_SourceRangeList))
    _register(lib, "clang_disposeSourceRangeList", [ctypes.POINTER(_SourceRangeList)], None)
    _register(lib, "clang_getExpansionLocation", [cindex.SourceLocation, ctypes.POINTER(ctypes.c_void_p),
              ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint)], None)
    _register(lib, "clang_getFileName", [ctypes.c_void_p], _CXString)
    _register(lib, "clang_visitChildren", [cindex.Cursor, _VISITOR, ctypes.c_void_p], ctypes.c_uint)
    _register(lib, "clang_getCursorKind", [cindex.Cursor], ctypes.c_int)
    _register(lib, "clang_getCursorExtent", [cindex.Cursor], cindex.SourceRange)
    _register(lib, "clang_getRangeStart", [cindex.SourceRange], cindex.SourceLocation)
    _register(lib, "clang_getRangeEnd", [cindex.SourceRange], cindex.SourceLocation)
    _register(lib, "clang_getCursorSpelling", [cindex.Cursor], _CXString)
    _register(lib, "clang_getCursorReferenced", [cindex.Cursor], cindex.Cursor)
    _register(lib, "clang_getCursorSemanticParent", [cindex.Cursor], cindex.Cursor)
    _register(lib, "clang_getCursorLocation", [cindex.Cursor], cindex.SourceLocation)
    _register(lib, "clang_getCursorType", [cindex.Cursor], cindex.Type)
    _register(lib, "clang_getCanonicalType", [cindex.Type], cindex.Type)
    _register(lib, "clang_getTypeDeclaration", [cindex.Type], cindex.Cursor)
    _register(lib, "clang_getCursorLinkage", [cindex.Cursor], ctypes.c_int)
    _register(lib, "clang_getEnumConstantDeclValue", [cindex.Cursor], ctypes.c_longlong)
    _register(lib, "clang_getCString", [_CXString], ctypes.c_char_p)
    _register(lib, "clang_disposeString", [_CXString], None)
    _register(lib, "clang_Location_isFromMainFile", [cindex.SourceLocation], ctypes.c_int)
    return lib


@functools.cache
def builtin_include_dir() -> str | None:
    """The compiler's own headers (stddef.h, stdarg.h): the libclang wheel ships none."""
    for cc in ("gcc", "cc", "clang"):
        exe = shutil.which(cc)
        if not exe:
            continue
        try:
            out = subprocess.run([exe, "-print-file-name=include"], capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        if out and os.path.isfile(os.path.join(out, "stddef.h")):
            return out
    return None


@functools.cache
def system_fingerprint() -> str:
    """libclang and the system's headers, as far as a few stat calls can tell: installing a
    -dev package changes /usr/include or one of its directories."""
    parts = [cindex.conf.lib._name, str(builtin_include_dir())]
    for top in ("/usr/include", "/usr/local/include"):
        try:
            entries = sorted(os.scandir(top), key=lambda e: e.name)
        except OSError:
            continue
        parts.append(f"{top}:{os.stat(top).st_mtime_ns}")
        parts.extend(f"{e.name}:{e.stat().st_mtime_ns}" for e in entries if e.is_dir())
    try:
        lib = os.stat(cindex.conf.lib._name)
        parts.append(f"{lib.st_size}:{lib.st_mtime_ns}")
    except OSError:
        pass
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
