"""Line readers of srcscan explain: one fixture line per format, escapes, multi-line records, gzip."""

from __future__ import annotations

import gzip
import json

import pytest

from srcscan.explain.lines import Stamp, looks_binary, open_log, parse_line, read_records

# (line, form, ident, pid, host, facility, priority, stamp, text)
LINES = [
    # traditional syslog (rsyslog's default file format), with and without the host
    (b"Nov 29 23:12:17 lb1 Keepalived_vrrp[1234]: (VI_1) Entering MASTER STATE",
     "syslog", "Keepalived_vrrp", 1234, "lb1", None, None, None, b"(VI_1) Entering MASTER STATE"),
    (b"Nov  9 03:02:01 Keepalived_vrrp[7]: VRRP_Script(chk) succeeded",
     "syslog", "Keepalived_vrrp", 7, None, None, None, None, b"VRRP_Script(chk) succeeded"),
    (b"Nov 29 23:12:17 lb1 Keepalived: Starting Keepalived v2.2.7",
     "syslog", "Keepalived", None, "lb1", None, None, None, b"Starting Keepalived v2.2.7"),
    # what /dev/log receives: <PRI> then RFC 3164
    (b"<29>Nov 29 23:12:17 Keepalived_vrrp[5]: Stopped",
     "syslog", "Keepalived_vrrp", 5, None, "daemon", "LOG_NOTICE", None, b"Stopped"),
    # journalctl -o short-precise
    (b"Nov 29 23:12:17.123456 lb1 Keepalived[9]: Stopped",
     "syslog", "Keepalived", 9, "lb1", None, None, None, b"Stopped"),
    # rsyslog RSYSLOG_FileFormat, journalctl -o short-iso
    (b"2026-11-29T23:12:17.412345+00:00 lb1 Keepalived_healthcheckers[88]: TCP connection to [192.0.2.1]:tcp:80 success.",
     "iso", "Keepalived_healthcheckers", 88, "lb1", None, None, None, b"TCP connection to [192.0.2.1]:tcp:80 success."),
    (b"2026-11-29T23:12:17+0000 lb1 lighttpd[3]: (server.c.1521) server started (lighttpd/1.4.69)",
     "iso", "lighttpd", 3, "lb1", None, None, Stamp("server.c", 1521), b"server started (lighttpd/1.4.69)"),
    # RFC 5424, with and without structured data, with a BOM
    (b"<30>1 2026-11-29T23:12:17.1Z lb1 Keepalived_vrrp 1234 - - (VI_1) Entering BACKUP STATE",
     "rfc5424", "Keepalived_vrrp", 1234, "lb1", "daemon", "LOG_INFO", None, b"(VI_1) Entering BACKUP STATE"),
    (b'<187>1 2026-11-29T23:12:17Z lb1 lighttpd 3 - [meta x="1"] \xef\xbb\xbf(mod_proxy.c.404) proxy - start',
     "rfc5424", "lighttpd", 3, "lb1", "local7", "LOG_ERR", Stamp("mod_proxy.c", 404), b"proxy - start"),
    # keepalived -l (console, %c) and -g (log file, nanoseconds)
    (b"Sun Nov 29 23:12:17 2026: Starting VRRP child process, pid=12",
     "keepalived", None, None, None, None, None, None, b"Starting VRRP child process, pid=12"),
    (b"Sun Nov 29 23:12:17.123456789 2026: (VI_1) Entering MASTER STATE",
     "keepalived", None, None, None, None, None, None, b"(VI_1) Entering MASTER STATE"),
    # OpenWrt logread
    (b"Sun Nov 29 23:12:17 2026 daemon.info Keepalived_vrrp[123]: (VI_1) Entering MASTER STATE",
     "logread", "Keepalived_vrrp", 123, None, "daemon", "LOG_INFO", None, b"(VI_1) Entering MASTER STATE"),
    # lighttpd error log: old form, new form with a build path, high-precision timestamps
    (b"2008-03-01 10:00:00: (server.c.1250) server started",
     "lighttpd", None, None, None, None, None, Stamp("server.c", 1250), b"server started"),
    (b"2026-11-29 23:12:17: (../src/mod_proxy.c.1022) proxy - start",
     "lighttpd", None, None, None, None, None, Stamp("../src/mod_proxy.c", 1022), b"proxy - start"),
    (b"2026-11-29 23:12:17.123456789: (/build/lighttpd-1.4.69/src/server.c.1935) server stopped by UID = 0 PID = 1",
     "lighttpd", None, None, None, None, None, Stamp("/build/lighttpd-1.4.69/src/server.c", 1935),
     b"server stopped by UID = 0 PID = 1"),
]


