"""srcscan explain on logs captured from Debian 12's keepalived 2.2.7 and lighttpd 1.4.69
(tests/data/logs, made by capture.sh there) and from Debian sid's keepalived 2.3.4, whose build
has the log file (-g; keepalived-logfile-*.log, made by capture-logfile.sh), with catalogs of
Debian's own sources.

expected.json holds, per captured line, the call sites explain ranks first. Each was checked
against Debian's source (the format's literal text at that file and line); where several sites
write the same text and nothing in the line tells them apart (keepalived's `Reloading` in
three children when the line has no ident, as on the console; `Assigned address %s for
interface %s` in three places of the VRRP child; `%*s%.*s` continuation lines of `Command
line:`), all of them are listed and the true one, read from the source and the run, is among
them; a syslog `Reloading` line whose ident is `Keepalived_vrrp` is the VRRP child's alone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from srcscan.explain.catalogview import proves_text
from srcscan.explain.explain import Explainer
from srcscan.explain.lines import read_records
from conftest import same_worker

DATA = Path(__file__).parent.parent / "data" / "logs"
EXPECTED = json.loads((DATA / "expected.json").read_text())
RELEASE = {"keepalived": "2.2.7", "lighttpd": "1.4.69"}  # apt-cache policy keepalived lighttpd on Debian 12
LOGFILE_RELEASE = "2.3.4"  # keepalived 1:2.3.4-1+b2 of Debian sid (the -g log files)


def release_of(log: str, project: str) -> str:
    return LOGFILE_RELEASE if log.startswith("keepalived-logfile-") else RELEASE[project]


def group(log: str, project: str) -> str:
    """The test process (conftest.same_worker) that builds the catalog `log` is read with:
    keepalived 2.2.7's, or its 2.3 releases' (2.3.3 and 2.3.4 are built in another)."""
    if project != "keepalived":
        return project
    return "keepalived-2.2.7" if release_of(log, project) == "2.2.7" else "keepalived-2.3"


def explained(debian, log: str, project: str):
    catalog = debian(project, release_of(log, project)).catalog
    records = list(read_records(open(DATA / log, "rb")))
    return [e for e in Explainer(catalog).explain(records) if e.daemon]


def proven(e) -> str:
    """What explain says the line proves: what each call site of its answer needs."""
    return proves_text([h.message for h in e.hits[:e.best]])


def sites(e) -> list[str]:
    # A call site whose format chooses between literals is one message per literal: two of
    # them can match one line (both list the same site once).
    return sorted({f"{h.message.file}:{h.message.line}" for h in e.hits[:e.best]})


@pytest.mark.parametrize("log,project", [pytest.param(log, p, marks=same_worker(group(log, p)))
                                         for log, by in sorted(EXPECTED.items()) for p in sorted(by)])
def test_every_captured_line_is_explained_with_its_call_site(debian, log, project):
    done = explained(debian, log, project)
    got = {str(e.record.n): sites(e) for e in done}
    expected = EXPECTED[log][project]
    # A line only messages without literal text fit (keepalived's `Command line:` continuations,
    # `%*s%.*s`) lists every such message its process can write: that set follows the process
    # analysis; the continuation's own call must be in it.
    loose = {str(e.record.n) for e in done if e.hits and e.hits[0].loose}
    assert {n: s for n, s in got.items() if n not in loose} == {n: s for n, s in expected.items() if n not in loose}
    assert set(expected) == set(got)
    for n in loose:
        assert any(site.startswith("lib/scheduler.c:") for site in got[n]), (log, n, got[n])
    if project == "lighttpd":  # every lighttpd line carries its stamp, and the stamp pins the call
        assert all(e.hits[0].pinned for e in done)


@same_worker("keepalived-2.2.7")
def test_keepalived_lines_only_minus_D_writes_say_so(debian):
    """Sites written in the runs with -D and in no run without it prove -D."""
    done = explained(debian, "keepalived-lighttpd-syslog.log", "keepalived")
    with_d, pids_d, pids = set(), set(), {}
    for e in done:  # a parent logs its command line, then its children's pids
        text = e.record.text.decode()
        if "'-D'" in text:
            pids_d.add(e.record.pid)
        if m := re.match(r"Starting \w+ child process, pid=(\d+)", text):
            pids[int(m.group(1))] = e.record.pid
    runs_d = {p for p in pids_d} | {child for child, parent in pids.items() if parent in pids_d}
    without = {tuple(sites(e)) for e in done if e.record.pid not in runs_d}
    only_d = [e for e in done if e.record.pid in runs_d and tuple(sites(e)) not in without]
    assert len(only_d) > 20
    for e in only_d:
        assert "-D" in proven(e), (e.record.input, sites(e), proven(e))


@same_worker("lighttpd")
def test_lighttpd_lines_only_debug_keys_write_say_which(debian):
    """Stamps seen in the debug run and not in the run without debug keys prove a debug key."""
    plain = {(e.record.stamp.basename, e.record.stamp.line) for e in explained(debian, "lighttpd-nodebug.log", "lighttpd")}
    keys = ("debug.log-request-handling", "debug.log-request-header", "debug.log-response-header",
            "debug.log-file-not-found", "proxy.debug", "debug.log-request-header-on-error")
    debug = [e for e in explained(debian, "lighttpd-error.log", "lighttpd")
             if (e.record.stamp.basename, e.record.stamp.line) not in plain]
    assert len(debug) > 80
    silent = {(e.record.stamp.basename, e.record.stamp.line) for e in debug
              if not any(k in proven(e) for k in keys)}
    # The catalog does not (yet) derive a requirement from `(code == 404 && r->conf.log_file_not_found)
    # || r->conf.log_request_handling` (http_response_physical_path_error): explain says what it knows.
    assert silent <= {("response.c", 203), ("response.c", 206), ("response.c", 208)}


@same_worker("keepalived-2.2.7")
def test_facility_the_line_carries_is_compared(debian):
    """The -D -S 3 run logs to local3 (RFC 5424 says so); the default catalog expects daemon."""
    done = explained(debian, "keepalived-lighttpd-syslog-5424.log", "keepalived")
    local3 = [e for e in done if e.record.facility == "local3"]
    assert local3 and all("facility local3" in " ".join(e.notes) for e in local3)
    assert not any("facility" in " ".join(e.notes) for e in done if e.record.facility == "daemon")


@pytest.mark.parametrize("project,log", [pytest.param(p, log, marks=same_worker("keepalived-2.3" if p == "keepalived" else p)) for p, log in
                                         [("keepalived", "keepalived-lighttpd-syslog.log"), ("lighttpd", "lighttpd-error.log")]])
def test_releases_inferred_without_a_version_hold_the_true_one(debian, tmp_path_factory, project, log):
    """Every release Debian's archive carries is a candidate; the one that wrote the log is kept.
    (lighttpd's candidates are the releases up to 1.4.79, which this run builds anyway: a newer one
    would be one more cold catalog, minutes of the test run, for what keepalived's case shows.)"""
    from conftest import real_cache_dir

    from srcscan.explain.run import explain_files
    from srcscan.explain.versions import candidate_releases

    explainer = Explainer(debian(project, RELEASE[project]).catalog)
    lines, summary = explain_files(explainer, [DATA / log], summary_only=True)
    found = candidate_releases(explainer, lines, summary, project=project,
                               version_range="..1.4.79" if project == "lighttpd" else None, source=None,
                               cache_dir=real_cache_dir(tmp_path_factory), jobs=2, notify=lambda line: None,
                               provider="debian")
    assert RELEASE[project] in found



@same_worker("keepalived-2.3")
def test_keepalived_log_file_lines_are_read_in_their_own_form(debian):
    """-g writes `Mon Nov 30 02:35:52.108083890 2026: text` (nanoseconds); every line is keepalived's,
    with a message that has literal text, except the `%*s%.*s` continuation lines of `Command line:`."""
    for log in sorted(p.name for p in DATA.glob("keepalived-logfile-*.log")):
        done = explained(debian, log, "keepalived")
        assert done and all(e.record.form == "keepalived" and e.hits for e in done), log
        loose = [e.record.text for e in done if e.hits[0].loose]
        assert all(t.startswith(b"              '") for t in loose), (log, loose)


@same_worker("keepalived-2.3")
def test_keepalived_log_file_lines_only_minus_D_writes_say_so(debian):
    """Sites of the -D run (both files) that the run without -D did not write prove -D."""
    plain = {tuple(sites(e)) for log in ("keepalived-logfile-g.log", "keepalived-logfile-g_vrrp.log")
             for e in explained(debian, log, "keepalived")}
    only_d = [e for log in ("keepalived-logfile-gD.log", "keepalived-logfile-gD_vrrp.log")
              for e in explained(debian, log, "keepalived") if tuple(sites(e)) not in plain]
    assert len(only_d) > 10
    for e in only_d:
        assert "-D" in proven(e), (e.record.input, sites(e), proven(e))
