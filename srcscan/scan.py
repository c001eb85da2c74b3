"""Parse every C file of a tree (in worker processes, through the per-file cache) into FileFacts.

One libclang crash cannot take the run down: a worker that dies marks its file as failed
and the scan goes on. Facts are cached per translation unit: by a hash of the file's
content, the compiler arguments, the profile's name and srcscan's own extractor code, and
then by the content of every tree header the parse included and by which of the include
names the file and those headers write are stubbed (missing headers, flags.build_flags).
The stub directory itself is not in the key: it is named after the whole tree's missing
headers, and one new include of an absent header anywhere in a release would otherwise
make every file of it a miss. One file keeps one entry per set of headers it was parsed
with, so a file unchanged across releases is parsed once per distinct version of its
headers, whatever order the releases are scanned in (history scans two at once). Extra
profiles (scan_profile) parse only the files they are asked for.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import gc
import hashlib
import io
import os
import pickle
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from srcscan import extract
from srcscan.io import read_sealed, seal, write_atomic_bytes
from srcscan.flags import (CompileCommands, Flags, TreeLayout, build_flags, compile_command_flags, define_args,
                           scan_layout, system_include_dirs)
from srcscan.model import FileFacts
from srcscan.progress import counter
from srcscan.parse import ParseJob, native_walker, parse_file, system_fingerprint
from srcscan.rules import Idioms, Profile, Rules
from srcscan.sources import SourceTree
from srcscan.sources.text import Skipped, TreeText

if TYPE_CHECKING:  # (the sections import the option table's types; a scan needs none of them)
    from srcscan.sections import CoverageReport

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ScanResult:
    files: tuple[FileFacts, ...]  # one per .c file, parsed with the base profile, sorted by path
    layout: TreeLayout
    flags: Flags
    parsed: int  # files parsed by libclang in this run (base profile)
    cached: int  # files whose facts came from the cache (base profile)
    profile: Profile | None = None  # the base profile the files were parsed with
    compile_commands: CompileCommands | None = None  # the real build whose flags were used, if any
    coverage: "CoverageReport | None" = None  # the coverage report (coverage/report.py)
    extra: tuple[FileFacts, ...] = ()  # parses of some files with extra profiles, sorted by (path, profile)
    extra_parsed: int = 0  # (file, extra profile) pairs parsed by libclang in this run
    extra_cached: int = 0  # ... whose facts came from the cache
    extra_seconds: float = 0.0  # time spent on extra profiles (parsing or reading the cache)
    from_results: bool = False  # the whole run was read back from the results cache (results.py)
    exclude: tuple[str, ...] = ()  # the rules' exclude globs the tree was listed with (SourceTree.text)
    unsaved: tuple[tuple[str, str], ...] = ()  # (real path, "") for #include targets outside the tree
    skipped: tuple[Skipped, ...] = ()  # files and #include targets not read, and why (confinement)
    option_parses: tuple[FileFacts, ...] = ()  # the option parser's file parsed with the extra profiles'
    #   switches, for the option table only (coverage/rounds.py: options only some builds have)

    @property
    def all_files(self) -> tuple[FileFacts, ...]:
        """Every parse: each file's base one first, then its extra profiles' (what all_functions merges)."""
        base = self.profile.name if self.profile else None
        return tuple(sorted(self.files + self.extra, key=lambda f: (f.path, f.profile != base, f.profile)))


PACKAGE = Path(__file__).resolve().parent


def sources_digest(paths: list[Path]) -> str:
    """Changes whenever one of these srcscan source files (named relative to the package) changes."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# The code that produces cached facts: a change to it makes every cached entry stale.
FACTS_VERSION = sources_digest([*(PACKAGE / "parse").glob("*.py"), PACKAGE / "model.py", PACKAGE / "native" / "walker.c",
                                *(PACKAGE / "extract").glob("*.py")])[:16]


