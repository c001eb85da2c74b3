"""Runs side by side on one cache directory, damaged cache entries, and the reports' file mode."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from srcscan.io import read_sealed, seal, unseal, write_atomic_bytes

FIXTURES = Path(__file__).parent.parent / "fixtures"
DEMO_RULES = str(FIXTURES / "demo.toml")


def start(*args, umask: int | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "srcscan", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, umask=-1 if umask is None else umask)


def finish(proc: subprocess.Popen) -> tuple[int, str]:
    _, err = proc.communicate(timeout=600)
    return proc.returncode, err


@pytest.fixture
def demo(tmp_path):
    return shutil.copytree(FIXTURES / "demo", tmp_path / "demo")


def test_two_runs_on_one_cache_at_once_agree(demo, tmp_path):
    cache = tmp_path / "cache"
    outs = [tmp_path / "one.json", tmp_path / "two.json"]
    procs = [start("catalog", "--path", demo, "--rules", DEMO_RULES, "--cache-dir", cache, "-o", out) for out in outs]
    for proc in procs:
        code, err = finish(proc)
        assert code == 0 and "Traceback" not in err, err
    assert outs[0].read_bytes() == outs[1].read_bytes()
    third = tmp_path / "three.json"  # and what they left in the cache reads back the same
    code, err = finish(start("catalog", "--path", demo, "--rules", DEMO_RULES, "--cache-dir", cache, "-o", third, "-v"))
    assert code == 0 and "whole run from cache" in err, err
    assert third.read_bytes() == outs[0].read_bytes()


def test_truncated_and_damaged_cache_entries_are_rebuilt(demo, tmp_path):
    cache = tmp_path / "cache"
    first = tmp_path / "first.json"
    assert finish(start("catalog", "--path", demo, "--rules", DEMO_RULES, "--cache-dir", cache, "-o", first))[0] == 0
    entries = [p for d in ("facts", "results") for p in (cache / d).rglob("*") if p.is_file()]
    assert entries
    for i, entry in enumerate(entries):
        data = entry.read_bytes()
        entry.write_bytes(data[: len(data) // 2] if i % 2 else data[:-1] + bytes([data[-1] ^ 1]))
    again = tmp_path / "again.json"
    code, err = finish(start("catalog", "--path", demo, "--rules", DEMO_RULES, "--cache-dir", cache, "-o", again, "-v"))
    assert code == 0 and "Traceback" not in err and "whole run from cache" not in err, err
    assert "(3 parsed, 0 from cache)" in err
    assert again.read_bytes() == first.read_bytes()
    assert all(read_sealed(e) is not None for e in entries if e.parent.parent.name == "facts")


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_reports_have_the_umask_mode(demo, tmp_path, umask, mode):
    out = tmp_path / "report.md"
    code, err = finish(start("catalog", "--path", demo, "--rules", DEMO_RULES, "--cache-dir", tmp_path / "cache",
                             "-o", out, umask=umask))
    assert code == 0, err
    assert stat.S_IMODE(out.stat().st_mode) == mode


def test_atomic_writes_leave_nothing_half_written(tmp_path):
    target = tmp_path / "d" / "f"
    write_atomic_bytes(target, b"one")
    old = os.umask(0o022)
    try:
        write_atomic_bytes(target, b"two")
    finally:
        os.umask(old)
    assert target.read_bytes() == b"two" and stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["f"]


def test_sealed_entries_detect_truncation_and_flips():
    sealed = seal(b"payload" * 100)
    assert unseal(sealed) == b"payload" * 100
    assert unseal(sealed[:-1]) is None
    assert unseal(sealed[:10]) is None
    assert unseal(sealed[:-1] + b"X") is None
    assert unseal(b"not sealed at all") is None
