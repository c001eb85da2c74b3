"""Extractors: pure functions from a parsed Unit to facts.

They run in the worker right after the parse, and their output is what the per-file
cache stores. The table is explicit and ordered; a new extractor is one more row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from srcscan.rules import Idioms

if TYPE_CHECKING:  # model.py imports extract.walk; importing model here at run time would be circular
    from srcscan.model import FileFacts
    from srcscan.parse import Unit

# (name, function) pairs whose output lands in FileFacts.extra[name].
def _options(unit: "Unit", idioms: Idioms) -> Any:
    from srcscan.extract.options import extract_options

    return extract_options(unit, idioms)


def _logsetup(unit: "Unit", idioms: Idioms) -> Any:
    from srcscan.extract.logsetup import extract_logsetup

    return extract_logsetup(unit, idioms)


def _writes(unit: "Unit", idioms: Idioms) -> Any:
    from srcscan.extract.writes import extract_writes

    return extract_writes(unit)


EXTRA_EXTRACTORS: tuple[tuple[str, Callable[["Unit", Idioms], Any]], ...] = (
    ("options", _options),
    ("logsetup", _logsetup),
    ("writes", _writes),
)


def extract_file(unit: "Unit", profile: str, idioms: Idioms | None = None) -> "FileFacts":
    """The facts of one parsed file; `idioms` (the rules' Idioms): what the option and log
    set-up extractors look for (none by default)."""
    from srcscan.extract.calls import extract_function_refs, extract_functions
    from srcscan.extract.localtext import with_local_writes
    from srcscan.model import FileFacts

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
        extra={name: fn(unit, idioms or Idioms()) for name, fn in EXTRA_EXTRACTORS},
    )