def scan_tree(tree: SourceTree, rules: Rules, *, cache_dir: Path, profile: Profile | None = None,
              files: tuple[str, ...] | None = None, progress: Progress | None = None, jobs: int = 2,
              compile_commands: CompileCommands | None = None) -> ScanResult:
    """Parse the tree's .c files with one profile, or with each file's flags from a real build."""
    profile = profile or rules.profiles[0]
    text = tree.text(rules.exclude)
    layout = scan_layout(tree.root, rules.exclude, profile, text)
    flags = build_flags(tree.root, layout, profile, cache_dir / "stubs")
    wanted = files if files is not None else layout.c_files
    walker = cached_walker(cache_dir / "native")
    unsaved = confined(text, tree.root, layout, profile)
    if compile_commands is not None:
        # That one build: the files it compiled (within the rules' scope), each with its own flags.
        profile = Profile("compile_commands")
        wanted = tuple(rel for rel in wanted if rel in compile_commands.args)
        keyed = {rel: (ParseJob(str(tree.root), rel, compile_command_flags(compile_commands.args[rel], flags),
                                unsaved, walker=walker),
                       profile.name) for rel in wanted}
    else:
        keyed = {rel: (ParseJob(str(tree.root), rel, flags.args, unsaved, walker=walker), profile.name)
                 for rel in wanted}
    cache = FactsCache(cache_dir / "facts", tree.root, text, rules.idioms, Stubs.of(flags))
    results, parsed = run_cached(keyed, cache, jobs, progress)
    ordered = tuple(results[rel] for rel in sorted(results))
    outside = tuple(sorted(text.outside(_search(tree.root, layout, profile), system_include_dirs()).values(),
                           key=lambda s: s.path))
    return ScanResult(ordered, layout, flags, parsed=parsed, cached=len(wanted) - parsed, profile=profile,
                      compile_commands=compile_commands, exclude=tuple(rules.exclude), unsaved=unsaved,
                      skipped=text.skipped + outside)


def confined(text: TreeText, root: Path, layout: TreeLayout, profile: Profile) -> tuple[tuple[str, str], ...]:
    """Unsaved (empty) files standing in for every #include target outside the tree and the
    system include directories: libclang parses the tree without reading them."""
    return text.unsaved(_search(root, layout, profile), system_include_dirs())


def _search(root: Path, layout: TreeLayout, profile: Profile) -> list[Path]:
    return [root / d for d in profile.include_dirs] + [root / d for d in layout.header_dirs]


def profile_args(base: tuple[str, ...], changes: tuple[tuple[str, str | None], ...]) -> tuple[str, ...]:
    """The base arguments with an extra profile's -D/-U after the base ones (later ones win)."""
    return tuple(base) + tuple(define_args(changes))


@dataclass(frozen=True)
class ProfileRequest:
    """Parse these files again with the base flags plus these changes."""

    name: str  # profile name, recorded in each FileFacts and in the cache key
    changes: tuple[tuple[str, str | None], ...]  # (macro, value); None undefines
    files: tuple[str, ...]
    prelude: str = ""  # C text included before each file (declarations standing in for missing headers)


def scan_profiles(tree: SourceTree, base: ScanResult, requests: list[ProfileRequest], cache_dir: Path,
                  jobs: int = 2, idioms: Idioms = Idioms()) -> tuple[list[FileFacts], int]:
    """Facts of every (file, profile) pair asked for, in one pool of workers; and how many
    pairs libclang had to parse (the rest came from the cache)."""
    keyed = {}
    walker = cached_walker(cache_dir / "native")
    text = tree.text(base.exclude)
    unsaved = base.unsaved
    for r in requests:
        args = profile_args(base.flags.args, r.changes)
        if r.prelude:
            args += ("-include", str(_write_prelude(cache_dir / "stubs", r.prelude)))
        keyed.update({(r.name, rel): (ParseJob(str(tree.root), rel, args, unsaved, walker=walker), r.name)
                      for rel in r.files})
    progress = counter(f"coverage: {len(requests)} extra profiles (files)")
    cache = FactsCache(cache_dir / "facts", tree.root, text, idioms, Stubs.of(base.flags))
    results, parsed = run_cached(keyed, cache, jobs, progress)
    return [results[k] for k in sorted(results)], parsed


_walkers: list[str] = []  # the native walkers this process has (at most one: the name hashes the build)


