"""Time srcscan explain against Drain3 on one generated log, in one run.

    chrt -f 50 python benchmarks/explain.py CATALOG.json [--lines 1000000] [--seed 14]
    python benchmarks/explain.py TREE --rules keepalived        # catalog the tree first

(`chrt -f 50`, real-time scheduling, keeps other processes' load from taking the run's CPU;
the figures are lines per second on the wall time of one run, and the CPU time is printed too.)

1. generate: every message of the catalog (not dynamic, with literal text) with random hole
   values, round robin until --lines, each written in one of the line formats explain reads
   (traditional syslog with and without host, rsyslog ISO, RFC 5424, journal JSON,
   keepalived's console and log file, OpenWrt logread; in runs of 100 to 5000 lines of one form,
   as files joined; messages holding a newline are escaped
   as rsyslog does or continue on the next physical line, as keepalived writes them; the
   priority, where the form carries one, is the call's), plus 10 % lines of other programs in
   the same form (none in keepalived's own files); the true call site of each line is kept aside;
2. srcscan: read, parse and attribute every line of the file (srcscan.explain, one process,
   one core: the work `srcscan explain --summary` does), then the real command with one
   process and with two (`--jobs 2`: chunks of whole records summarised by two processes);
3. Drain3: TemplateMiner.add_log_message on the message part of each line (the header already
   removed, which is work not counted against Drain3);
4. prints lines per second for both (wall time), the ratio, and how each groups lines by their true call
   site: grouping accuracy (a line is right when its group holds exactly the lines of its
   call site), and for srcscan how many lines were attributed to their own call site, or to a
   set of call sites of which it is one: calls writing the same text, or templates with as much
   literal text that the line fits alike (`%u-%u` and `%u-%d` on `12-7`, `VS [%u]` and `VS [%s]`
   on `VS [963]`); and why any other went to another call.
Targets (checked here, never by a timed test): >= 300,000 lines/s, >= 20x Drain3, every line
attributed to its own call site. Exits 0 either way: it measures, it does not gate.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import string
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from srcscan.catalog import Catalog, catalog_from_dict
from srcscan.explain.explain import NONE, OTHER, PINNED, Explainer
from srcscan.explain.blocks import BlockReader
from srcscan.explain.lines import iter_chunks, read_records
from srcscan.explain.matcher import constant_text
from srcscan.formats.template import Hole

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
OTHERS = [
    ("CRON", "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)"),
    ("sshd", "Accepted publickey for admin from 198.51.100.{n} port {p} ssh2: ED25519 SHA256:abcdef"),
    ("kernel", "[{n}.{p}] eth0: renamed from veth{p}"),
    ("systemd", "Started Session {n} of User admin."),
    ("dhclient", "DHCPREQUEST for 192.0.2.{n} on eth0 to 192.0.2.1 port 67"),
]
ERRNO = ["No such file or directory", "Permission denied", "Connection refused", "Resource temporarily unavailable"]


def value(rng: random.Random, hole: Hole) -> str:
    kind = hole.kind
    if hole.arg == '""':  # `%*s` of "": an indentation, spaces only
        return " " * rng.randint(0, 8)
    if kind in ("int",):
        return str(rng.randint(-5, 100000))
    if kind == "uint":
        return str(rng.randint(0, 100000))
    if kind == "hex":
        return f"{rng.randint(0, 1 << 32):x}"
    if kind == "float":
        return f"{rng.uniform(0, 1000):.3f}"
    if kind == "char":
        return rng.choice(string.ascii_letters)
    if kind == "ptr":
        return f"0x{rng.randint(1 << 20, 1 << 47):x}"
    if kind == "errno":
        return rng.choice(ERRNO)
    return "".join(rng.choice(string.ascii_lowercase + string.digits + "_.") for _ in range(rng.randint(3, 12)))


def message_text(rng: random.Random, parts) -> str:
    """The text a call writes: random values in its holes, except that a hole whose argument is an
    integer constant prints that constant (the daemon can write nothing else there)."""
    return "".join(p if isinstance(p, str) else (constant_text(p) or value(rng, p)) for p in parts)


SEVERITY = {"LOG_EMERG": 0, "LOG_ALERT": 1, "LOG_CRIT": 2, "LOG_ERR": 3, "LOG_WARNING": 4, "LOG_NOTICE": 5,
            "LOG_INFO": 6, "LOG_DEBUG": 7}
LEVEL = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")


def header(rng: random.Random, form: str, ident: str, pid: int, text: str, i: int, priority: str) -> list[str]:
    """Physical lines for one message in `form`, at the call's priority (facility daemon) where
    the form carries one: RFC 5424's PRI, journal JSON's PRIORITY, logread's level."""
    sev = SEVERITY.get(priority, 6)
    day, month, hh, mm, ss = rng.randint(1, 28), rng.randint(1, 12), i // 3600 % 24, i // 60 % 60, i % 60
    stamp = f"{MONTHS[month - 1]} {day:2d} {hh:02d}:{mm:02d}:{ss:02d}"
    escaped = text.replace("\n", "#012")
    if form == "syslog":
        return [f"{stamp} lb1 {ident}[{pid}]: {escaped}"]
    if form == "syslog-nohost":
        return [f"{stamp} {ident}[{pid}]: {escaped}"]
    if form == "iso":
        return [f"2026-{month:02d}-{day:02d}T{hh:02d}:{mm:02d}:{ss:02d}.{i % 1000000:06d}+00:00 lb1 {ident}[{pid}]: {escaped}"]
    if form == "rfc5424":
        return [f"<{24 + sev}>1 2026-{month:02d}-{day:02d}T{hh:02d}:{mm:02d}:{ss:02d}Z lb1 {ident} {pid} - - {escaped}"]
    if form == "json":
        return [json.dumps({"MESSAGE": text, "SYSLOG_IDENTIFIER": ident, "_PID": str(pid), "PRIORITY": str(sev),
                            "SYSLOG_FACILITY": "3", "__REALTIME_TIMESTAMP": str(1796000000000000 + i)})]
    if form == "logread":
        return [f"{DAYS[day % 7]} {stamp} 2026 daemon.{LEVEL[sev]} {ident}[{pid}]: {escaped}"]
    t = f"{DAYS[day % 7]} {stamp}" + (f".{i % 1000000000:09d}" if form == "keepalived-g" else "") + " 2026"
    return f"{t}: {text}".split("\n")  # keepalived writes a newline as it is
