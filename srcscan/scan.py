"""Parse every C file of a tree (in worker processes, through the per-file cache) into FileFacts.

One libclang crash cannot take the run down: a worker that dies marks its file as failed
and the scan goes on. Facts are cached by a hash of the file's content, the compiler
arguments and srcscan's own extractor code; an entry is reused only while the tree
headers it included are unchanged.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from srcscan import extract
from srcscan.flags import Flags, TreeLayout, build_flags, scan_layout
from srcscan.model import FileFacts
from srcscan.parse import ParseJob, parse_file
from srcscan.rules import Profile, Rules
from srcscan.sources import SourceTree

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ScanResult:
    files: tuple[FileFacts, ...]  # one per .c file (and profile), sorted by path
    layout: TreeLayout
    flags: Flags
    parsed: int  # files parsed by libclang in this run
    cached: int  # files whose facts came from the cache


def _facts_version() -> str:
    """Changes whenever the code that produces cached facts changes."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted([here / "parse.py", here / "model.py", *(here / "extract").glob("*.py")]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


FACTS_VERSION = _facts_version()


def scan_tree(tree: SourceTree, rules: Rules, *, cache_dir: Path, profile: Profile | None = None,
              files: tuple[str, ...] | None = None, progress: Progress | None = None, jobs: int = 2) -> ScanResult:
    profile = profile or rules.profiles[0]
    layout = scan_layout(tree.root, rules.exclude, profile)
    flags = build_flags(tree.root, layout, profile, cache_dir / "stubs")
    wanted = files if files is not None else layout.c_files
    jobs_by_file = {rel: ParseJob(str(tree.root), rel, flags.args) for rel in wanted}
    cache = FactsCache(cache_dir / "facts", tree.root)
    results: dict[str, FileFacts] = {}
    todo = []
    for rel, job in jobs_by_file.items():
        hit = cache.get(job, profile.name)
        if hit is not None:
            results[rel] = hit
        else:
            todo.append(job)
    done = len(results)
    if progress:
        progress(done, len(wanted))
    for facts in run_jobs(todo, profile.name, jobs):
        results[facts.path] = facts
        if facts.error is None:
            cache.put(jobs_by_file[facts.path], facts)
        done += 1
        if progress:
            progress(done, len(wanted))
    ordered = tuple(results[rel] for rel in sorted(results))
    return ScanResult(ordered, layout, flags, parsed=len(todo), cached=len(wanted) - len(todo))


def scan_one(job: ParseJob, profile: str) -> FileFacts:
    """Worker entry point: parse one file and run every extractor on it."""
    unit = parse_file(job)
    return extract.extract_file(unit, profile)


def run_jobs(todo: list[ParseJob], profile: str, jobs: int):
    """Yield FileFacts as workers finish; a crashed worker costs only its own file."""
    if not todo:
        return
    if jobs <= 1:
        for job in todo:
            yield scan_one(job, profile)
        return
    pending = list(todo)
    while pending:
        retry: list[ParseJob] = []
        with cf.ProcessPoolExecutor(max_workers=min(jobs, len(pending))) as pool:
            futures = {pool.submit(scan_one, job, profile): job for job in pending}
            for future in cf.as_completed(futures):
                job = futures[future]
                try:
                    yield future.result()
                except cf.process.BrokenProcessPool:
                    retry.append(job)
                except Exception as exc:  # an extractor bug must not end the scan
                    yield _failed(job, profile, f"{type(exc).__name__}: {exc}")
        if len(retry) == len(pending) and len(retry) > 0:
            # Every remaining job failed with the pool: isolate the culprit one at a time.
            for job in retry:
                yield _run_isolated(job, profile)
            return
        pending = retry


def _run_isolated(job: ParseJob, profile: str) -> FileFacts:
    with cf.ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(scan_one, job, profile).result()
        except cf.process.BrokenProcessPool:
            return _failed(job, profile, "libclang crashed while parsing this file")
        except Exception as exc:
            return _failed(job, profile, f"{type(exc).__name__}: {exc}")


def _failed(job: ParseJob, profile: str, why: str) -> FileFacts:
    return FileFacts(job.path, profile, (), (), (), (), (), error=why)


class FactsCache:
    """Pickled FileFacts under cache_dir/<key[:2]>/<key>, validated against included headers."""

    def __init__(self, directory: Path, root: Path) -> None:
        self.directory, self.root = directory, root
        self.header_hashes: dict[str, str] = {}

    def key(self, job: ParseJob, profile: str = "") -> str:
        digest = hashlib.sha256()
        digest.update(FACTS_VERSION.encode())
        # Arguments name the tree's absolute path; two releases in two directories share entries.
        root = str(self.root)
        args = tuple(a.replace(root, "<root>") for a in job.args)
        digest.update(repr((job.path, args, profile)).encode())
        digest.update(_file_hash(self.root / job.path).encode())
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / key

    def _header_hash(self, rel: str) -> str:
        if rel not in self.header_hashes:
            self.header_hashes[rel] = _file_hash(self.root / rel)
        return self.header_hashes[rel]

    def get(self, job: ParseJob, profile: str) -> FileFacts | None:
        try:
            with open(self._path(self.key(job, profile)), "rb") as fh:
                headers, facts = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            return None
        if any(self._header_hash(rel) != digest for rel, digest in headers):
            return None
        return facts

    def put(self, job: ParseJob, facts: FileFacts) -> None:
        path = self._path(self.key(job, facts.profile))
        headers = [(rel, self._header_hash(rel)) for rel in facts.includes]
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic_bytes(path, pickle.dumps((headers, facts), protocol=pickle.HIGHEST_PROTOCOL))


def _file_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def write_atomic_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def terminal_progress(label: str) -> Progress | None:
    """A files-done/total counter on stderr when it is a terminal; None (silence) otherwise."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{label}: {done}/{total} files{end}")
        sys.stderr.flush()

    return show
