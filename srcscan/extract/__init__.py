"""Extractors: pure functions from a parsed Unit to facts.

They run in the worker right after the parse, and their output is what the per-file
cache stores. The table is explicit and ordered; a new extractor is one more row.
"""

from __future__ import annotations

from srcscan.extract.calls import extract_function_refs, extract_functions
from srcscan.extract.localtext import with_local_writes
from srcscan.extract.logsetup import extract_logsetup
from srcscan.extract.options import extract_options
from srcscan.extract.walk import use_noreturn
from srcscan.extract.writes import extract_steps, extract_writes
from srcscan.model import FileFacts
from srcscan.parse import Unit
from srcscan.rules import Idioms


def extract_file(unit: Unit, profile: str, idioms: Idioms | None = None) -> FileFacts:
    """The facts of one parsed file; `idioms` (the rules' Idioms): what the option and log
    set-up extractors look for (none by default)."""
    idioms = idioms or Idioms()
    use_noreturn(idioms.noreturn, idioms.library_exits)  # the rules' functions that never return
    if unit.error is not None:
        return FileFacts(unit.path, profile, (), (), unit.diagnostics, (), (), error=unit.error)
    return FileFacts(
        path=unit.path,
        profile=profile,
        functions=with_local_writes(unit, extract_functions(unit)),
        refs=extract_function_refs(unit),
        diagnostics=unit.diagnostics,
        skipped=unit.skipped,
        includes=unit.includes,
        options=extract_options(unit, idioms),
        logsetup=extract_logsetup(unit, idioms),
        writes=extract_writes(unit),
        steps=extract_steps(unit),
    )