FORMS = ["syslog", "syslog-nohost", "iso", "rfc5424", "json", "logread", "keepalived-l", "keepalived-g"]


def generate(catalog: Catalog, path: Path, lines: int, seed: int) -> tuple[list[int], int]:
    """Write the log; return the true message index of each record (-1: another program's) and
    the number of physical lines."""
    rng = random.Random(seed)
    idents = {p.name: p.idents[0].split("[")[0] for p in catalog.sections.processes or () if p.idents}
    usable = [i for i, m in enumerate(catalog.messages)
              if not m.dynamic and any(isinstance(p, str) and p.strip() for p in m.template.parts)]
    truth: list[int] = []
    physical = 0
    with open(path, "w", encoding="utf-8") as f:
        k = 0
        form, run = rng.choice(FORMS), 0
        while physical < lines:
            if run <= 0:  # a log holds one form: runs of 100 to 5000 lines, like files joined
                form, run = rng.choice(FORMS), rng.randint(100, 5000)
            run -= 1
            if rng.random() < 0.1 and not form.startswith("keepalived-"):  # keepalived's own file: its lines only
                prog, text = rng.choice(OTHERS)
                out = header(rng, form, prog, rng.randint(2, 99999), text.format(n=rng.randint(1, 254),
                                                                               p=rng.randint(1024, 65535)), k, "LOG_INFO")
                truth.append(-1)
            else:
                i = usable[k % len(usable)]
                k += 1
                m = catalog.messages[i]
                ident = next((idents[p] for p in m.processes if p in idents), catalog.project)
                out = header(rng, form, ident, rng.randint(2, 99999), message_text(rng, m.template.parts), k, m.priority)
                truth.append(i)
            f.write("\n".join(out) + "\n")
            physical += len(out)
    return truth, physical


def run_srcscan(explainer: Explainer, path: Path) -> tuple[float, float, list[object]]:
    """Read, parse and attribute every record (the --summary path); wall and CPU seconds, and
    per record its group (a pattern index, OTHER, NONE or a stamp's sites)."""
    gc.disable()  # as the command runs (srcscan.cli.main)
    t0, c0 = time.perf_counter(), time.process_time()
    answers = []
    reader = BlockReader()
    with open(path, "rb") as f:
        for data in iter_chunks(f):
            answers.append(explainer.attribute_block(reader.read_bytes(data)))
    answers.append(explainer.attribute_block(reader.finish()))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    gc.enable()
    groups: list[object] = []  # made after the timing: the benchmark's bookkeeping, not explain's work
    for codes, pinned in answers:
        groups += [("stamp", pinned[i]) if c == PINNED else c for i, c in enumerate(codes)]
    return seconds, cpu, groups


