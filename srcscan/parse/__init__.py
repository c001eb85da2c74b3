"""Parse one C file with libclang and return it as plain, picklable data.

This package is the only one that imports clang.cindex. libclang cursors die with their
translation unit, so everything the analyses need is copied into `Node` trees (one per
function definition and per file-scope variable with an initializer) plus the file's
text, diagnostics, skipped preprocessor ranges and included files. It runs inside worker
processes, which is one more reason to return plain data.

The copy is made by native/walker.c (compiled here on first use, loaded through ctypes)
when a C compiler is at hand, and by _Converter's ctypes calls otherwise; both give the
same Unit. Modules by job: units (the data), libclang (set-up), convert (the ctypes
copy), native (the C walker).
"""

from __future__ import annotations

import os

from clang import cindex

from srcscan.parse.convert import _Converter
from srcscan.parse.libclang import BINARY_OPS, UNARY_OPS, builtin_include_dir, system_fingerprint
from srcscan.parse.native import RECORD_FORMAT, _NativeConverter, native_walker
from srcscan.parse.units import Diagnostic, Node, ParseJob, SkippedRange, Unit

__all__ = ["BINARY_OPS", "PARSE_OPTIONS", "RECORD_FORMAT", "UNARY_OPS", "Diagnostic", "Node", "ParseJob",
           "SkippedRange", "Unit", "builtin_include_dir", "native_walker", "parse_file", "system_fingerprint"]

PARSE_OPTIONS = cindex.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD


def parse_file(job: ParseJob) -> Unit:
    """Parse job.path and copy out everything srcscan needs."""
    abs_path = os.path.join(job.root, job.path)
    try:
        tu = cindex.Index.create().parse(abs_path, args=list(job.args), unsaved_files=list(job.unsaved),
                                         options=PARSE_OPTIONS)
    except cindex.TranslationUnitLoadError as exc:
        return Unit(job.path, {}, (), (), (), (), (), error=f"libclang could not parse the file ({exc})")
    if job.walker:
        return _NativeConverter(tu, job.root, job.path, job.walker).unit()
    return _Converter(tu, job.root, job.path).unit()
