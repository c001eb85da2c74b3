"""Time `srcscan history` over a range of release tags, cold and warm, in one run.

    python benchmarks/history.py keepalived --source /path/to/keepalived.git
    python benchmarks/history.py lighttpd --source REPO --from 1.4.69 --to 1.4.79

1. cold: `srcscan history PROJECT` with an empty cache directory (every release fetched,
   parsed where its files are new, analysed and paired with the previous one);
2. warm: the same command again with the cache and history index the cold run left.
Prints the wall and CPU times (user + system of the command and every process it waited
for: parser workers, the process scanning the next release) against the targets
(keepalived's 104 tags cold within 15 min and warm within 30 s; lighttpd's 85 1.4.x tags
cold within 10 min), files parsed against the file versions seen, where the time went (the
command's own per-release cost lines: scan, extra-profile coverage, analyses, pairing), the
peak resident memory of the largest process and of the run's processes together (target
2 GiB) and the load average (on a
shared machine, compare CPU times). Exits 0 either way: it measures.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"keepalived": (15 * 60, 30), "lighttpd": (10 * 60, 30)}  # cold, warm (seconds)
FULL = {"keepalived": 104, "lighttpd": 85}  # release tags the cold targets are for (issue 15)
_COST = re.compile(r"^srcscan: cost: (\d+) releases: .*$", re.M)
_RELEASE_COST = re.compile(r"^srcscan: cost: (?!\d+ releases)(.*)$", re.M)
_SEEN = re.compile(r"files parsed (\d+) of (\d+) file versions seen")


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _tree_rss_mib(root: int) -> float:
    """Resident memory of process `root` and all its descendants together, in MiB (Linux /proc)."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total / 1024


def run(project: str, args: list[str], cache: Path) -> tuple[float, float, str, float]:
    """(wall seconds, CPU seconds, stderr, peak MiB of the command's processes together: it
    builds each release in a process of its own while the next one's parses, so the run's
    memory is the sum of a few processes, sampled every second). stderr is written to
    CACHE/history-stderr.log as it comes (a long run can be followed there)."""
    command = [sys.executable, "-m", "srcscan", "history", project, "--cache-dir", str(cache), "--format", "json",
               "-o", str(cache / "history-report.json"), *args]
    start, cpu = time.perf_counter(), _children_cpu()
    log = cache / "history-stderr.log"
    peak = 0.0
    with open(log, "w") as err:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, text=True)
        while process.poll() is None:
            peak = max(peak, _tree_rss_mib(process.pid))
            time.sleep(1.0)
    took = time.perf_counter() - start
    stderr = log.read_text()
    if process.returncode != 0:
        sys.exit(f"history failed ({process.returncode}): {stderr.strip()[-2000:]}")
    return took, _children_cpu() - cpu, stderr, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project")
    parser.add_argument("--source", help="git repository to clone from (default: the rules' upstream)")
    parser.add_argument("--from", dest="first")
    parser.add_argument("--to", dest="last")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--cache-dir", type=Path, help="keep the cache here (default: a temporary directory)")
    parser.add_argument("--no-overlap", action="store_true", help="pass --no-overlap (no second scanning process)")
    parser.add_argument("--every", type=int, default=1, help="pass --every N: every Nth release of the range (a "
                        "sample; more files change between sampled releases than between neighbours, so the "
                        "projection to the full tag list is pessimistic)")
    opts = parser.parse_args()
    args = ["-j", str(opts.jobs)] + (["--no-overlap"] if opts.no_overlap else []) + \
        (["--every", str(opts.every)] if opts.every > 1 else [])
    for flag, value in (("--source", opts.source), ("--from", opts.first), ("--to", opts.last)):
        if value:
            args += [flag, value]
    with tempfile.TemporaryDirectory(prefix="srcscan-history-bench-") as tmp:
        cache = opts.cache_dir or Path(tmp)
        cache.mkdir(parents=True, exist_ok=True)
        load = os.getloadavg()[0]
        cold, cold_cpu, log, together = run(opts.project, args, cache)
        load = max(load, os.getloadavg()[0])
        releases = sum(1 for line in log.splitlines() if line.startswith("srcscan: history: ") and " to add)" in line)
        total = _COST.search(log)
        seen_parsed = _SEEN.search(total.group(0)) if total else None
        parsed, seen = (int(seen_parsed.group(1)), int(seen_parsed.group(2))) if seen_parsed else (0, 0)
        warm, warm_cpu, _, _ = run(opts.project, args, cache)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB -> MiB (Linux)
    cold_target, warm_target = TARGETS.get(opts.project, (None, None))
    print(f"{opts.project}: {releases} releases{f' (every {opts.every}th of the range)' if opts.every > 1 else ''}, {opts.jobs} parser processes, {os.cpu_count()} cpus, load average "
          f"up to {load:.1f}")
    full = FULL.get(opts.project)
    verdict = ("met" if cold <= cold_target else "missed") if full and releases >= full else \
        f"not judged here: {releases} of its {full} releases, see the projection below"
    print(f"cold: {cold:.1f} s wall, CPU {cold_cpu:.1f} s" + (f" (target {cold_target / 60:.0f} min for the project's full tag list: "
                                   f"{verdict})" if cold_target else ""))
    if releases and opts.project in FULL:
        n = FULL[opts.project]
        print(f"per release: {cold / releases:.1f} s wall, CPU {cold_cpu / releases:.1f} s; at that rate the "
              f"{n} tags would take {cold / releases * n / 60:.0f} min wall, CPU {cold_cpu / releases * n / 60:.0f} min "
              f"(target {cold_target / 60:.0f} min wall: {'met' if cold / releases * n <= cold_target else 'missed'})")
    print(f"warm: {warm:.1f} s wall, CPU {warm_cpu:.1f} s" + (f" (target {warm_target} s: {'met' if warm <= warm_target else 'missed'})"
                                   if warm_target else ""))
    print(f"files parsed: {parsed} of {seen} file-versions seen ({parsed / seen:.1%})" if seen else "no files seen")
    print(f"peak resident memory of the largest process: {rss:.0f} MiB (target 2048 MiB: "
          f"{'met' if rss <= 2048 else 'missed'}); of its processes together (sampled each second): "
          f"{together:.0f} MiB ({'met' if together <= 2048 else 'missed'})")
    print("where the time went (cold run, per release):")
    for m in _RELEASE_COST.finditer(log):
        print(f"  {m.group(1)}")
    if total:
        print(f"  total: {total.group(0).removeprefix('srcscan: cost: ')}")


if __name__ == "__main__":
    main()