def cached_walker(directory: Path) -> str:
    """native_walker(directory), given a copy of a walker this process already compiled or
    found, or of one in the directory SRCSCAN_WALKER_DIR names (a test run sets it, so that
    its hundreds of small catalogs, each in a cache directory of its own and many in a
    process of their own, compile walker.c once: about a second each time), instead of
    compiling it again; a walker compiled here is left there too. native_walker names the
    walker after a hash of its source, libclang and the compiler, and loads and checks what
    it finds, so a copy is used only when it is the walker it would compile."""
    if os.environ.get("SRCSCAN_NATIVE", "1") == "0":
        return native_walker(directory)
    shared = Path(os.environ["SRCSCAN_WALKER_DIR"]) if os.environ.get("SRCSCAN_WALKER_DIR") else None
    known = list(_walkers) + (sorted(map(str, shared.glob("walker-*.so"))) if shared is not None else [])
    for path in known:
        _copy_new(Path(path), directory)
    walker = native_walker(directory)
    if walker and all(Path(w).name != Path(walker).name for w in _walkers):
        _walkers.append(walker)
    if walker and shared is not None:
        _copy_new(Path(walker), shared)
    return walker


def _copy_new(library: Path, directory: Path) -> None:
    """A copy of `library` in `directory` unless one of its name is there (atomically)."""
    target = directory / library.name
    if not target.exists():
        try:
            write_atomic_bytes(target, library.read_bytes(), mode=0o777)
        except OSError:
            pass  # native_walker compiles it


def _write_prelude(directory: Path, text: str) -> Path:
    """Content-addressed, so that the path in the arguments (and the cache key) changes with the text."""
    path = directory / f"prelude-{hashlib.sha256(text.encode()).hexdigest()[:16]}.h"
    if not path.is_file():
        write_atomic_bytes(path, text.encode())
    return path


Keyed = dict[Any, tuple[ParseJob, str]]  # any key -> (job, profile name)


def run_cached(keyed: Keyed, cache: "FactsCache", jobs: int, progress: Progress | None) -> tuple[dict[Any, FileFacts], int]:
    """FileFacts by key, from the cache or parsed (and then cached); and how many were parsed."""
    results: dict[Any, FileFacts] = {}
    todo = []
    for key, (job, profile) in keyed.items():
        entry = cache.entry(job, profile)
        hit = cache.load(entry)
        if hit is not None:
            results[key] = hit
        else:
            todo.append((key, Task(job, profile, str(entry), str(cache.root), cache.idioms, cache.stubs)))
    done = len(results)
    if progress:
        progress(done, len(keyed))
    for key, facts in run_jobs(todo, jobs):
        results[key] = facts
        done += 1
        if progress:
            progress(done, len(keyed))
    return results, len(todo)


@dataclass(frozen=True)
class Task:
    """One parse for a worker, and the cache entry the worker writes its facts to."""

    job: ParseJob
    profile: str
    entry: str  # FactsCache.entry(job, profile)
    root: str  # the tree, for hashing the headers the file included
    idioms: Idioms = Idioms()  # what the extractors look for (the rules')
    stubs: "Stubs | None" = None  # the missing headers' stubs the parse saw (recorded with its headers)


def scan_one(task: Task) -> bytes | FileFacts:
    """Worker entry point: parse one file, run every extractor on it, and store the facts in
    the cache; return them pickled (the main process unpickles them once, and pickles nothing)."""
    with gc_paused():
        facts = extract.extract_file(parse_file(task.job), task.profile, task.idioms)
    if facts.error is not None:
        return facts
    headers = tuple((rel, _header_hash(Path(task.root) / rel)) for rel in facts.includes)
    if task.stubs is not None:
        headers += task.stubs.used(Path(task.root), (task.job.path,) + tuple(facts.includes))
    data = (pickle.dumps(headers, protocol=pickle.HIGHEST_PROTOCOL)
            + pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL))
    try:
        write_atomic_bytes(FactsCache.variant(Path(task.entry), headers), seal(data))
    except OSError:
        pass  # a cache that cannot be written costs the next run a parse, not this run its file
    return data


