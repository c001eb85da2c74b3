"""The whole-run cache: a catalog built from exactly the same inputs is read back, not rebuilt.

The per-file facts cache (scan.py) spares libclang; the analyses that follow (call graph,
options, requirements, processes, coverage) still take seconds on a large tree. A run is
fully described by its inputs: the bytes of every .c and .h file the scan covers (names
included), the rules file, the `--with` settings, the real build's compile_commands.json,
where the tree came from, srcscan's own code, libclang and the system's headers. When a
run's key names an entry, its catalog (and a summary of its scan) is that entry; when any
input changes the key changes and the run rebuilds, reusing whatever per-file facts are
still valid.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from srcscan.flags import CompileCommands
from srcscan.model import FileFacts
from srcscan.parse import system_fingerprint
from srcscan.io import read_sealed, seal, write_atomic_bytes
from srcscan.scan import PACKAGE, ScanResult, gc_paused, sources_digest

if TYPE_CHECKING:
    from srcscan.catalog import Catalog
    from srcscan.rules import Rules
    from srcscan.sources import SourceTree


@cache
def code_version() -> str:
    """Changes with any of srcscan's sources (analyses, renderers, the native walker)."""
    return sources_digest([p for p in PACKAGE.rglob("*") if p.suffix in (".py", ".c") and p.is_file()])


def run_key(rules: "Rules", tree: "SourceTree", with_options: tuple[str, ...],
            compile_commands: CompileCommands | None) -> str:
    """The entry's key: every input of the run (hex sha256). The provenance's notes (what
    happened on the way, e.g. "github.com was unreachable 14 min ago") are not an input:
    they change from run to run while the tree does not; a hit takes the run's own notes."""
    digest = hashlib.sha256()
    for part in (code_version(), system_fingerprint(), rules.sha256, rules.path, repr(with_options),
                 repr(replace(tree.provenance, notes=())), str(tree.root), tree.text(rules.exclude).digest(),
                 repr(sorted(compile_commands.args.items())) if compile_commands else "",
                 repr(compile_commands.outside) if compile_commands else ""):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def _summary(facts: FileFacts) -> FileFacts:
    """A file's facts without its functions: what a run's summary and report still read."""
    return FileFacts(facts.path, facts.profile, (), (), facts.diagnostics, facts.skipped, facts.includes, facts.error)


def light_scan(scan: ScanResult) -> ScanResult:
    """The scan without its function facts: the counts, coverage and file summaries a run's
    report reads (what the results cache keeps, and what a history's release process hands back)."""
    return replace(scan, files=tuple(map(_summary, scan.files)), extra=tuple(map(_summary, scan.extra)))


class ResultCache:
    """Pickled (catalog, scan summary) pairs under cache_dir/results/<key[:2]>/<key>."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / key

    def has(self, key: str) -> bool:
        """Whether an entry exists for `key` (get() may still find it damaged)."""
        return self._path(key).is_file()

    def get(self, key: str) -> tuple["Catalog", ScanResult] | None:
        payload = read_sealed(self._path(key))  # None: missing, truncated or damaged
        if payload is None:
            return None
        try:
            with gc_paused():
                catalog, scan = pickle.loads(payload)
        except (pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError, ImportError, IndexError):
            return None
        # Nothing was parsed for this run: every file's facts, and the run itself, came from the cache.
        return catalog, replace(scan, parsed=0, cached=len(scan.files), extra_parsed=0,
                                extra_cached=len(scan.extra), extra_seconds=0.0, from_results=True)

    def put(self, key: str, catalog: "Catalog", scan: ScanResult) -> None:
        light = light_scan(scan)
        # Messages carry no call-site facts (the analyses' answers are assembled into plain
        # fields), so the entry holds what the JSON holds: small, and quick to read back.
        data = seal(pickle.dumps((catalog, light), protocol=pickle.HIGHEST_PROTOCOL))
        try:
            write_atomic_bytes(self._path(key), data)
        except OSError:
            pass  # a cache that cannot be written costs the next run its analyses, not this run its catalog
