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
from itertools import accumulate, compress, repeat
from typing import Iterable, NamedTuple, Sequence

from srcscan.explain.native import header_reader
from srcscan.explain.lines import (FORMS, SEVERITIES, SYSLOG_FORMS, Stamp, decode_pri, journal_run, parse_line,
                                   unescape, unstamp)

_JSON_PRIORITY = re.compile(rb'"PRIORITY" *: *"([0-7])"')



class Lines(Sequence[bytes]):
    """The physical lines of a block that start its records (Block.inputs), cut from the block's
    bytes only when one is asked for (most never are): `head` (lines before the block's own: the
    record a block before kept back), then line `rows[k]` of `data`, which runs from `starts[r]`
    to the newline before `starts[r + 1]` (native.Headers). Equal to a list of the same lines."""

    __slots__ = ("data", "starts", "rows", "head")

    def __init__(self, data: bytes, starts: Sequence[int], rows: Sequence[int], head: list[bytes] | None = None) -> None:
        self.data, self.starts, self.rows, self.head = data, starts, rows, head or []

    def __len__(self) -> int:
        return len(self.head) + len(self.rows)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        h = len(self.head)
        if i < 0:
            i += len(self)
        if i < h:
            return self.head[i]
        r = self.rows[i - h]
        return self.data[self.starts[r]:self.starts[r + 1] - 1]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __add__(self, other: Sequence[bytes]) -> list[bytes]:
        return list(self) + list(other)

    def __radd__(self, other: Sequence[bytes]) -> list[bytes]:
        return list(other) + list(self)

    def insert(self, at: int, line: bytes) -> None:
        """Only before the block's own lines (a record kept back from the block before)."""
        assert at <= len(self.head)
        self.head.insert(at, line)

    def __delitem__(self, i: int) -> None:
        h = len(self.head)
        if i < 0:
            i += len(self)
        if i < h:
            del self.head[i]
        else:
            self.rows = list(self.rows)
            del self.rows[i - h]

    def pop(self) -> bytes:
        line = self[-1]
        if self.rows:
            self.rows = self.rows[:-1]
        else:
            self.head.pop()
        return line

    def kept(self, keep: Sequence[bool]) -> "Lines":
        """The lines whose `keep` is true."""
        h = len(self.head)
        return Lines(self.data, self.starts, list(compress(self.rows, keep[h:])), list(compress(self.head, keep[:h])))


