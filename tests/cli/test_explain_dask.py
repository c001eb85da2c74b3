"""`srcscan explain --dask`: a local two-worker cluster gives the single-process answer."""

from __future__ import annotations

import gzip
import random

import pytest
from explain_support import catalog
from test_catalog_cli import srcscan

from srcscan.render.json import render_json

distributed = pytest.importorskip("distributed")  # the test extra installs it: a skip here is a broken install


def test_two_workers_equal_one_process(tmp_path):
    rng = random.Random(14)
    lines = [b"Nov 29 23:12:%02d lb1 Keepalived_vrrp[9]: (VI_%d) Entering %s STATE" % (i % 60, i, rng.choice([b"MASTER", b"BACKUP", b"FAULT"]))
             for i in range(300)]
    lines += [b"Nov 29 23:13:00 lb1 cron[1]: (root) CMD", b"Sun Nov 29 23:12:17 2026: Config:", b"  vrrp 3 instances",
              b"Nov 29 23:13:01 lb1 Keepalived[1]: Stopped", b"Nov 29 23:13:02 lb1 Keepalived[1]: unknown text"]
    (tmp_path / "a.log").write_bytes(b"\n".join(lines[:150]) + b"\n")
    (tmp_path / "b.log.1").write_bytes(gzip.compress(b"\n".join(lines[150:]) + b"\n"))
    cat = tmp_path / "k.json"
    cat.write_text(render_json(catalog()))
    files = [tmp_path / "a.log", tmp_path / "b.log.1"]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        for mode in ([], ["--summary"]):
            one = srcscan("explain", "keepalived", *files, "--catalog", cat, "--format", "json", *mode)
            many = srcscan("explain", "keepalived", *files, "--catalog", cat, "--format", "json", *mode,
                           "--dask", cluster.scheduler_address)
            assert one.returncode == 0 and many.returncode == 0, one.stderr + many.stderr
            assert many.stdout == one.stdout and '"matched": 302' in one.stdout
