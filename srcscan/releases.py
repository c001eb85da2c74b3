"""Catalogs of many releases in order, each next release's scan overlapping this one's analyses.

`srcscan history` builds one catalog per release tag. A catalog run is a scan (obtain the
tree, parse the files whose facts are not cached, the coverage's extra-profile parses) then
the analyses, which run in one process. While release N is analysed, a second process
(spawned, so it inherits no thread or lock of this one) obtains release N+1's tree and
scans it; its ScanResult comes back through a file and N+1's analyses start at once. The
scan is the same function a single `srcscan catalog` runs, on the same cache, so a catalog
made here equals the single-release one (tests/unit/test_history.py checks it).

Each release's cost is measured: wall time of each step, CPU time (user + system) of this
process and of the processes it waited for, files parsed against file versions seen.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from srcscan.io import write_atomic_bytes
from srcscan.pipeline import Built, build_from_tree
from srcscan.rules import Rules, load_rules
from srcscan.scan import ScanResult, gc_paused
from srcscan.sources import SourceTree

Notify = Callable[[str], None]


@dataclass(frozen=True)
class Where:
    """Where the releases' trees come from (sources.obtain.obtain_tree's arguments)."""

    rules: str  # a project name or a rules file, as load_rules takes it
    source: str | None = None  # a git remote or local repository (--source)
    providers: tuple[str, ...] | None = None  # providers to try, in order (None: the rules')
    cache_dir: Path = Path()
    jobs: int = 2


@dataclass
class Cost:
    """What building one release's catalog cost. Seconds throughout; CPU time is user +
    system, of this process (`cpu_main`) and of the child processes it waited for
    (`cpu_children`: parser workers, the prefetching process)."""

    release: str
    wall: float = 0.0  # from the start of this release's step to its catalog
    wait: float = 0.0  # waiting for the prefetched scan (0 when it was ready)
    scan: float = 0.0  # scanning in this process (0 when prefetched)
    analyses: float = 0.0  # the analyses (0 when the whole run came from the results cache)
    pair: float = 0.0  # pairing with the previous release (the history's diff), set by the caller
    cpu_main: float = 0.0
    cpu_children: float = 0.0
    files: int = 0  # .c files of the release (file versions seen)
    parsed: int = 0  # ... parsed by libclang (not from the facts cache)
    extra: int = 0  # extra-profile (file, profile) parses needed by the coverage step
    extra_parsed: int = 0
    extra_seconds: float = 0.0  # the coverage step's time (parses and cache reads), inside `scan`
    prefetched: bool = False
    from_results: bool = False  # the whole catalog came back from the results cache

    def line(self) -> str:
        """One line for stderr: where the time of this release went."""
        how = "whole run from the results cache" if self.from_results else (
            f"scan {self.scan:.1f} s" + (f" (prefetched, waited {self.wait:.1f} s)" if self.prefetched else "")
            + f", extra profiles {self.extra_seconds:.1f} s, analyses {self.analyses:.1f} s")
        how += f"; pairing {self.pair:.1f} s"
        return (f"{self.release}: {self.wall + self.pair:.1f} s wall, CPU {self.cpu_main:.1f} s here + {self.cpu_children:.1f} s "
                f"in workers; {self.parsed} of {self.files} files parsed, {self.extra_parsed} of {self.extra} "
                f"extra-profile parses; {how}")


@dataclass
class Totals:
    """Sums over the releases of one run, and the run's peak resident memory."""

    costs: list[Cost] = field(default_factory=list)

    def line(self) -> str:
        c = self.costs
        total = lambda name: sum(getattr(x, name) for x in c)  # noqa: E731
        return (f"{len(c)} releases: {total('wall') + total('pair'):.1f} s wall, CPU {total('cpu_main'):.1f} s main + "
                f"{total('cpu_children'):.1f} s workers; files parsed {total('parsed')} of {total('files')} "
                f"file versions seen, extra-profile parses {total('extra_parsed')} of {total('extra')}; "
                f"scan {total('scan'):.1f} s, waiting for prefetch {total('wait'):.1f} s, analyses "
                f"{total('analyses'):.1f} s, pairing {total('pair'):.1f} s; peak RSS {peak_rss_mib():.0f} MiB; load {os.getloadavg()[0]:.1f}")


def peak_rss_mib() -> float:
    """The largest resident set of this process or of any child it waited for, in MiB (Linux's KiB)."""
    import resource

    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def _cpu() -> tuple[float, float]:
    t = os.times()
    return t.user + t.system, t.children_user + t.children_system