class Block(NamedTuple):
    """Records of a run of physical lines as parallel lists (no Record objects, no decoding).
    `idents[i]` is bytes or None; `times[i]` bytes or None."""

    forms: list[str]
    idents: list[bytes | None]
    texts: list[bytes]
    times: list[bytes | None]
    stamps: list[Stamp | None]
    inputs: Sequence[bytes]  # the first physical line of each record (a list, or Lines)
    # per record the priority its line carries when the C reader read it: 0-7 (LOG_EMERG..LOG_DEBUG),
    # 8 none, 9 not known here (`priority(i)` reads the line); b"": none known
    priorities: bytes = b""

    def line_facts(self, i: int) -> tuple[str | None, str | None]:
        """(facility, priority) the record's own line carries (RFC 5424, `<PRI>`, logread, journal),
        read again from its first line (asked only of the few records that need it)."""
        r = parse_line(self.inputs[i].rstrip(b"\r\n"))
        return r.facility, r.priority

    def priority(self, i: int) -> str | None:
        """The priority (LOG_* name) the record's own line carries, or None: `line_facts(i)[1]`,
        read without parsing the whole line again where the line starts with a `<PRI>` or is a
        journal entry (its PRIORITY field)."""
        if self.priorities:
            known = self.priorities[i]
            if known < 8:
                return SEVERITIES[known]
            if known == 8:
                return None
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

    def __init__(self, native: bool = True) -> None:
        self._forms = [_header(name, rx) for name, rx in FORMS]  # moved to front on use
        # the last record read: (row, its stamp once its text is final, else _RAW)
        self._pending: tuple[tuple, object] | None = None
        # the headers read in C (native.py), or None: Python's re reads them, with the same records
        self._native = header_reader() if native else None

    def finish(self) -> Block:
        """The last record (kept back by `read`)."""
        rows, final = self._start()
        return self._block(rows, final)

    def read(self, lines: Iterable[bytes]) -> Block:
        """The records the physical lines (with or without their newline) complete."""
        return self.read_bytes(b"\n".join(raw[:-1] if raw[-1:] == b"\n" else raw for raw in lines) + b"\n")

    def read_bytes(self, data: bytes) -> Block:
        """The records the bytes of whole lines complete (the last line may lack its newline)."""
        if self._native is not None:
            return self._read_native(data)
        return self._read_python(data)

    def _read_python(self, data: bytes) -> Block:
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
        if journal:
            raws = [rows[i][1] for i in journal]
            done = _journal(raws)
            if done is None:
                self._pending = pending
                return self._redo(lines)
            for i, time, ident, text, stamp, raw in zip(journal, done.times, done.idents, done.texts, done.finals, raws):
                rows[i] = ("json", time, ident, text, raw)
                if stamp is not _RAW:
                    final[i] = stamp
        last = len(rows) - 1
        if last >= 0:
            self._pending = (rows.pop(), final.pop(last, _RAW))
        return self._block(rows, final)

    def _read_native(self, data: bytes) -> Block:
        """read_bytes with the headers read by loglines.c: Python looks only at the lines it left
        (journal JSON, lines no form fits, a form's rare case) and the texts it flagged."""
        h = self._native.read(data)  # type: ignore[union-attr]
        lines = Lines(data, h.starts, range(len(h.codes)))  # cut from data when asked for
        codes, texts, idents, times = h.codes, h.texts, h.idents, h.times
        forms = list(map(_FORM_OF.__getitem__, codes))
        priorities = bytearray(h.priorities)
        if h.no_ident:
            idents = [ident or None for ident in idents]
        pending = self._pending
        shift = 0
        final: dict[int, object] = {}
        if pending is not None:
            (form, time, ident, text, raw), stamp = pending
            self._pending = None
            shift = 1
            forms.insert(0, form)
            times.insert(0, time)
            idents.insert(0, ident)
            texts.insert(0, text)
            lines.insert(0, raw)
            priorities.insert(0, 9)
            if stamp is not _RAW:
                final[0] = stamp
        look = [i + shift for i in _flagged(codes, _LOOK)]  # texts that may need another look
        journal: list[int] = []
        merged: set[int] = set()  # continuation lines, merged into the record before them
        left = [i + shift for i in _flagged(codes, _LEFT)]
        for i in left:
            raw = lines[i]
            if raw[:1] == b"{":
                journal.append(i)
                forms[i] = "json"
                continue
            found = self._other(raw, 0)
            if found is not None:
                m, (name, _) = found
                forms[i], (times[i], idents[i]), texts[i] = name, m.groups(), raw[m.end():]
                look.append(i)
                continue
            # a line no form fits: it continues the record before it (as in _unknown)
            text = raw.rstrip(b"\r\n")
            last = i - 1
            while last in merged:
                last -= 1
            if last >= 0 and forms[last] not in ("json", ""):
                if last not in final:
                    texts[last], final[last] = _finish(texts[last], forms[last])
                texts[last] += b"\n" + text
                merged.add(i)
                continue
            forms[i], times[i], idents[i], texts[i], final[i] = "", None, None, text, None
        if shift:
            look.append(0)
        if journal:
            done = _journal([lines[i] for i in journal])
            if done is None:
                self._pending = pending
                return self._redo(lines[shift:])
            for i, times[i], idents[i], texts[i], stamp, priorities[i] in zip(journal, *done):
                if stamp is not _RAW:
                    final[i] = stamp
                elif texts[i][:1] == b"(":  # a journal text needs another look only for a stamp
                    look.append(i)
        if merged:
            gone = sorted(merged)
            if len(gone) < 64:  # few: a message holding a newline, in keepalived's own file
                for i in reversed(gone):
                    del forms[i], times[i], idents[i], texts[i], lines[i], priorities[i]
            else:
                keep = [i not in merged for i in range(len(texts))]
                forms, times, idents, texts = (list(compress(c, keep)) for c in (forms, times, idents, texts))
                lines = lines.kept(keep)
                priorities = bytearray(compress(priorities, keep))
            final = {i - bisect_right(gone, i): v for i, v in final.items()}
            look = [i - bisect_right(gone, i) for i in look if i not in merged]
        last = len(texts) - 1
        if last >= 0:
            self._pending = ((forms.pop(), times.pop(), idents.pop(), texts.pop(), lines.pop()), final.pop(last, _RAW))
            priorities.pop()
        stamps: list[Stamp | None] = [None] * len(texts)
        for i in set(look).difference(final):
            if i < last:
                texts[i], stamps[i] = _finish(texts[i], forms[i])
        for i, stamp in final.items():
            stamps[i] = stamp  # type: ignore[assignment]
        return Block(forms, idents, texts, times, stamps, lines, bytes(priorities))

    def _start(self) -> tuple[list[tuple], dict[int, object]]:
        if self._pending is None:
            return [], {}
        row, stamp = self._pending
        self._pending = None
        return [row], ({} if stamp is _RAW else {0: stamp})

    def _other(self, raw: bytes, start: int = 1) -> tuple | None:
        order = self._forms
        for k in range(start, len(order)):
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


