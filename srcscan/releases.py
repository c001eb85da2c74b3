"""Catalogs of many releases in order, each in a process of its own, the next one's scan
overlapping this one's analyses.

`srcscan history` builds one catalog per release tag. A catalog run is a scan (obtain the
tree, parse the files whose facts are not cached, the coverage's extra-profile parses) then
the analyses. Each release is built in a spawned process of its own (it inherits no thread
or lock of this one, and gives all its memory back when it ends: one process for every
release grew by 100-150 MB a release). As soon as release N's scan is done, release N+1's
process starts and parses while N is analysed. The catalog comes back through a file and
also goes to the results cache; the build is the same function a single `srcscan catalog`
runs, on the same cache, so a catalog made here equals the single-release one
(tests/unit/test_history.py checks it).

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
from typing import TYPE_CHECKING, Any, Callable, Iterator

from srcscan.errors import SrcscanError
from srcscan.io import write_atomic_bytes
from srcscan.pipeline import Built, build_from_tree
from srcscan.rules import Rules, load_rules
from srcscan.scan import ScanResult, gc_paused
from srcscan.sources import SourceTree

if TYPE_CHECKING:
    from srcscan.catalog import Catalog

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


def build_release(where: Where, version: str, out: str, scanned: Any) -> None:
    """In a release's own process: obtain its tree, scan it (setting the event `scanned` when
    the scan is done, so that the next release's process can start parsing), run the
    analyses, and write (tree, catalog, scan summary, timings) pickled to `out`. The catalog
    also goes to the results cache, as a `catalog` run's does. Any failure leaves `out`
    absent: the main process then builds the release itself, reporting the error."""
    import sys

    from srcscan.results import light_scan

    notify = lambda line: print(f"srcscan: {line}", file=sys.stderr)  # noqa: E731
    try:
        rules = load_rules(where.rules)
        tree = obtain(where, version, notify)
        timings: dict[str, float] = {}
        built = build_from_tree(rules, tree, where.cache_dir, (), where.jobs, notify=notify, timings=timings,
                                scanned=scanned.set)
        with gc_paused():
            data = pickle.dumps((tree, built.catalog, light_scan(built.scan), timings), protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic_bytes(Path(out), data)
    except SrcscanError:
        pass  # said again, in one line, by the main process's own attempt
    finally:
        scanned.set()


class _Release:
    """One release's catalog being built in a spawned process of its own (build_release).

    A history run's analyses leave behind what a process never gives back (the decision
    diagram manager keeps every atom of every release as a variable, and the allocator keeps
    its peak): in one process the resident memory grew 100-150 MB per release. Each release
    in a process of its own keeps the run's peak at one release's (plus the history index)."""

    def __init__(self, where: Where, version: str) -> None:
        self.version = version
        self.out = where.cache_dir / "history" / f".release-{os.getpid()}-{version}.pickle"
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.out.unlink(missing_ok=True)
        context = multiprocessing.get_context("spawn")
        self.scanned = context.Event()
        # not a daemon: its scan may start parser processes of its own
        self.process = context.Process(target=build_release, args=(where, version, str(self.out), self.scanned))
        self.process.start()

    def wait_scanned(self) -> None:
        """Until its scan is done (or the process ended)."""
        while not self.scanned.wait(1.0):
            if not self.process.is_alive():
                return

    def result(self) -> tuple[SourceTree, Catalog, ScanResult, dict[str, float]] | None:
        """(tree, catalog, scan summary, timings) once the process ends; None when it failed."""
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
    """Yield (version, Built, Cost) for each version in order; each release is built in a
    process of its own (_Release). With `overlap`, the next release's process starts as soon
    as this one's scan is done, and parses (with jobs - 1 parser workers, at least 1) while
    this one is analysed and handed to the caller. The Built's scan is the scan's summary
    (results.light_scan: counts, no function facts)."""
    rules: Rules = load_rules(where.rules)
    lighter = Where(where.rules, where.source, where.providers, where.cache_dir, max(1, where.jobs - 1))
    running: dict[int, _Release] = {}
    try:
        for n, version in enumerate(versions):
            started, (main0, children0) = time.perf_counter(), _cpu()
            cost = Cost(version)
            this = running.pop(n, None) or _Release(where, version)
            if overlap and n + 1 < len(versions):
                this.wait_scanned()
                running[n + 1] = _Release(lighter, versions[n + 1])
            ready = this.result()
            cost.wait = time.perf_counter() - started
            if ready is not None:
                tree, catalog, scan, timings = ready
                built = Built(catalog, scan, tree)
                cost.scan, cost.analyses = timings.get("scan", 0.0), timings.get("analyses", 0.0)
                cost.prefetched = n > 0 and overlap
            else:  # it failed: again here, where its error is reported
                built, cost.scan, cost.analyses = _build(rules, obtain(where, version, notify), where, None, notify)
            cost.wall = time.perf_counter() - started
            main1, children1 = _cpu()
            cost.cpu_main, cost.cpu_children = main1 - main0, children1 - children0
            s = built.scan
            cost.files, cost.parsed = len(s.files), s.parsed
            cost.extra, cost.extra_parsed = s.extra_parsed + s.extra_cached, s.extra_parsed
            cost.extra_seconds, cost.from_results = s.extra_seconds, s.from_results
            yield version, built, cost
    finally:
        for release in running.values():
            release.cancel()


def _build(rules: Rules, tree: SourceTree, where: Where, scan: ScanResult | None,
           notify: Notify) -> tuple[Built, float, float]:
    """The catalog of one tree, from a prefetched scan or scanning here; and the seconds the
    scan and the analyses took in this process."""
    timings: dict[str, float] = {}
    built = build_from_tree(rules, tree, where.cache_dir, (), where.jobs, notify=notify, scan=scan, timings=timings)
    return built, timings.get("scan", 0.0), timings.get("analyses", 0.0)
