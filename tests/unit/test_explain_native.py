"""The header reader in C (srcscan/native/loglines.c): compiled once, turned off by
SRCSCAN_NATIVE=0, and giving the records the Python reader gives on every captured log and on
generated, damaged and random lines."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srcscan.explain.blocks import BlockReader
from srcscan.explain.lines import iter_chunks, parse_line
from srcscan.explain.native import header_reader

DATA = Path(__file__).parent.parent / "data"
LOGS = sorted(p for p in (DATA / "logs").iterdir() if p.suffix == ".log") + sorted((DATA / "dnsmasq").iterdir())


def _records(data: bytes, native: bool, size: int) -> list[tuple]:
    reader = BlockReader(native=native)
    if native:
        assert reader._native is not None, "the C header reader did not build (a C compiler is needed)"
    blocks = [reader.read_bytes(chunk) for chunk in iter_chunks(io.BytesIO(data), size)] + [reader.finish()]
    return [(b.forms[i], b.idents[i], b.texts[i], b.times[i], b.stamps[i], b.inputs[i], b.priority(i))
            for b in blocks for i in range(len(b.texts))]


def _same(data: bytes, sizes=(4 << 20, 1000, 77)) -> None:
    for size in sizes:
        python = _records(data, False, size)
        assert python, "nothing read"
        assert _records(data, True, size) == python, size


def test_compiled_once_and_reused(tmp_path):
    header_reader.cache_clear()
    try:
        first = header_reader(tmp_path)
        assert first is not None and Path(first.path).parent == tmp_path
        stamp = Path(first.path).stat().st_mtime_ns
        header_reader.cache_clear()
        again = header_reader(tmp_path)
        assert again.path == first.path and Path(again.path).stat().st_mtime_ns == stamp
        assert [p.name for p in tmp_path.iterdir()] == [Path(first.path).name]  # no temporary file left
    finally:
        header_reader.cache_clear()


def test_srcscan_native_0_turns_it_off(tmp_path, monkeypatch):
    monkeypatch.setenv("SRCSCAN_NATIVE", "0")
    header_reader.cache_clear()
    try:
        assert header_reader(tmp_path) is None
        assert BlockReader()._native is None
        assert not any(tmp_path.iterdir())
    finally:
        header_reader.cache_clear()


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_captured_logs_read_alike(path):
    _same(path.read_bytes())


# one line of each form the readers know, and lines close to them
SEEDS = [
    b"Nov 29 23:12:17 lb1 Keepalived_vrrp[1234]: (VI_1) Entering MASTER STATE",
    b"Nov  9 03:02:01 Keepalived_vrrp[7]: VRRP_Script(chk) succeeded",
    b"<29>Nov 29 23:12:17.123 Keepalived_vrrp[5]: Stopped#012x",
    b"2026-11-29T23:12:17.412345+00:00 lb1 Keepalived_healthcheckers[88]: TCP connection to [192.0.2.1]:tcp:80",
    b"<13>2026-11-29T23:12:17+0000 lighttpd[3]: (server.c.1521) server started",
    b"2026-11-29T23:12:17Z lb1 lighttpd: (a/b.cpp.7) x\\x41\r",
    b'<187>1 2026-11-29T23:12:17Z lb1 lighttpd 3 - [meta x="1\\]"][y] \xef\xbb\xbf(mod_proxy.c.404) proxy - start',
    b"<30>1 2026-11-29T23:12:17.1Z lb1 Keepalived_vrrp 1234 - -  (VI_1) Entering BACKUP STATE",
    b"Sun Nov 29 23:12:17 2026: Starting VRRP child process, pid=12",
    b"Sun Nov 29 23:12:17.123456789 2026: (VI_1) Entering MASTER STATE",
    b"Sun Nov 29 23:12:17 2026 daemon.warning Keepalived_vrrp[123]: (VI_1) #177 x",
    b"Sun Nov 29 23:12:17 2026 local7.bogus Keepalived_vrrp: x",
    b"2026-11-29 23:12:17.123456789: (/build/lighttpd-1.4.69/src/server.c.1935) server stopped",
    b"2026-11-29 23:12:17: (.c.1) x",
    b'{"MESSAGE": "(mod_proxy.c.404) x#012y", "SYSLOG_IDENTIFIER": "lighttpd", "PRIORITY": "3"}',
    # journal entries: journalctl's compact form, escapes, a key twice, blanks; and what C leaves to
    # Python (a newline or \u escape in a text, bytes past ASCII, an array, a number, an empty ident)
    b'{"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1796000000000000","PRIORITY":"6",'
    b'"SYSLOG_IDENTIFIER":"Keepalived_vrrp","_PID":"1234","MESSAGE":"(VI_1) Entering MASTER STATE"}',
    b'{"MESSAGE": "Stopped", "SYSLOG_IDENTIFIER": "Keepalived", "PRIORITY": "3", '
    b'"__REALTIME_TIMESTAMP": "1796000000000001", "MESSAGE": "a \\"q\\" \\\\ b\\/s\\tt\\b\\f\\r"}',
    b'{ "MESSAGE" : "(mod_proxy.c.404) x#012y\\\\x41" ,\t"SYSLOG_IDENTIFIER" : "lighttpd" , "PRIORITY" : "9" , '
    b'"__REALTIME_TIMESTAMP" : "1" }\r',
    b'{"MESSAGE": "line\\nbreak", "SYSLOG_IDENTIFIER": "Keepalived", "__REALTIME_TIMESTAMP": "2", "PRIORITY": "66"}',
    b'{"MESSAGE": "caf\\u00e9", "SYSLOG_IDENTIFIER": "Keepalived", "__REALTIME_TIMESTAMP": "3", "PRIORITY": 6}',
    b'{"MESSAGE": [83, 116], "SYSLOG_IDENTIFIER": "Keepalived", "__REALTIME_TIMESTAMP": "4"}',
    b'{"MESSAGE": "x", "SYSLOG_IDENTIFIER": "", "__REALTIME_TIMESTAMP": "5"}',
    '{"MESSAGE": "café", "SYSLOG_IDENTIFIER": "Keepalived", "__REALTIME_TIMESTAMP": "6"}'.encode(),
    b"  a continuation line",
    b"",
]
_BYTES = b" :[]<>.0123456789TZ+-\t\r\x0b(#\\{}aZ\xef\xbb1\",u"


def _damaged(rng: random.Random, n: int) -> bytes:
    out = []
    for _ in range(n):
        line = bytearray(rng.choice(SEEDS))
        for _ in range(rng.randint(0, 3)):
            pos = min(int(rng.expovariate(1 / 20)), len(line))
            c = rng.choice(_BYTES)
            op = rng.random()
            if op < 0.33:
                line[pos:pos + 1] = b""
            elif op < 0.66:
                line[pos:pos] = bytes([c])
            else:
                line[pos:pos + 1] = bytes([c])
        out.append(bytes(line))
    return b"\n".join(out) + b"\n"


@pytest.mark.parametrize("seed", range(4))
def test_damaged_lines_read_alike(seed):
    _same(_damaged(random.Random(seed), 3000), sizes=(4 << 20, 500))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(SEEDS), st.binary(max_size=60).map(lambda b: b.replace(b"\n", b""))),
                min_size=1, max_size=12), st.booleans())
def test_random_lines_read_alike(lines, last_newline):
    data = b"\n".join(lines) + (b"\n" if last_newline else b"")
    if data.strip(b"\n"):
        _same(data, sizes=(4 << 20, 30))


def test_last_line_without_newline_reads_alike():
    _same(b"\n".join(SEEDS[:12]))


@pytest.mark.parametrize("seed", range(2))
def test_c_reads_every_line_a_form_fits(seed):
    # lines C leaves to Python are read right too, only slower: this checks none is left but
    # journal entries and lines no form fits
    data = b"".join(p.read_bytes() for p in LOGS) + _damaged(random.Random(seed), 3000)
    lines = data.split(b"\n")[:-1]
    codes = header_reader().read(data).codes
    assert len(codes) == len(lines)
    left = [raw for raw, code in zip(lines, codes) if code & 0x7F == 0 and parse_line(raw).form not in ("", "json")]
    assert left == []
    assert sum(1 for code in codes if code & 0x7F) > 1000


def test_c_reads_plain_journal_entries():
    """A journal entry of printable ASCII strings with MESSAGE, SYSLOG_IDENTIFIER and
    __REALTIME_TIMESTAMP is read in C (code 7); the others are left to Python."""
    entries = [seed for seed in SEEDS if seed.startswith(b"{")]
    codes = header_reader().read(b"\n".join(entries) + b"\n").codes
    assert [c & 0x7F for c in codes] == [0, 7, 7, 7, 0, 0, 0, 0, 0]
    assert [c & 0x80 for c in codes][1:4] == [0x80, 0, 0x80]  # a text starting with `(` gets another look