class _Journal(NamedTuple):
    """Journal entries decoded, as columns (one item per line)."""

    times: list[bytes | None]
    idents: list[bytes | None]
    texts: list[bytes]
    finals: list[object]  # the stamp when the text is final already, else _RAW
    priorities: bytes  # as Block.priorities (0-7, 9: read the line)


def _journal(raws: list[bytes]) -> _Journal | None:
    """Journal lines decoded together (MESSAGE, SYSLOG_IDENTIFIER, __REALTIME_TIMESTAMP, PRIORITY;
    systemd.journal-fields(7)); None when a line is no journal entry."""
    n = len(raws)
    try:
        docs = json.loads(b"[" + b",".join(raws) + b"]")
        messages = list(map(dict.__getitem__, docs, repeat("MESSAGE", n)))
    except (ValueError, TypeError, KeyError):
        docs = messages = None
    if docs is None or len(docs) != n or set(map(type, messages)) != {str}:
        # one line on its own: a message as an array of bytes, or a line that is no entry
        records = journal_run([raw.rstrip(b"\r\n") for raw in raws])
        if any(r is None for r in records):
            return None
        rows = [_row(record, raw) for record, raw in zip(records, raws)]
        return _Journal([r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows],
                        [r.stamp for r in records], bytes([9]) * n)
    try:
        priorities = bytes(map(_JOURNAL_PRIORITY.get, map(dict.get, docs, repeat("PRIORITY", n)), repeat(9, n)))
    except TypeError:  # a PRIORITY that is no string
        priorities = bytes([9]) * n
    return _Journal(_encoded(list(map(dict.get, docs, repeat("__REALTIME_TIMESTAMP", n))), "replace"),
                    _encoded(list(map(dict.get, docs, repeat("SYSLOG_IDENTIFIER", n))), "surrogateescape"),
                    _encoded(messages, "surrogateescape"), [_RAW] * n, priorities)


_JOURNAL_PRIORITY = {str(k): k for k in range(8)}


def _encoded(values: list[object], errors: str) -> list[bytes | None]:
    """Each string UTF-8 encoded (None for what is no string), in one encode where none holds NUL."""
    if set(map(type, values)) == {str}:
        joined = "\0".join(values)  # type: ignore[arg-type]
        if joined.count("\0") == len(values) - 1:
            return joined.encode("utf-8", errors).split(b"\0")
    return [v.encode("utf-8", errors) if type(v) is str else None for v in values]


def _flagged(codes: bytes, which: re.Pattern[bytes]) -> list[int]:
    """Indexes of the lines whose code (one byte each) `which` matches."""
    return [m.start() for m in which.finditer(codes)]


_LOOK = re.compile(rb"[\x80-\xff]")  # codes of texts that may need another look
_LEFT = re.compile(rb"[\x00\x80]")  # codes of lines Python reads
# form name by code (the low 7 bits: FORMS' index + 1, or a journal entry after them; 0: not read yet)
_FORM_OF = tuple(None if c & 0x7F == 0 or c & 0x7F > len(FORMS) + 1 else
                 "json" if c & 0x7F == len(FORMS) + 1 else FORMS[(c & 0x7F) - 1][0] for c in range(256))


def _row(record, raw: bytes) -> tuple:
    """(form, time, ident, text, first line): a block's row of a Record."""
    return (record.form, record.time.encode("utf-8", "replace") if record.time is not None else None,
            record.ident.encode("utf-8", "surrogateescape") if record.ident is not None else None, record.text, raw)
