"""Time a warm command through the debian provider against the same command on a tree on disk.

    python benchmarks/providers.py keepalived 2.2.7 --adds -D [--repeat 5]

Runs, side by side and `--repeat` times each (median wall time printed):
1. debian: `srcscan query PROJECT VERSION --adds OPTION --provider debian` with the cache
   the first (untimed) run filled: the apt configuration, the small per-package index and
   the results cache are read, nothing is downloaded or parsed;
2. path: `srcscan query --path TREE --rules PROJECT --adds OPTION` on the tree the debian
   provider unpacked (the floor: start-up, results cache, rendering);
3. full indexes: what reading the cached Sources indexes costs without the per-package
   index (decompress and split every index, as each warm command did before).
The target is a warm debian command under 0.5 s. Exits 0 either way: it measures, it does not gate.
"""

from __future__ import annotations

import argparse
import lzma
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def read_full_indexes(cache: Path) -> float:
    start = time.perf_counter()
    for path in sorted((cache / "debian" / "lists").glob("*/*_Sources.xz")):
        lzma.decompress(path.read_bytes()).decode("utf-8", "replace").split("\n\n")
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("project")
    ap.add_argument("version")
    ap.add_argument("--adds", default="-D")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    env = dict(os.environ)
    cache = Path(env.get("SRCSCAN_CACHE") or Path.home() / ".cache" / "srcscan")
    srcscan = [sys.executable, "-m", "srcscan"]
    debian = srcscan + ["query", a.project, a.version, f"--adds={a.adds}", "--provider", "debian"]
    subprocess.run(debian, env=env, stdout=subprocess.DEVNULL, check=True)  # fill the caches
    tree = cache / "trees" / a.project / f"debian-{a.version}"
    path = srcscan + ["query", "--path", str(tree), "--rules", a.project, f"--adds={a.adds}"]
    subprocess.run(path, env=env, stdout=subprocess.DEVNULL, check=True)
    rows = {"debian (warm)": [], "path (warm)": [], "full Sources read": []}
    for _ in range(a.repeat):
        rows["debian (warm)"].append(timed(debian, env))
        rows["path (warm)"].append(timed(path, env))
        rows["full Sources read"].append(read_full_indexes(cache))
    for name, times in rows.items():
        print(f"{name:20} median {statistics.median(times):6.2f} s  (min {min(times):.2f}, max {max(times):.2f})")
    print(f"target: warm debian command under 0.5 s; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
