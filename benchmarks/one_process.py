"""Catalogs built one after another in one process against each built alone, side by side in one run.

    python benchmarks/one_process.py --cache-dir C keepalived:/trees/keepalived-2.3.3 keepalived:/trees/keepalived-2.3.4

The test run (tests/conftest.py's `debian` fixture) and `srcscan diff` build several catalogs in one
process, sharing one CUDD manager (srcscan.requirement_atoms) and keeping every Built alive (as the
fixture does, with gc.freeze). This starts, at once: one process building every PROJECT:TREE in the
order given, and one fresh process per PROJECT:TREE building only that one. Each prints, per catalog, the
CPU seconds of its analyses (results cache off: a fresh results directory per process; facts read from
C, so run it once first to make them warm), the diagram variables and nodes after it, and the peak
resident memory (MiB). The CPU seconds of the same catalog in both columns say whether a long-lived
process slows down (session 26, loaded machine: keepalived 2.3.4 after 2.3.3, 248.7 s; alone, 346.7 s).
Exits 0 either way: it measures.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def build_all(cache: Path, specs: list[str]) -> None:
    """Build each PROJECT:TREE in this process, printing one line per catalog."""
    from srcscan import requirement_atoms as atoms
    from srcscan.pipeline import build_from_tree
    from srcscan.rules import load_rules
    from srcscan.sources.obtain import obtain_tree

    keep = []
    for spec in specs:
        project, tree_path = spec.split(":", 1)
        rules = load_rules(project)
        tree = obtain_tree(rules, None, path=Path(tree_path), cache_dir=cache, notify=lambda line: None)
        started = time.process_time()
        keep.append(build_from_tree(rules, tree, cache, (), 1))
        gc.collect()
        gc.freeze()
        print(f"{spec}: {time.process_time() - started:.1f} s CPU, {len(atoms.VARIABLES)} variables, "
              f"{len(atoms.MANAGER)} nodes, peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB",
              flush=True)


def private_cache(shared: Path) -> Path:
    """A cache directory whose facts and trees are `shared`'s and whose results are its own (empty)."""
    own = Path(tempfile.mkdtemp(prefix="srcscan-one-process-"))
    for part in shared.iterdir():
        if part.name != "results":
            (own / part.name).symlink_to(part.resolve())
    return own


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", type=Path, required=True)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("specs", nargs="+", metavar="PROJECT:TREE")
    args = parser.parse_args()
    if args.child:
        build_all(args.cache_dir, args.specs)
        return
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    runs = [("one process", args.specs)] + [("alone", [spec]) for spec in args.specs]
    caches = [private_cache(args.cache_dir) for _ in runs]
    procs = [subprocess.Popen([sys.executable, __file__, "--child", "--cache-dir", str(cache), *specs],
                              stdout=subprocess.PIPE, text=True) for (_, specs), cache in zip(runs, caches)]
    for (label, _), proc, cache in zip(runs, procs, caches):
        out, _ = proc.communicate()
        print(f"{label}:\n" + "".join(f"  {line}\n" for line in out.splitlines()), end="")
        shutil.rmtree(cache, ignore_errors=True)
    print(f"load average {os.getloadavg()[0]:.1f} (compare CPU seconds on a shared machine)")


if __name__ == "__main__":
    main()
