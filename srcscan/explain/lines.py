"""Log line readers: from the bytes of a log file to records (who wrote what, and when).

Recognises, per line and without configuration, the forms keepalived's and lighttpd's
messages are found in: traditional syslog (RFC 3164 as written by syslogd/rsyslog, with or
without the host), RFC 5424, rsyslog's ISO timestamps (RSYSLOG_FileFormat) and journalctl's
`short-iso`, journalctl `short` and `-o json`, keepalived's own console (`-l`, `%c: text`)
and log-file (`-g`, `%a %b %d %T.nnnnnnnnn %Y: text`; keepalived lib/logger.c) forms, OpenWrt
`logread` (`Sun Nov 29 23:12:17 2026 daemon.info tag[pid]: text`), lighttpd's error log
(`YYYY-MM-DD HH:MM:SS: (file.c.LINE) text`, high-precision `HH:MM:SS.nnnnnnnnn`; lighttpd
src/log.c) and lighttpd through syslog (`tag[pid]: (file.c.LINE) text`).

Escapes the path applied are undone: rsyslog's `#ooo` octal escapes of control characters
(`#012` for a newline; rsyslog's $EscapeControlCharactersOnReceive) and lighttpd's escaping of
control characters (`\\t \\n \\r`, `\\xNN` since 1.4.5x; buffer_append_string_c_escaped). A
physical line that starts no record continues the record before it (a message whose format
holds a newline, written verbatim to keepalived's log file or console).

Works on bytes: the matcher scans bytes, and a log may hold any bytes. Knows nothing about
catalogs.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Iterator, NamedTuple, Sequence

# syslog(3) facility and severity codes (RFC 5424 section 6.2.1; <sys/syslog.h>).
FACILITIES = ("kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
              "ftp", "ntp", "security", "console", "solaris-cron", "local0", "local1", "local2", "local3",
              "local4", "local5", "local6", "local7")
SEVERITIES = ("LOG_EMERG", "LOG_ALERT", "LOG_CRIT", "LOG_ERR", "LOG_WARNING", "LOG_NOTICE", "LOG_INFO", "LOG_DEBUG")
_SEVERITY_NAMES = {"emerg": 0, "panic": 0, "alert": 1, "crit": 2, "err": 3, "error": 3, "warn": 4, "warning": 4,
                   "notice": 5, "info": 6, "debug": 7}


@dataclass(frozen=True, slots=True)
class Stamp:
    """lighttpd's `(file.c.LINE)` prefix: the `__FILE__` and `__LINE__` of the call (src/log.c)."""

    file: str  # as printed: `mod_proxy.c`, `../src/mod_proxy.c` or a full build path
    line: int

    @property
    def basename(self) -> str:
        return self.file.rsplit("/", 1)[-1]


class Record(NamedTuple):
    """One log record: a message as its writer sent it, with what its line says about it.

    `text` is bytes with the path's escapes undone and, for lighttpd, without the stamp;
    `facility` and `priority` are set only where the line itself carries them (journal
    JSON, RFC 5424, a `<PRI>` prefix, OpenWrt's `facility.level`). A named tuple: millions
    are made per run, and a tuple is the cheapest immutable record Python has.
    """

    n: int  # 1-based number of the record's first physical line
    lines: int  # physical lines it spans
    input: bytes  # the physical line(s) as read, joined by \n
    form: str  # the line format recognised (FORMS below), or "" for an unknown line
    text: bytes  # the message part
    ident: str | None = None  # syslog tag / SYSLOG_IDENTIFIER
    pid: int | None = None
    host: str | None = None
    time: str | None = None  # the timestamp as printed
    facility: str | None = None  # facility name (daemon, local2), from the line itself
    priority: str | None = None  # LOG_* name, from the line itself
    stamp: Stamp | None = None


_MONTH = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_DAY = rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_TAG = rb"(?P<ident>[^\s\[\]:]+)(?:\[(?P<pid>\d+)\])?: ?"
_HOST = rb"(?:(?P<host>[^\s\[\]:]+) )"
_PRI = rb"(?:<(?P<pri>\d{1,3})>)?"

