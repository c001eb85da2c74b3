"""The block reader: whole chunks of a log file to columns of records (the `--summary` path).

Gives the same records as lines.LineReader, without a Record object per line: a Block holds
parallel lists. Per line it runs one match of the header of the form the line before had
(moved to front, as LineReader does) and slices the text off the line; stamps, escapes and
carriage returns are handled afterwards for the few lines that hold them, journal JSON lines
are decoded together (one json.loads per block). Knows nothing about catalogs.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from itertools import accumulate
from typing import Iterable, NamedTuple

from srcscan.explain.lines import (FORMS, SEVERITIES, SYSLOG_FORMS, Stamp, decode_pri, journal_run, parse_line,
                                   unescape, unstamp)

_JSON_PRIORITY = re.compile(rb'"PRIORITY" *: *"([0-7])"')



class Block(NamedTuple):
    """Records of a run of physical lines as parallel lists (no Record objects, no decoding).
    `idents[i]` is bytes or None; `times[i]` bytes or None."""

    forms: list[str]
    idents: list[bytes | None]
    texts: list[bytes]
    times: list[bytes | None]
    stamps: list[Stamp | None]
    inputs: list[bytes]  # the first physical line of each record

    def line_facts(self, i: int) -> tuple[str | None, str | None]:
        """(facility, priority) the record's own line carries (RFC 5424, `<PRI>`, logread, journal),
        read again from its first line (asked only of the few records that need it)."""
        r = parse_line(self.inputs[i].rstrip(b"\r\n"))
        return r.facility, r.priority

    def priority(self, i: int) -> str | None:
        """The priority (LOG_* name) the record's own line carries, or None: `line_facts(i)[1]`,
        read without parsing the whole line again where the line starts with a `<PRI>` or is a
        journal entry (its PRIORITY field)."""
        raw = self.inputs[i]
        if raw[:1] == b"<":
            end = raw.find(b">", 1, 5)
            return decode_pri(int(raw[1:end]))[1] if end > 1 and raw[1:end].isdigit() else None
        if self.forms[i] == "json":
            m = _JSON_PRIORITY.search(raw)
            if m is not None:
                return SEVERITIES[int(m.group(1))]
        return self.line_facts(i)[1]


def _header(name: str, rx: re.Pattern[bytes]) -> tuple[str, re.Pattern[bytes]]:
    """A form's expression up to where the message starts (the text is the rest of the line),
    whose only groups are (time, ident); `ident` never takes part in forms without one."""
    body = rx.pattern.replace(rb"(?P<text>\(.*)", rb"(?=\()").replace(rb"(?P<text>.*)", b"")
    body = re.sub(rb"\(\?P<(?!time>|ident>)\w+>", b"(?:", body)
    if b"(?P<ident>" not in body:
        body += rb"(?P<ident>(?!))?"
    fast = re.compile(body)  # no DOTALL: lines are split already
    assert fast.groupindex == {"time": 1, "ident": 2}, name
    return name, fast


class BlockReader:
    """Like LineReader, for whole blocks of lines at once: the same records, as a Block.

    `read_bytes(data)` / `read(lines)` return the records the lines complete; the last one
    waits for the next call (the next line may continue it) or `finish()`."""

    def __init__(self) -> None:
        self._forms = [_header(name, rx) for name, rx in FORMS]  # moved to front on use
        # the last record read: (row, its stamp once its text is final, else _RAW)
        self._pending: tuple[tuple, object] | None = None

    def finish(self) -> Block:
        """The last record (kept back by `read`)."""
        rows, final = self._start()
        return self._block(rows, final)

    def read(self, lines: Iterable[bytes]) -> Block:
        """The records the physical lines (with or without their newline) complete."""
        return self.read_bytes(b"\n".join(raw[:-1] if raw[-1:] == b"\n" else raw for raw in lines) + b"\n")

    def read_bytes(self, data: bytes) -> Block:
        """The records the bytes of whole lines complete (the last line may lack its newline)."""
        lines = data.split(b"\n")
        if lines and not lines[-1]:
            lines.pop()
        pending = self._pending
        rows, final = self._start()
        append = rows.append
        name, rx = self._forms[0]
        match = rx.match
        journal: list[int] = []
        for raw in lines:
            m = match(raw)
            if m is None:
                if raw[:1] == b"{":
                    journal.append(len(rows))
                    append(("json", raw))  # decoded with the block's other journal lines
                    continue
                found = self._other(raw)
                if found is None:
                    self._unknown(rows, final, raw)
                    continue
                m, (name, rx) = found
                match = rx.match
            time, ident = m.groups()
            append((name, time, ident, raw[m.end():], raw))
        if journal and not _journal(rows, final, journal):
            self._pending = pending
            return self._redo(lines)
        last = len(rows) - 1
        if last >= 0:
            self._pending = (rows.pop(), final.pop(last, _RAW))
        return self._block(rows, final)

    def _start(self) -> tuple[list[tuple], dict[int, object]]:
        if self._pending is None:
            return [], {}
        row, stamp = self._pending
        self._pending = None
        return [row], ({} if stamp is _RAW else {0: stamp})

    def _other(self, raw: bytes) -> tuple | None:
        order = self._forms
        for k in range(1, len(order)):
            m = order[k][1].match(raw)
            if m is not None:
                order.insert(0, order.pop(k))
                return m, order[0]
        return None

    @staticmethod
    def _unknown(rows: list, final: dict[int, object], raw: bytes) -> None:
        """A line no form fits: it continues the record before it when that one is of a form a
        multi-line message is written in verbatim (not journal JSON, not another unknown line)."""
        text = raw.rstrip(b"\r\n")
        last = len(rows) - 1
        if last >= 0 and rows[-1][0] not in ("json", ""):
            row = rows[-1]
            if last not in final:  # the first line's text is made final before more is appended
                first, final[last] = _finish(row[3], row[0])
                row = (*row[:3], first, row[4])
            rows[-1] = (*row[:3], row[3] + b"\n" + text, row[4])
            return
        final[len(rows)] = None
        rows.append(("", None, None, text, raw))

    def _redo(self, lines: list[bytes]) -> Block:
        """A block whose `{` lines are not all journal entries: read line by line."""
        rows, final = self._start()
        for raw in lines:
            record = parse_line(raw.rstrip(b"\r\n"))
            if record.form == "":
                self._unknown(rows, final, raw)
                continue
            final[len(rows)] = record.stamp
            rows.append(_row(record, raw))
        if rows:
            self._pending = (rows.pop(), final.pop(len(rows), _RAW))
        return self._block(rows, final)

    @staticmethod
    def _block(rows: list[tuple], final: dict[int, object]) -> Block:
        if not rows:
            return Block([], [], [], [], [], [])
        forms, times, idents, texts, inputs = map(list, zip(*rows))
        stamps: list[Stamp | None] = [None] * len(texts)
        # stamps, escapes and carriage returns: found in the block's texts joined, and only the
        # texts that hold one are looked at again (C escapes are undone only in stamped texts)
        joined = b"".join(texts)
        ends = list(accumulate(map(len, texts)))
        found = {bisect_right(ends, m.start()) for rx in _MARKS for m in rx.finditer(joined)}
        for i in sorted(found.difference(final)):
            texts[i], stamps[i] = _finish(texts[i], forms[i])
        for i, stamp in final.items():
            stamps[i] = stamp  # type: ignore[assignment]
        return Block(forms, idents, texts, times, stamps, inputs)


# what makes a text need another look: a stamp, an rsyslog escape, a carriage return
_MARKS = (re.compile(rb"\([^()\s]*?\.(?:c|h|cc|cpp)\.\d+\) "), re.compile(rb"#(?:0[0-3][0-7]|177)"), re.compile(rb"\r"))
_RAW = object()  # a pending record whose text is not final yet


def _finish(text: bytes, form: str) -> tuple[bytes, Stamp | None]:
    """The text with lighttpd's stamp taken off and the path's escapes undone, and the stamp;
    a text cut from a line (not a journal field) loses the carriage return that ends it."""
    if form != "json" and text[-1:] == b"\r":
        text = text[:-1]
    stamp = None
    if text[:1] == b"(":
        text, stamp = unstamp(text)
    if b"#" in text or (stamp is not None and b"\\" in text):
        text = unescape(text, stamp is not None, form in SYSLOG_FORMS)
    return text, stamp


def _journal(rows: list, final: dict[int, object], at: list[int]) -> bool:
    """Fill the journal rows at `at`, their entries decoded together (MESSAGE, SYSLOG_IDENTIFIER,
    __REALTIME_TIMESTAMP; systemd.journal-fields(7)); False when a line is no journal entry."""
    raws = [rows[i][1] for i in at]
    try:
        docs = json.loads(b"[" + b",".join(raws) + b"]")
    except ValueError:
        docs = None
    if docs is None or len(docs) != len(raws) or not all(type(d) is dict and type(d.get("MESSAGE")) is str
                                                         for d in docs):
        # one line on its own: a message as an array of bytes, or a line that is no entry
        records = journal_run([raw.rstrip(b"\r\n") for raw in raws])
        if any(r is None for r in records):
            return False
        for i, record, raw in zip(at, records, raws):
            rows[i] = _row(record, raw)
            final[i] = record.stamp
        return True
    for i, d, raw in zip(at, docs, raws):
        ident, time = d.get("SYSLOG_IDENTIFIER"), d.get("__REALTIME_TIMESTAMP")
        rows[i] = ("json", time.encode("utf-8", "replace") if type(time) is str else None,
                   ident.encode("utf-8", "surrogateescape") if type(ident) is str else None,
                   d["MESSAGE"].encode("utf-8", "surrogateescape"), raw)
    return True


def _row(record, raw: bytes) -> tuple:
    """(form, time, ident, text, first line): a block's row of a Record."""
    return (record.form, record.time.encode("utf-8", "replace") if record.time is not None else None,
            record.ident.encode("utf-8", "surrogateescape") if record.ident is not None else None, record.text, raw)