@pytest.mark.parametrize("raw,form,ident,pid,host,facility,priority,stamp,text", LINES)
def test_each_line_format(raw, form, ident, pid, host, facility, priority, stamp, text):
    r = parse_line(raw)
    assert (r.form, r.ident, r.pid, r.host, r.facility, r.priority, r.stamp, r.text) == (
        form, ident, pid, host, facility, priority, stamp, text)


def test_journal_json_uses_its_fields():
    doc = {"MESSAGE": "(VI_1) Entering MASTER STATE", "SYSLOG_IDENTIFIER": "Keepalived_vrrp", "_PID": "4242",
           "SYSLOG_FACILITY": "18", "PRIORITY": "6", "__REALTIME_TIMESTAMP": "1796000000000000", "_HOSTNAME": "lb1"}
    r = parse_line(json.dumps(doc).encode())
    assert (r.form, r.ident, r.pid, r.facility, r.priority, r.text) == (
        "json", "Keepalived_vrrp", 4242, "local2", "LOG_INFO", b"(VI_1) Entering MASTER STATE")
    # a message that is not UTF-8 is an array of bytes in journal JSON
    doc["MESSAGE"] = list(b"bad \xff byte")
    assert parse_line(json.dumps(doc).encode()).text == b"bad \xff byte"


def test_rsyslog_octal_escapes_are_undone():
    r = parse_line(b"Nov 29 23:12:17 lb1 Keepalived_vrrp[1]: first line#012second#011tabbed")
    assert r.text == b"first line\nsecond\ttabbed"


@pytest.mark.parametrize("escaped,plain", [
    (rb"bad request: a\x01b", b"bad request: a\x01b"),  # 1.4.5x on: \xNN for other control characters
    (rb"header: x\r\n", b"header: x\r\n"),  # \t \n \r as C writes them
    (rb"path C:\temp\x5c", b"path C:\temp\\"),
])
def test_lighttpd_control_character_escapes_are_undone(escaped, plain):
    assert parse_line(b"2026-11-29 23:12:17: (request.c.10) " + escaped).text == plain


def test_unstamped_lines_keep_backslashes():
    assert parse_line(rb"Nov 29 23:12:17 lb1 Keepalived[1]: a\nb").text == rb"a\nb"


def test_continuation_lines_join_the_record_before():
    lines = [b"Sun Nov 29 23:12:17 2026: Config error:\n", b"  line two\n", b"Sun Nov 29 23:12:18 2026: next\n"]
    records = list(read_records(lines))
    assert [(r.n, r.lines, r.text) for r in records] == [(1, 2, b"Config error:\n  line two"), (3, 1, b"next")]


def test_unknown_lines_are_records_of_no_form():
    records = list(read_records([b"garbage\n", b"more garbage\n"]))
    assert [(r.form, r.text) for r in records] == [("", b"garbage"), ("", b"more garbage")]


def test_gzip_is_read_by_content(tmp_path):
    path = tmp_path / "messages.1"  # no .gz suffix: the content decides
    path.write_bytes(gzip.compress(b"Nov 29 23:12:17 lb1 Keepalived[1]: Stopped\n"))
    with open_log(path) as f:
        assert [r.text for r in read_records(f)] == [b"Stopped"]


def test_binary_sniff():
    assert looks_binary(b"\x7fELF\x02\x01\x01\x00\x00\x00")
    assert not looks_binary(b"Nov 29 23:12:17 lb1 Keepalived[1]: Stopped\n")


@pytest.mark.parametrize("native", [True, False], ids=["C headers", "Python headers"])
def test_block_reader_gives_the_records_line_reader_gives(native):
    from srcscan.explain.blocks import BlockReader

    lines = [raw + b"\n" for raw, *_ in LINES] + [b"Sun Nov 29 23:12:17 2026: Config:\n", b"  line two\n", b"junk\n",
                                                  b"Nov 29 23:12:17 lb1 Keepalived[1]: a#012b\n"]
    records = list(read_records(lines))
    reader = BlockReader(native=native)
    blocks = [reader.read(lines[:7]), reader.read(lines[7:17]), reader.read(lines[17:]), reader.finish()]
    got = [(f, i, t, s) for b in blocks for f, i, t, s in zip(b.forms, b.idents, b.texts, b.stamps)]
    assert got == [(r.form, r.ident.encode() if r.ident else None, r.text, r.stamp) for r in records]