# (name, pattern): tried with the last form that matched first. Each has group `text`.
FORMS: tuple[tuple[str, re.Pattern[bytes]], ...] = (
    ("syslog", re.compile(_PRI + rb"(?P<time>" + _MONTH + rb" [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?) " + _HOST + rb"?" + _TAG
                          + rb"(?P<text>.*)", re.S)),
    ("iso", re.compile(_PRI + rb"(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[-+]\d\d:?\d\d)?) " + _HOST
                       + rb"?" + _TAG + rb"(?P<text>.*)", re.S)),
    ("rfc5424", re.compile(rb"<(?P<pri>\d{1,3})>1 (?P<time>\S+) (?P<host>\S+) (?P<ident>\S+) (?P<pid>\S+) \S+ "
                           rb"(?:-|(?:\[(?:[^\]\\]|\\.)*\])+) ?(?:\xef\xbb\xbf)? ?(?P<text>.*)", re.S)),  # rsyslog keeps the space
    ("lighttpd", re.compile(rb"(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?): (?P<text>\(.*)", re.S)),
    ("keepalived", re.compile(rb"(?P<time>" + _DAY + rb" " + _MONTH + rb" [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? \d{4}): "
                              rb"(?P<text>.*)", re.S)),
    ("logread", re.compile(rb"(?P<time>" + _DAY + rb" " + _MONTH + rb" [ \d]\d \d\d:\d\d:\d\d \d{4}) "
                           rb"(?P<fac>[a-z0-9]+)\.(?P<sev>[a-z]+) " + _TAG + rb"(?P<text>.*)", re.S)),
)
_BY_NAME = dict(FORMS)
_STAMP = re.compile(rb"\((?P<file>[^()\s]*?\.(?:c|h|cc|cpp))\.(?P<line>\d+)\) ")
# rsyslog's escape of a control character (ASCII < 32, and DEL) received: `#` and three octal
# digits ($EscapeControlCharactersOnReceive, on by default). Other `#ooo` are the message's own
# text (`#%.2d event %p`, keepalived lib/scheduler.c).
_OCTAL = re.compile(rb"#(0[0-3][0-7]|177)")
# Forms a syslog daemon writes (the only ones rsyslog's escapes can be in).
SYSLOG_FORMS = frozenset({"syslog", "iso", "rfc5424", "logread"})
_C_ESCAPE = re.compile(rb"\\(x[0-9a-fA-F]{2}|[tnr])")
_C_CHARS = {b"t": b"\t", b"n": b"\n", b"r": b"\r"}


class LineReader:
    """Turns physical lines into Records, remembering the form the last line had.

    Feed lines with `feed(line)`; each call returns the record it completed (the previous
    one) or None; `finish()` returns the last. A line that starts no record and follows a
    record of a file-like form (keepalived's, lighttpd's, traditional syslog) continues it.
    """

    def __init__(self) -> None:
        self._order: list[tuple[str, re.Pattern[bytes]]] = list(FORMS)
        self._pending: Record | None = None
        self._n = 0

    def feed(self, raw: bytes) -> Record | None:
        self._n += 1
        raw = raw.rstrip(b"\r\n")
        record = parse_line(raw, self._n, self._order)
        done = self._pending
        if record.form == "" and done is not None and done.form not in ("json", ""):
            self._pending = _continue(done, raw)
            return None
        self._pending = record
        return done

    def finish(self) -> Record | None:
        done, self._pending = self._pending, None
        return done


def read_records(lines: Iterable[bytes]) -> Iterator[Record]:
    """Records of an iterable of physical lines (bytes, with or without their newline)."""
    reader = LineReader()
    for raw in lines:
        done = reader.feed(raw)
        if done is not None:
            yield done
    last = reader.finish()
    if last is not None:
        yield last


def parse_line(raw: bytes, n: int = 1, order: list[tuple[str, re.Pattern[bytes]]] | None = None) -> Record:
    """One physical line as a Record (form "" when no form fits). `order` is moved-to-front."""
    if raw[:1] == b"{":
        record = _journal_json(raw, n)
        if record is not None:
            return record
    forms = order if order is not None else list(FORMS)
    for i, (name, rx) in enumerate(forms):
        m = rx.match(raw)
        if m is not None:
            if i and order is not None:
                order.insert(0, order.pop(i))
            return _record(name, m, raw, n)
    return Record(n, 1, raw, "", raw)


def _record(name: str, m: re.Match[bytes], raw: bytes, n: int) -> Record:
    g = m.groupdict()
    facility = priority = None
    if g.get("pri"):
        facility, priority = decode_pri(int(g["pri"]))
    elif g.get("fac"):
        facility, priority = g["fac"].decode(), _severity(g["sev"].decode())
    pid = g.get("pid")
    text, stamp = g["text"], None
    if text[:1] == b"(":
        text, stamp = unstamp(text)
    if b"#" in text or (stamp is not None and b"\\" in text):
        text = unescape(text, stamp is not None, name in SYSLOG_FORMS)
    ident, host, time = g.get("ident"), g.get("host"), g["time"]
    return Record(n, 1, raw, name, text, ident.decode("utf-8", "replace") if ident is not None else None,
                  int(pid) if pid and pid.isdigit() else None, host.decode("utf-8", "replace") if host else None,
                  time.decode("ascii", "replace"), facility, priority, stamp)


def _journal_json(raw: bytes, n: int) -> Record | None:
    """`journalctl -o json`: MESSAGE (a string, or an array of bytes when not UTF-8),
    SYSLOG_IDENTIFIER, _PID / SYSLOG_PID, SYSLOG_FACILITY and PRIORITY (systemd.journal-fields(7))."""
    try:
        doc = json.loads(raw)
    except ValueError:
        return None
    return _journal_doc(doc, raw, n)