def obtain(where: Where, version: str, notify: Notify) -> SourceTree:
    """The tree of one release, through the providers the command chose."""
    from srcscan.sources.obtain import obtain_tree

    return obtain_tree(load_rules(where.rules), version, source=where.source, cache_dir=where.cache_dir,
                       notify=notify, providers=where.providers)


def scan_release(where: Where, version: str, out: str) -> None:
    """In the prefetching process: obtain the release's tree, scan it as a catalog run does
    (coverage.scan_with_coverage, the facts cache filled on the way), and write the tree and
    ScanResult pickled to `out`. Any failure, or a catalog the results cache already holds,
    leaves `out` absent: the main process then builds the release itself (reading that
    catalog back, or reporting the error)."""
    import sys

    from srcscan.coverage import scan_with_coverage

    from srcscan.results import ResultCache, run_key

    rules = load_rules(where.rules)
    with gc_paused():
        tree = obtain(where, version, lambda line: print(f"srcscan: {line}", file=sys.stderr))
        if ResultCache(where.cache_dir / "results").has(run_key(rules, tree, (), None)):
            return  # the whole catalog is cached: nothing to scan
        scan = scan_with_coverage(tree, rules, cache_dir=where.cache_dir, jobs=where.jobs)
        write_atomic_bytes(Path(out), pickle.dumps((tree, scan), protocol=pickle.HIGHEST_PROTOCOL))


class _Prefetch:
    """One release's scan running in a spawned process."""

    def __init__(self, where: Where, version: str) -> None:
        self.version = version
        self.out = where.cache_dir / "history" / f".prefetch-{os.getpid()}-{version}.pickle"
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.out.unlink(missing_ok=True)
        context = multiprocessing.get_context("spawn")
        self.process = context.Process(target=scan_release, args=(where, version, str(self.out)), daemon=True)
        self.process.start()

    def result(self) -> tuple[SourceTree, ScanResult] | None:
        """The tree and scan, once the process ends; None when it failed."""
        self.process.join()
        try:
            with gc_paused():
                return pickle.loads(self.out.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None
        finally:
            self.out.unlink(missing_ok=True)

    def cancel(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.out.unlink(missing_ok=True)


def build_releases(where: Where, versions: list[str], notify: Notify,
                   overlap: bool = True) -> Iterator[tuple[str, Built, Cost]]:
    """Yield (version, Built, Cost) for each version in order. With `overlap`, the next
    version's tree is obtained and scanned in a second process (with jobs - 1 parser
    workers, at least 1) while this one is analysed and handed to the caller."""
    rules: Rules = load_rules(where.rules)
    prefetch: _Prefetch | None = None
    try:
        for n, version in enumerate(versions):
            started, (main0, children0) = time.perf_counter(), _cpu()
            cost = Cost(version)
            ready = None
            if prefetch is not None:
                ready = prefetch.result()
                cost.wait = time.perf_counter() - started
                prefetch = None
            if ready is not None:
                tree, scan = ready
                cost.prefetched = True
            else:
                scan = None
                tree = obtain(where, version, notify)
            if overlap and n + 1 < len(versions):
                nxt = Where(where.rules, where.source, where.providers, where.cache_dir, max(1, where.jobs - 1))
                prefetch = _Prefetch(nxt, versions[n + 1])
            built, cost.scan, cost.analyses = _build(rules, tree, where, scan, notify)
            cost.wall = time.perf_counter() - started
            main1, children1 = _cpu()
            cost.cpu_main, cost.cpu_children = main1 - main0, children1 - children0
            s = scan if scan is not None else built.scan  # a results-cache hit's scan counts nothing parsed
            cost.files, cost.parsed = len(s.files), s.parsed
            cost.extra, cost.extra_parsed = s.extra_parsed + s.extra_cached, s.extra_parsed
            cost.extra_seconds, cost.from_results = s.extra_seconds, s.from_results
            yield version, built, cost
    finally:
        if prefetch is not None:
            prefetch.cancel()


def _build(rules: Rules, tree: SourceTree, where: Where, scan: ScanResult | None,
           notify: Notify) -> tuple[Built, float, float]:
    """The catalog of one tree, from a prefetched scan or scanning here; and the seconds the
    scan and the analyses took in this process."""
    timings: dict[str, float] = {}
    built = build_from_tree(rules, tree, where.cache_dir, (), where.jobs, notify=notify, scan=scan, timings=timings)
    return built, timings.get("scan", 0.0), timings.get("analyses", 0.0)