def run_command(catalog_path: Path, catalog: Catalog, log: Path, engine: str, cache: Path, jobs: int) -> tuple[float, str]:
    """`srcscan explain --summary` on the log (start-up and catalog loading included): wall seconds."""
    t0 = time.perf_counter()
    cli = subprocess.run([sys.executable, "-m", "srcscan", "explain", catalog.project, str(log), "--catalog",
                          str(catalog_path), "--summary", "--format", "json", "--engine", engine,
                          "--cache-dir", str(cache), "--jobs", str(jobs)], capture_output=True, env={**os.environ})
    status = "ok" if cli.returncode == 0 else f"exit {cli.returncode}: {cli.stderr.decode()[-300:]}"
    return time.perf_counter() - t0, status


def conditions() -> str:
    """The scheduling class this run has and the machine's load (what the figures were measured under)."""
    fifo = hasattr(os, "sched_getscheduler") and os.sched_getscheduler(0) == os.SCHED_FIFO
    return (f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
            + ("SCHED_FIFO (chrt -f): other processes' load does not take this run's CPU" if fifo
               else "normal scheduling: other processes' load slows the wall figures (run it under chrt -f 50)"))


def run_drain(path: Path) -> tuple[float, list[int], int]:
    from drain3 import TemplateMiner
    from drain3.template_miner_config import TemplateMinerConfig

    with open(path, "rb") as f:
        texts = [r.text.decode("utf-8", "replace") for r in read_records(f)]
    config = TemplateMinerConfig()
    config.profiling_enabled = False
    miner = TemplateMiner(config=config)
    gc.disable()
    t0, c0 = time.perf_counter(), time.process_time()
    ids = [miner.add_log_message(t)["cluster_id"] for t in texts]
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    gc.enable()
    return seconds, cpu, ids, len(miner.drain.clusters)


def _holds(explainer: Explainer, group: object, site: int) -> bool:
    if isinstance(group, tuple):
        return site in group[1]
    return group >= 0 and site in explainer.matcher.patterns[group].messages


def _ids(explainer: Explainer, group: object) -> tuple[int, ...]:
    if isinstance(group, tuple):
        return group[1]
    return explainer.matcher.patterns[group].messages if group >= 0 else ()


def _site(catalog: Catalog, i: int) -> str:
    m = catalog.messages[i]
    return f"{m.file}:{m.line}"