def _journal_doc(doc: object, raw: bytes, n: int) -> Record | None:
    """The Record of one decoded journal entry (None when it is no journal entry)."""
    if not isinstance(doc, dict) or "MESSAGE" not in doc:
        return None
    message = doc["MESSAGE"]
    if isinstance(message, list):
        text = bytes(b & 0xFF for b in message if isinstance(b, int))
    elif isinstance(message, str):
        text = message.encode("utf-8", "surrogateescape")
    else:
        return None
    pid = doc.get("SYSLOG_PID") or doc.get("_PID")
    facility = doc.get("SYSLOG_FACILITY")
    priority = doc.get("PRIORITY")
    text, stamp = unstamp(text)
    return Record(n, 1, raw, "json", unescape(text, stamp is not None, False), ident=doc.get("SYSLOG_IDENTIFIER"),
                  pid=int(pid) if isinstance(pid, str) and pid.isdigit() else None, host=doc.get("_HOSTNAME"),
                  time=doc.get("__REALTIME_TIMESTAMP"),
                  facility=_facility_name(facility), priority=_severity(priority), stamp=stamp)


def journal_run(raws: Sequence[bytes], n: int = 1) -> list[Record | None]:
    """`_journal_json` for a run of lines, decoded as one JSON array (one call instead of one per
    line); a run holding a line that is not JSON is decoded line by line."""
    try:
        docs = json.loads(b"[" + b",".join(raws) + b"]")
    except ValueError:
        return [_journal_json(raw, n + k) for k, raw in enumerate(raws)]
    if len(docs) != len(raws):  # a line holding two values: each line on its own
        return [_journal_json(raw, n + k) for k, raw in enumerate(raws)]
    return [_journal_doc(doc, raw, n + k) for k, (doc, raw) in enumerate(zip(docs, raws))]


def _continue(record: Record, raw: bytes) -> Record:
    return record._replace(lines=record.lines + 1, input=record.input + b"\n" + raw, text=record.text + b"\n" + raw)


def unstamp(text: bytes) -> tuple[bytes, Stamp | None]:
    if text[:1] != b"(":
        return text, None
    m = _STAMP.match(text)
    if m is None:
        return text, None
    return text[m.end():], Stamp(m.group("file").decode("utf-8", "replace"), int(m.group("line")))


def unescape(text: bytes, lighttpd: bool = False, syslog: bool = True) -> bytes:
    """Undo rsyslog's `#ooo` escapes of control characters (`syslog`: the line is of a form a
    syslog daemon writes) and, for a stamped (lighttpd) message, its C escapes."""
    if syslog and b"#" in text:
        text = _OCTAL.sub(lambda m: bytes((int(m.group(1), 8),)), text)
    if lighttpd and b"\\" in text:
        text = _C_ESCAPE.sub(_c_char, text)
    return text


def _c_char(m: re.Match[bytes]) -> bytes:
    esc = m.group(1)
    if esc[:1] == b"x":
        return bytes((int(esc[1:], 16),))
    return _C_CHARS[esc]


def decode_pri(pri: int) -> tuple[str | None, str | None]:
    """A syslog PRI value (facility * 8 + severity, RFC 5424 6.2.1) as names."""
    fac, sev = divmod(pri, 8)
    return (FACILITIES[fac] if fac < len(FACILITIES) else None), SEVERITIES[sev]


def _facility_name(value: object) -> str | None:
    if isinstance(value, str) and value.isdigit() and int(value) < len(FACILITIES):
        return FACILITIES[int(value)]
    return None


def _severity(value: object) -> str | None:
    if isinstance(value, str):
        if value.isdigit() and int(value) < len(SEVERITIES):
            return SEVERITIES[int(value)]
        if value in _SEVERITY_NAMES:
            return SEVERITIES[_SEVERITY_NAMES[value]]
    return None


def _str(b: bytes | None) -> str | None:
    return b.decode("utf-8", "replace") if b is not None else None


# ---------------------------------------------------------------------------- files

GZIP_MAGIC = b"\x1f\x8b"


def open_log(path: Path | str) -> IO[bytes]:
    """A log file as a binary stream, gunzipped when it is gzip (by content, not by name).

    Raises OSError when it cannot be read, gzip.BadGzipFile on a damaged archive."""
    if str(path) == "-":
        import sys

        stream = sys.stdin.buffer
        head = stream.peek(2)[:2] if hasattr(stream, "peek") else b""
        return gzip.GzipFile(fileobj=stream) if head == GZIP_MAGIC else stream
    f = open(path, "rb")
    if f.read(2) == GZIP_MAGIC:
        f.seek(0)
        return gzip.GzipFile(fileobj=f)  # type: ignore[return-value]
    f.seek(0)
    return f


CHUNK = 4 << 20  # bytes the block readers read at once


def iter_chunks(f: IO[bytes], size: int = CHUNK) -> Iterator[bytes]:
    """The stream's bytes in chunks of whole lines (about `size` bytes each; the last may lack
    its newline)."""
    rest = b""
    while True:
        data = f.read(size)
        if not data:
            if rest:
                yield rest
            return
        if rest:
            data = rest + data
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data
            continue
        rest = data[cut:]
        yield data[:cut] if rest else data


def looks_binary(head: bytes) -> bool:
    """Text logs hold no NUL bytes and few other control characters (a sniff of the first block)."""
    if not head:
        return False
    if b"\0" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13, 27))
    return controls > len(head) // 20
