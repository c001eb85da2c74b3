"""Time `srcscan history` over a range of release tags, cold and warm, in one run.

    python benchmarks/history.py keepalived --source /path/to/keepalived.git
    python benchmarks/history.py lighttpd --source REPO --from 1.4.69 --to 1.4.79

1. cold: `srcscan history PROJECT` with an empty cache directory (every release fetched,
   parsed where its files are new, analysed and paired with the previous one);
2. warm: the same command again with the cache and history index the cold run left.
Prints the wall times against the targets (keepalived's 104 tags cold within 15 min and
warm within 30 s; lighttpd's 85 1.4.x tags cold within 10 min), files parsed against the
file-versions seen (from each release's summary line), and the peak resident memory of
the command and its parser processes (target 2 GiB). Exits 0 either way: it measures.
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"keepalived": (15 * 60, 30), "lighttpd": (10 * 60, 30)}  # cold, warm (seconds)
_SUMMARY = re.compile(r": (\d+) files \((\d+) parsed, (\d+) from cache")


def run(project: str, args: list[str], cache: Path) -> tuple[float, str]:
    command = [sys.executable, "-m", "srcscan", "history", project, "--cache-dir", str(cache), "--format", "json",
               "-o", str(cache / "history-report.json"), *args]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"history failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return took, done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project")
    parser.add_argument("--source", help="git repository to clone from (default: the rules' upstream)")
    parser.add_argument("--from", dest="first")
    parser.add_argument("--to", dest="last")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--cache-dir", type=Path, help="keep the cache here (default: a temporary directory)")
    opts = parser.parse_args()
    args = ["-j", str(opts.jobs)]
    for flag, value in (("--source", opts.source), ("--from", opts.first), ("--to", opts.last)):
        if value:
            args += [flag, value]
    with tempfile.TemporaryDirectory(prefix="srcscan-history-bench-") as tmp:
        cache = opts.cache_dir or Path(tmp)
        cache.mkdir(parents=True, exist_ok=True)
        cold, log = run(opts.project, args, cache)
        releases = sum(1 for line in log.splitlines() if line.startswith("srcscan: history: ") and " to add)" in line)
        seen = parsed = 0
        for m in _SUMMARY.finditer(log):
            seen += int(m.group(1))
            parsed += int(m.group(2))
        warm, _ = run(opts.project, args, cache)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB -> MiB (Linux)
    cold_target, warm_target = TARGETS.get(opts.project, (None, None))
    print(f"{opts.project}: {releases} releases")
    print(f"cold: {cold:.1f} s" + (f" (target {cold_target / 60:.0f} min for the project's full tag list: "
                                   f"{'met' if cold <= cold_target else 'missed'})" if cold_target else ""))
    print(f"warm: {warm:.1f} s" + (f" (target {warm_target} s: {'met' if warm <= warm_target else 'missed'})"
                                   if warm_target else ""))
    print(f"files parsed: {parsed} of {seen} file-versions seen ({parsed / seen:.1%})" if seen else "no files seen")
    print(f"peak resident memory of the largest process: {rss:.0f} MiB (target 2048 MiB: "
          f"{'met' if rss <= 2048 else 'missed'})")


if __name__ == "__main__":
    main()
