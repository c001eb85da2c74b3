"""Time srcscan against a bare libclang parse of the same tree, in one run.

    python benchmarks/catalog.py /path/to/keepalived-2.3.4 --rules keepalived

1. bare: clang.cindex parses every .c file with the compiler arguments srcscan uses,
   in two processes, and nothing else;
2. cold: srcscan's catalog of the tree with an empty cache directory;
3. warm: the same catalog again, with the cache the cold run filled (the whole run is
   read back from the results cache);
4. one file changed: a comment appended to the largest .c file, then the catalog again
   (that file is parsed again, the analyses run again on the cached facts of the rest).
The tree is copied to a temporary directory first (step 4 edits the copy, never the tree).
Prints the wall times, cold/bare and warm/cold against the targets (cold within 1.5x
bare, warm within 10 % of cold), and where the cold run's time went. Exits 0 either way:
it measures, it does not gate.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from srcscan.flags import build_flags, scan_layout
from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree


def _bare_parse(job: tuple[str, tuple[str, ...]]) -> int:
    import clang.cindex as ci

    path, args = job
    tu = ci.Index.create().parse(path, args=list(args))
    return len(tu.diagnostics)


def bare(root: Path, rules, cache: Path, jobs: int) -> float:
    profile = rules.profiles[0]
    layout = scan_layout(root, rules.exclude, profile)
    flags = build_flags(root, layout, profile, cache / "stubs")
    work = [(str(root / f), flags.args) for f in layout.c_files]
    start = time.perf_counter()
    with cf.ProcessPoolExecutor(jobs) as pool:
        list(pool.map(_bare_parse, work, chunksize=1))
    return time.perf_counter() - start


def catalog(root: Path, rules, cache: Path, jobs: int):
    tree = SourceTree(root, Provenance("path", str(root), None))
    start = time.perf_counter()
    built = build_from_tree(rules, tree, cache, jobs=jobs)
    return time.perf_counter() - start, built


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tree", type=Path)
    ap.add_argument("--rules", required=True, help="project name or rules file")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    a = ap.parse_args()
    rules = load_rules(a.rules)
    with tempfile.TemporaryDirectory(prefix="srcscan-bench-") as tmp:
        root = Path(tmp) / "tree"
        shutil.copytree(a.tree.resolve(), root, ignore=shutil.ignore_patterns(".git"), symlinks=True)
        cache = Path(tmp) / "cache"
        t_bare = bare(root, rules, cache, a.jobs)
        t_cold, cold = catalog(root, rules, cache / "c", a.jobs)
        t_warm, warm = catalog(root, rules, cache / "c", a.jobs)
        largest = max(cold.scan.layout.c_files, key=lambda rel: (root / rel).stat().st_size)
        with open(root / largest, "a") as fh:
            fh.write("\n/* srcscan benchmark: one file changed */\n")
        t_one, one = catalog(root, rules, cache / "c", a.jobs)
    cold_ratio, warm_ratio = t_cold / t_bare, t_warm / t_cold
    scan = cold.scan
    print(f"tree       {a.tree} ({scan.parsed} files, {len(cold.catalog.messages)} messages, {a.jobs} processes, "
          f"{os.cpu_count()} cpus)")
    print(f"bare parse {t_bare:7.2f} s")
    print(f"cold       {t_cold:7.2f} s   cold/bare {cold_ratio:5.2f}x  target <= 1.50x  {'PASS' if cold_ratio <= 1.5 else 'FAIL'}")
    print(f"           of which {scan.extra_seconds:.2f} s parsing {scan.extra_parsed} (file, extra profile) pairs for "
          f"coverage; without them {(t_cold - scan.extra_seconds) / t_bare:.2f}x bare")
    print(f"warm       {t_warm:7.2f} s   warm/cold {warm_ratio:5.1%}  target <= 10%    {'PASS' if warm_ratio <= 0.10 else 'FAIL'}"
          f"  ({warm.scan.parsed} files parsed{', whole run from the results cache' if warm.scan.from_results else ''})")
    print(f"one file   {t_one:7.2f} s   one/cold  {t_one / t_cold:5.1%}  ({largest} changed: {one.scan.parsed} files and "
          f"{one.scan.extra_parsed} extra-profile pairs parsed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
