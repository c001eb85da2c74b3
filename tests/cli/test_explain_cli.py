"""`srcscan explain` end to end: formats, --summary, a tree on disk, bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from explain_support import catalog
from test_catalog_cli import srcscan

from srcscan.render.json import render_json

FIXTURES = Path(__file__).parent.parent / "fixtures"
LOG = b"""Nov 29 23:12:17 lb1 Keepalived_vrrp[9]: (VI_1) Entering MASTER STATE
Nov 29 23:12:18 lb1 cron[55]: (root) CMD (run-parts /etc/cron.hourly)
Nov 29 23:12:19 lb1 Keepalived_vrrp[9]: Discarding bogus packet from 192.0.2.7
Nov 29 23:12:20 lb1 Keepalived_vrrp[9]: (VI_1) Entering MASTER STATE
Nov 29 23:12:21 lb1 Keepalived[1]: something no release says
"""


@pytest.fixture
def cat(tmp_path):
    path = tmp_path / "keepalived.json"
    path.write_text(render_json(catalog()))
    return path


def test_json_lines_and_summary(tmp_path, cat):
    log = tmp_path / "syslog"
    log.write_bytes(LOG)
    run = srcscan("explain", "keepalived", log, "--catalog", cat, "--format", "json", "--engine", "re")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert [(l["n"], [m["line"] for m in l["matches"] if m["best"]]) for l in doc["lines"]] == [
        (1, [2179]), (3, [670]), (4, [2179]), (5, [])]
    s = doc["summary"]
    assert (s["records"], s["other"], s["matched"], s["unmatched"], s["options"]) == (5, 1, 3, 1, ["-D"])
    assert [(m["line"], m["count"], m["first"], m["last"]) for m in s["messages"]] == [
        (2179, 2, "Nov 29 23:12:17", "Nov 29 23:12:20"), (670, 1, "Nov 29 23:12:19", "Nov 29 23:12:19")]


def test_summary_to_markdown_file_from_gzip(tmp_path, cat):
    log = tmp_path / "messages.gz"
    log.write_bytes(gzip.compress(LOG))
    out = tmp_path / "report.md"
    run = srcscan("explain", "keepalived", log, "--catalog", cat, "--summary", "-o", out)
    assert run.returncode == 0, run.stderr
    text = out.read_text()
    assert "| 2 " in text and "`keepalived/vrrp/vrrp.c:2179 vrrp_state_master_tx`" in text
    assert "something no release says" in text and "Options these lines prove were on: `-D`" in text


def test_stdin(tmp_path, cat):
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "srcscan", "explain", "keepalived", "-", "--catalog", str(cat),
                          "--summary", "--format", "json"], input=LOG, capture_output=True)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["summary"]["matched"] == 3


def test_a_tree_on_disk(tmp_path):
    log = tmp_path / "syslog"
    log.write_bytes(b"Nov 29 23:12:17 lb1 demo[3]: Starting lb (pid 42)\n")
    run = srcscan("explain", "--rules", FIXTURES / "demo.toml", "demo", log, "--path", FIXTURES / "demo",
                  "--cache-dir", tmp_path / "c", "--format", "json")
    assert run.returncode == 0, run.stderr
    (match,) = json.loads(run.stdout)["lines"][0]["matches"]
    assert (match["file"], match["values"]) == ("src/main.c", {"name": "lb", "42": "42"})


@pytest.mark.parametrize("content,why", [
    (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00" * 50, "a binary file, not a log"),
    (b"Nov 29 23:12:18 lb1 cron[55]: (root) CMD\n", "no line of keepalived 2.3.4 in"),
    (b"", "no line at all of keepalived"),
    (gzip.compress(LOG)[:30], "damaged gzip file"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, cat, content, why):
    log = tmp_path / "log"
    log.write_bytes(content)
    out = tmp_path / "out.json"
    run = srcscan("explain", "keepalived", log, "--catalog", cat, "-o", out)
    assert run.returncode == 2 and why in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and not out.exists()


def test_missing_file_and_bad_catalog(tmp_path, cat):
    run = srcscan("explain", "keepalived", tmp_path / "nope.log", "--catalog", cat)
    assert run.returncode == 2 and "no such file" in run.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    log = tmp_path / "log"
    log.write_bytes(LOG)
    run = srcscan("explain", "keepalived", log, "--catalog", bad)
    assert run.returncode == 2 and "not a srcscan catalog" in run.stderr and "Traceback" not in run.stderr