def test_rsyslog_rfc5424_keeps_the_space_before_the_message():
    # RSYSLOG_SyslogProtocol23Format writes %msg%, which starts with the space after "tag:"
    r = parse_line(b"<27>1 2026-11-29T23:46:55.807656+00:00 lb1 lighttpd 30865 - -  (connections.c.770) fd:9 rqst: ")
    assert (r.stamp, r.text) == (Stamp("connections.c", 770), b"fd:9 rqst: ")


AWKWARD = [  # journal entries among other lines, carriage returns, a `{` line that is no entry, escapes
    b'{"MESSAGE": "Stopped", "SYSLOG_IDENTIFIER": "Keepalived", "_PID": "3", "PRIORITY": "6"}',
    b"not a continuation of a journal entry",
    b"Nov 29 23:12:17 lb1 Keepalived[1]: a#012b\r",
    b"  continued #012 as written\r",
    b"{not json",
    b"Sun Nov 29 23:12:17 2026: Config:",
    b"  line two",
    b'{"MESSAGE": [65, 66], "SYSLOG_IDENTIFIER": "lighttpd"}',
    b"2026-11-30 00:00:07: (server.c.1704) server\\x41 started\r",
    b"",
    b"Nov 29 23:12:17 lb1 lighttpd[1]: (mod_proxy.c.12) a\\tb#011c",
    b'{"MESSAGE": "(mod_proxy.c.404) x#012y", "__REALTIME_TIMESTAMP": "1"}',
]


@pytest.mark.parametrize("cut", [1, 3, 7, 11, 200])
@pytest.mark.parametrize("drop_bad_json", [False, True])
@pytest.mark.parametrize("native", [True, False], ids=["C headers", "Python headers"])
def test_block_reader_on_awkward_lines_gives_what_line_reader_gives(cut, drop_bad_json, native):
    from srcscan.explain.blocks import BlockReader

    lines = [raw for raw in AWKWARD * 3 if not (drop_bad_json and raw == b"{not json")]
    records = list(read_records(lines))
    reader = BlockReader(native=native)
    data = b"\n".join(lines) + b"\n"
    cuts = [k for k in range(0, len(data), cut * 40)]
    blocks = []
    start = 0
    for k in cuts[1:]:  # cut at line ends only
        end = data.find(b"\n", k) + 1
        if end > start:
            blocks.append(reader.read_bytes(data[start:end]))
            start = end
    blocks += [reader.read_bytes(data[start:]), reader.finish()]
    got = [(f, i, t, s, x.rstrip(b"\r")) for b in blocks for f, i, t, s, x in zip(b.forms, b.idents, b.texts, b.stamps,
                                                                                 b.inputs)]
    assert got == [(r.form, r.ident.encode() if r.ident else None, r.text, r.stamp, r.input.split(b"\n")[0].rstrip(b"\r"))
                   for r in records]
    # the priority a block reads back without parsing the line again is the line's
    fast = [(b.priority(k), b.line_facts(k)[1]) for b in blocks for k in range(len(b.texts))]
    assert all(a == b for a, b in fast) and ("LOG_INFO", "LOG_INFO") in fast


@pytest.mark.parametrize("raw,text", [
    # rsyslog escapes control characters (and DEL) as #ooo: undone in the forms a syslog daemon writes
    (b"Nov 29 23:12:17 lb1 Keepalived[1]: Config:#012  vrrp#011x#177", b"Config:\n  vrrp\tx\x7f"),
    # any other #ooo is the message's own text (`#%.2d event %p`, keepalived lib/scheduler.c)
    (b"Nov 29 23:12:17 lb1 Keepalived[1]: #366 event 0x1f fd 3", b"#366 event 0x1f fd 3"),
    # no syslog daemon between keepalived and its own log file, nor in the journal's fields
    (b"Sun Nov 29 23:12:17 2026: #012 event", b"#012 event"),
    (b'{"MESSAGE": "#012 event", "SYSLOG_IDENTIFIER": "Keepalived"}', b"#012 event"),
])
@pytest.mark.parametrize("native", [True, False], ids=["C headers", "Python headers"])
def test_only_rsyslogs_own_escapes_are_undone(raw, text, native):
    from srcscan.explain.blocks import BlockReader

    assert parse_line(raw).text == text
    reader = BlockReader(native=native)
    assert (reader.read_bytes(raw + b"\n").texts + reader.finish().texts) == [text]
