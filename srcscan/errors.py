"""The error hierarchy and exit codes: every user-facing failure is a SrcscanError.

cli.py is the one place that turns these into `srcscan: error: ...` and an exit code;
nothing below it prints.
"""

from __future__ import annotations

import difflib
import enum


class ExitCode(enum.IntEnum):
    OK = 0
    DIFFERENCES = 1  # `srcscan diff`: the catalogs differ
    BAD_INPUT = 2


class SrcscanError(Exception):
    """A failure the user can act on; its message is one line, without a traceback."""

    exit_code: ExitCode = ExitCode.BAD_INPUT


class RulesError(SrcscanError):
    """A rules file is missing, unreadable or invalid."""

    def __init__(self, path: str, key: str, expected: str) -> None:
        self.path, self.key, self.expected = path, key, expected
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {expected}")


class UnknownProjectError(SrcscanError):
    """No rules file for a project name; says which projects exist and where it looked."""

    def __init__(self, name: str, known: list[str], searched: list[str] | None = None) -> None:
        self.name, self.known, self.searched = name, known, searched or []
        where = f"; searched {', '.join(self.searched)}" if self.searched else ""
        super().__init__(f"unknown project {name!r} (known: {', '.join(known) or 'none'}){where}")


class SourceError(SrcscanError):
    """A source tree could not be obtained (unknown version, unreachable source...)."""


class UnknownOptionError(SrcscanError):
    """An option name the tree's option table does not have: names the five closest ones
    (difflib's ratio), not the whole table, which runs to hundreds of config keys."""

    def __init__(self, name: str, known: list[str], closest: str | None = None) -> None:
        self.name, self.known, self.closest = name, known, closest
        self.nearest = difflib.get_close_matches(name, known, n=5, cutoff=0.0)
        hint = f" (did you mean {closest}?)" if closest else ""
        nearest = f"; closest: {', '.join(self.nearest)}" if self.nearest else "; the tree has no options"
        more = f"; `srcscan options` lists all {len(known)}" if len(known) > len(self.nearest) else ""
        super().__init__(f"unknown option {name!r}{hint}{nearest}{more}")


class InputError(SrcscanError):
    """Any other bad input: a missing path, an unreadable catalog, a bad value."""