_header_hashes: dict[tuple, str] = {}  # per process, by path, size and modification time


def _header_hash(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return "missing"
    key = (path, st.st_size, st.st_mtime_ns)
    if key not in _header_hashes:
        _header_hashes[key] = _file_hash(path)
    return _header_hashes[key]


def _facts(result: bytes | FileFacts) -> FileFacts:
    if not isinstance(result, bytes):
        return result
    with gc_paused():
        stream = io.BytesIO(result)
        pickle.load(stream)  # the headers
        return pickle.load(stream)


@contextlib.contextmanager
def gc_paused():
    """No cycle collection while building a large tree of new objects (an AST, or the facts
    read back from the cache): each collection would walk every object made so far, and
    none of them is garbage yet."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


Todo = list[tuple[Any, Task]]


def run_jobs(todo: Todo, jobs: int):
    """Yield (key, FileFacts) as workers finish; a crashed worker costs only its own file."""
    if not todo:
        return
    if jobs <= 1:
        for key, task in todo:
            yield key, _facts(scan_one(task))
        return
    pending = list(todo)
    while pending:
        retry: Todo = []
        with cf.ProcessPoolExecutor(max_workers=min(jobs, len(pending))) as pool:
            futures = {pool.submit(scan_one, task): (key, task) for key, task in pending}
            for future in cf.as_completed(futures):
                key, task = futures[future]
                try:
                    yield key, _facts(future.result())
                except cf.process.BrokenProcessPool:
                    retry.append((key, task))
                except Exception as exc:  # an extractor bug must not end the scan
                    yield key, _failed(task, f"{type(exc).__name__}: {exc}")
        if len(retry) == len(pending) and len(retry) > 0:
            # Every remaining job failed with the pool: isolate the culprit one at a time.
            for key, task in retry:
                yield key, _run_isolated(task)
            return
        pending = retry


def _run_isolated(task: Task) -> FileFacts:
    with cf.ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return _facts(pool.submit(scan_one, task).result())
        except cf.process.BrokenProcessPool:
            return _failed(task, "libclang crashed while parsing this file")
        except Exception as exc:
            return _failed(task, f"{type(exc).__name__}: {exc}")


def _failed(task: Task, why: str) -> FileFacts:
    return FileFacts(task.job.path, task.profile, (), (), (), (), (), error=why)


class FactsCache:
    """Sealed facts under cache_dir/<key[:2]>/<key>-<headers>: `key` names the parse (file
    content, arguments, profile, extractor code), `headers` the content of the tree headers
    it included. An entry holds two pickles, the (header, SHA256) pairs then the FileFacts,
    so that a candidate is checked against the tree before its facts are read."""

    def __init__(self, directory: Path, root: Path, text: TreeText | None = None, idioms: Idioms = Idioms(),
                 stubs: "Stubs | None" = None) -> None:
        self.directory, self.root, self.text, self.idioms, self.stubs = directory, root, text, idioms, stubs

    def key(self, job: ParseJob, profile: str = "") -> str:
        digest = hashlib.sha256()
        digest.update(FACTS_VERSION.encode() + system_fingerprint().encode() + self.idioms.cache_key().encode())
        # Arguments name the tree's absolute path; two releases in two directories share entries.
        # The missing headers' stub directory is replaced the same way: which stubs the parse
        # used is checked by load() against the tree's stubs now (Stubs.used, Stubs.agree).
        root = str(self.root)
        args = tuple(a.replace(root, "<root>") for a in job.args)
        if self.stubs is not None:
            args = tuple(a.replace(self.stubs.directory, "<stubs>") for a in args)
        digest.update(repr((job.path, args, profile)).encode())
        digest.update((self.text.sha256(job.path) if self.text else _file_hash(self.root / job.path)).encode())
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / key

    def entry(self, job: ParseJob, profile: str) -> Path:
        """The stem of this parse's entries (scan_one writes variant(stem, headers))."""
        return self._path(self.key(job, profile))

    @staticmethod
    def variant(stem: Path, headers: tuple[tuple[str, str], ...]) -> Path:
        """The entry of one parse whose included tree headers had these (path, SHA256) pairs."""
        return stem.with_name(f"{stem.name}-{hashlib.sha256(repr(headers).encode()).hexdigest()[:16]}")

    def load(self, entry: Path) -> FileFacts | None:
        """The facts of a parse of `entry` (the stem) whose included headers are the tree's
        now; None when there is none, or every candidate is damaged (its length or SHA256
        header disagrees: a killed run, a full disk) or saw other headers. The newest
        candidate is tried first (a history adds releases in order)."""
        try:
            candidates = [e for e in os.scandir(entry.parent) if e.name.startswith(entry.name + "-")]
        except OSError:
            return None
        candidates.sort(key=lambda e: e.stat().st_mtime_ns if e.is_file() else 0, reverse=True)
        for candidate in candidates:
            payload = read_sealed(Path(candidate.path))
            if payload is None:
                continue
            try:
                with gc_paused():
                    stream = io.BytesIO(payload)
                    headers = pickle.load(stream)
                    if any(not self._agrees(rel, digest) for rel, digest in headers):
                        continue
                    return pickle.load(stream)
            except (pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError, ImportError, IndexError):
                continue
        return None

    def _agrees(self, rel: str, digest: str) -> bool:
        if rel.startswith(Stubs.MARK):
            return self.stubs is not None and self.stubs.agrees(rel, digest)
        return _header_hash(self.root / rel) == digest


# An #include line as the stubs see it: the include name between <> or "", or anything else
# (a macro naming the header: then which stub it reaches is not known from the text).
_INCLUDE_LINE = re.compile(rb'^[ \t]*#[ \t]*include(?:_next)?[ \t]*(?:[<"]([^>"\n]+)[>"]|([^\s<"].*))', re.M)
_include_names: dict[tuple, tuple[tuple[str, ...], bool]] = {}  # per process, by path, size and modification time


@dataclass(frozen=True)
class Stubs:
    """The empty stubs standing in for a tree's missing headers (flags.Flags.stub_dir).

    A parse's cache entry records, for every include name written in the file and in the
    tree headers it included, whether that name was a stub; an entry is used again only
    where the same names are stubbed now (agrees), so that a release adding an absent header
    re-parses only the files that name it. What is not seen from the text (an include
    through a macro) records the whole set instead. Stubs are empty files: which names
    exist is all they hold."""

    directory: str
    names: frozenset[str]
    MARK = "<stubs>"  # recorded names start with it (no tree-relative path does)

    @classmethod
    def of(cls, flags: Flags) -> "Stubs":
        return cls(flags.stub_dir, frozenset(flags.stubbed))

    def used(self, root: Path, files: Iterable[str]) -> tuple[tuple[str, str], ...]:
        """(MARK + include name, "stub" | "absent") for each include name the tree files
        `files` write (sorted); (MARK, digest of every stub name) when one of them includes
        through a macro."""
        names: set[str] = set()
        for rel in files:
            written, computed = _includes_of(root / rel)
            if computed:
                return ((self.MARK, self._digest()),)
            names.update(written)
        return tuple((self.MARK + name, "stub" if name in self.names else "absent") for name in sorted(names))

    def agrees(self, rel: str, recorded: str) -> bool:
        """Whether a recorded (name, state) pair of `used` holds for these stubs."""
        if rel == self.MARK:
            return recorded == self._digest()
        return recorded == ("stub" if rel[len(self.MARK):] in self.names else "absent")

    def _digest(self) -> str:
        return hashlib.sha256("\0".join(sorted(self.names)).encode()).hexdigest()


def _includes_of(path: Path) -> tuple[tuple[str, ...], bool]:
    """The include names a file writes, and whether one of its #include lines names no header
    in <> or "" (a macro)."""
    try:
        st = path.stat()
    except OSError:
        return (), False
    key = (path, st.st_size, st.st_mtime_ns)
    if key not in _include_names:
        try:
            data = path.read_bytes()
        except OSError:
            data = b""
        found = _INCLUDE_LINE.findall(data)
        _include_names[key] = (tuple(n.decode("latin-1").strip() for n, _ in found if n), any(m for _, m in found))
    return _include_names[key]


def _file_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"