def grouping_accuracy(truth: list[object], predicted: list[object]) -> float:
    """Share of lines whose predicted group holds exactly the lines of their true group."""
    by_truth, by_pred = defaultdict(set), defaultdict(set)
    for t, p in zip(truth, predicted):
        by_truth[t].add(p)
        by_pred[p].add(t)
    right = sum(1 for t, p in zip(truth, predicted) if len(by_truth[t]) == 1 and len(by_pred[p]) == 1)
    return right / len(truth)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("source", type=Path, help="a catalog (.json) or a tree (with --rules)")
    ap.add_argument("--rules", help="rules for a tree")
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--engine", default="auto")
    ap.add_argument("--keep", type=Path, help="write the generated log here and keep it")
    ap.add_argument("--report", type=Path, help="write the lines attributed to another call here (JSON lines)")
    ap.add_argument("--without-drain3", action="store_true", help="a quick look: srcscan's figures only")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="srcscan-bench-explain-"))
    if args.source.suffix == ".json":
        catalog_path = args.source
    else:
        catalog_path = work / "catalog.json"
        subprocess.run([sys.executable, "-m", "srcscan", "catalog", "--path", str(args.source), "--rules", args.rules,
                        "--format", "json", "-o", str(catalog_path)], check=True)
    catalog = catalog_from_dict(json.loads(catalog_path.read_text()))
    log = args.keep or work / "generated.log"
    t0 = time.perf_counter()
    truth, physical = generate(catalog, log, args.lines, args.seed)
    print(f"generated {physical:,} lines ({len(truth):,} records, {sum(1 for t in truth if t < 0):,} of other programs) "
          f"from {catalog.project} {catalog.version}: {log.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - t0:.1f} s, seed {args.seed}")

    cache = Path(os.environ["SRCSCAN_CACHE"]) if os.environ.get("SRCSCAN_CACHE") else work / "cache"
    t0 = time.perf_counter()
    explainer = Explainer(catalog, engine=args.engine, cache_dir=cache)
    warm = [m.template for m in catalog.messages]  # compile every database once, outside the timing
    explainer.matcher.best([("".join(p if isinstance(p, str) else "x" for p in t.parts)).encode() for t in warm])
    print(f"srcscan matcher ({explainer.matcher.engine}): {len(explainer.matcher.patterns)} expressions for "
          f"{len(catalog.messages)} messages, ready in {time.perf_counter() - t0:.1f} s (databases compiled on "
          f"first use and kept in the cache directory: a later run reads them back)")
    print(f"measured with {conditions()}")
    seconds, cpu, groups = run_srcscan(explainer, log)
    s_rate, s_cpu_rate = physical / seconds, physical / cpu
    print(f"srcscan explain (in process, one core): {seconds:.2f} s wall, {s_rate:,.0f} lines/s "
          f"({cpu:.2f} s CPU, {s_cpu_rate:,.0f} lines/s of CPU)")
    cli = {jobs: run_command(catalog_path, catalog, log, args.engine, cache, jobs) for jobs in (1, 2)}
    for jobs, (cli_seconds, status) in cli.items():
        print(f"srcscan explain --summary --jobs {jobs} (the command, start-up and catalog loading included): "
              f"{cli_seconds:.2f} s wall, {physical / cli_seconds:,.0f} lines/s ({status})")

    if args.without_drain3:
        d_seconds, d_cpu, clusters, n_clusters = float("nan"), float("nan"), list(range(len(truth))), 0
    else:
        d_seconds, d_cpu, clusters, n_clusters = run_drain(log)
    d_rate = physical / d_seconds
    print(f"Drain3: {d_seconds:.2f} s wall, {d_rate:,.0f} lines/s ({d_cpu:.2f} s CPU), {n_clusters} clusters")

    # Accuracy over the daemon's records; other programs' lines must be left out by srcscan.
    mine = [k for k, t in enumerate(truth) if t >= 0]
    true_sites = [truth[k] for k in mine]
    pattern_of = explainer.matcher.pattern_of
    # A call site is a file and line: the catalog may hold one call as several messages (a ternary
    # argument expanded into one message per branch); an answer of those messages is the call site.
    own = tied = wrong = own_message = 0
    for k in mine:
        g = groups[k]
        if isinstance(g, tuple):
            ids = g[1]
        elif g >= 0:
            ids = explainer.matcher.patterns[g].messages
        else:
            ids = ()
        sites = {_site(catalog, i) for i in ids}
        own_message += ids == (truth[k],)
        if sites == {_site(catalog, truth[k])}:
            own += 1
        elif truth[k] in ids:
            tied += 1
        else:
            wrong += 1
    # Why a line went to another call: another call writing the same text (the answer dropped the
    # true one: the process or priority narrowing), or the text is ambiguous: the true call's
    # template fits it too, but a template with more literal text comes first. Templates with as
    # much literal text that both fit are all given (`%u-%u` and `%u-%d` on "12-7"): a set that
    # holds the true call.
    wrong_idx = {k for k in mine if not _holds(explainer, groups[k], truth[k])
                 and {_site(catalog, i) for i in _ids(explainer, groups[k])} != {_site(catalog, truth[k])}}
    tied_idx = {k for k in mine if k not in wrong_idx
                and {_site(catalog, i) for i in _ids(explainer, groups[k])} != {_site(catalog, truth[k])}}
    same_text = {k for k in wrong_idx if all(pattern_of(i) == pattern_of(truth[k]) for i in _ids(explainer, groups[k]))}
    ambiguous = 0
    unexplained: list[dict] = []
    tied_sets: dict[tuple[int, ...], int] = defaultdict(int)
    if wrong_idx or tied_idx:
        with open(log, "rb") as f:
            for k, r in enumerate(read_records(f)):
                if k in wrong_idx and k not in same_text:
                    if explainer.matcher.fullmatch(pattern_of(truth[k]), r.text):
                        ambiguous += 1
                    elif len(unexplained) < 200:
                        unexplained.append({"input": r.input.decode("utf-8", "replace"), "text": r.text.decode(
                            "utf-8", "replace"), "true": _site(catalog, truth[k]),
                            "given": [_site(catalog, i) for i in _ids(explainer, groups[k])]})
                elif k in tied_idx:
                    tied_sets[_ids(explainer, groups[k])] += 1
    others_taken = sum(1 for k, t in enumerate(truth) if t < 0 and groups[k] not in (OTHER, NONE))
    shared = sum(1 for i in set(true_sites) if len(explainer.matcher.patterns[pattern_of(i)].messages) > 1)
    s_ga = grouping_accuracy(true_sites, [groups[k] for k in mine])
    d_ga = grouping_accuracy(true_sites, [clusters[k] for k in mine])
    # By text: call sites writing the same text are one group (no reader of the line can tell them apart).
    by_text = [pattern_of(t) for t in true_sites]
    s_ga_text = grouping_accuracy(by_text, [groups[k] for k in mine])
    d_ga_text = grouping_accuracy(by_text, [clusters[k] for k in mine])
    n = len(mine)
    print(f"attribution of the {n:,} daemon records: {own:,} to their own call site ({100 * own / n:.2f} %; "
          f"{own_message:,} to their own catalog message alone, {100 * own_message / n:.2f} %), "
          f"{tied:,} to a set of call sites writing the same text that holds it ({100 * tied / n:.2f} %; "
          f"{shared} of {len(set(true_sites))} call sites share their text with another), {wrong:,} to another call "
          f"({len(same_text):,} to another call writing the same text; {ambiguous:,} ambiguous by text: the true "
          f"call's template fits too, one with more literal text comes first; {wrong - len(same_text) - ambiguous:,} "
          f"neither); "
          f"{others_taken} lines of other programs taken for the daemon's")
    print(f"grouping accuracy by call site: srcscan {s_ga:.4f}, Drain3 {d_ga:.4f}; "
          f"by distinct text: srcscan {s_ga_text:.4f}, Drain3 {d_ga_text:.4f}")
    # Lines whose call site nothing in the line tells apart: several sites write the same text, and
    # the ident's process and the line's priority (where it carries one) fit each of them.
    if tied_sets:
        several = {ids for ids in tied_sets if len({pattern_of(i) for i in ids}) > 1}
        print(f"indistinguishable: {sum(tied_sets.values()):,} records of {len(tied_sets)} texts are each written by "
              f"several call sites that their process and priority fit alike ({sum(tied_sets[ids] for ids in several):,} "
              f"of them of {len(several)} sets of templates with as much literal text that the line fits alike); the largest:")
        for ids, count in sorted(tied_sets.items(), key=lambda kv: -kv[1])[:8]:
            formats = " | ".join(dict.fromkeys(repr(catalog.messages[explainer.matcher.patterns[pattern_of(i)].messages[0]].format)
                                               for i in ids))
            why = ("same processes" if len({tuple(catalog.messages[i].processes) for i in ids}) == 1
                   else "processes overlap") + (", same priority" if len({catalog.messages[i].priority for i in ids}) == 1
                                                 else ", priorities differ where the form carries none")
            print(f"  {count:6,}  {formats}: {', '.join(_site(catalog, i) for i in ids)} ({why})")
    if args.report and unexplained:
        args.report.write_text("\n".join(json.dumps(u) for u in unexplained) + "\n")
        print(f"{len(unexplained)} lines attributed to another call although the true call's template does not "
              f"fit them: {args.report}")
    ratio, ratio_2 = s_rate / d_rate, physical / cli[2][0] / d_rate
    print(f"targets (lines/s on the wall time of one run): >= 300,000 lines/s on one core: "
          f"{'met' if s_rate >= 300_000 else 'MISSED'} ({s_rate:,.0f}; the command with 2 processes "
          f"{physical / cli[2][0]:,.0f}); >= 20x Drain3: {'met' if ratio >= 20 else 'MISSED'} ({ratio:.1f}x on one core, "
          f"{ratio_2:.1f}x for the command with 2 processes); every line to its own call site: "
          f"{'met' if wrong == 0 and tied == 0 else ('met up to texts several calls write alike' if wrong == 0 else 'MISSED')}"
          f"{f' ({wrong:,} to another call)' if wrong else ''}")


if __name__ == "__main__":
    main()
