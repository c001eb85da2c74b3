"""Reading log files in blocks and explaining them, on one process or on a Dask cluster.

Raises InputError for input nothing can be explained from (a binary file, no line of the
daemon); OSError for files that cannot be read.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from contextlib import contextmanager
from itertools import chain, islice
from pathlib import Path
from typing import IO, Iterator, Sequence

from srcscan.errors import InputError
from srcscan.explain.explain import Explainer, Explanation, Summary, _times
from srcscan.explain.neighbours import Context
from srcscan.explain.blocks import Block, BlockReader
from srcscan.explain.lines import CHUNK, LineReader, Record, iter_chunks, looks_binary, open_log, parse_line

BLOCK = 20000  # records scanned together


def iter_blocks(paths: Sequence[str | Path], size: int = BLOCK) -> Iterator[list[Record]]:
    """Records of the files, in lists of about `size` (a file's records stay in file order)."""
    for path in paths:
        try:
            with open_log(path) as f:
                head = f.peek(8192)[:8192] if hasattr(f, "peek") else b""
                if looks_binary(head):
                    raise InputError(f"{path}: a binary file, not a log")
                reader, block = LineReader(), []
                for raw in f:
                    done = reader.feed(raw)
                    if done is not None:
                        block.append(done)
                        if len(block) >= size:
                            yield block
                            block = []
                last = reader.finish()
                if last is not None:
                    block.append(last)
                if block:
                    yield block
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise InputError(f"{path}: damaged gzip file ({exc})") from None


def explain_files(explainer: Explainer, paths: Sequence[str | Path], summary_only: bool, jobs: int = 1,
                  ) -> tuple[list[Explanation] | None, Summary]:
    """Every record of the files explained (None with summary_only) and the summary. With
    summary_only and `jobs` > 1, chunks of the files are summarised by `jobs` processes. The
    per-line path's neighbour rule looks back across blocks within a file (neighbours.Context), so
    that where blocks are cut does not change an answer."""
    from srcscan.progress import phase, running

    total = Summary()
    if summary_only and jobs > 1:
        return None, summarise_parallel(explainer, paths, jobs)
    with running(f"{explainer.project} explain"), phase("records read and matched") as step:
        if summary_only:
            for block in iter_line_blocks(paths):
                total = total.merge(explainer.summarise_block(block))
                step.advance(len(block.texts))
            return None, total
        lines: list[Explanation] = []
        for path in paths:
            context = Context()
            for records in iter_blocks([path]):
                done = explainer.explain(records, context)
                lines.extend(done)
                total = total.merge(summary_of(explainer, done))
                step.advance(len(records))
    return lines, total


def iter_line_blocks(paths: Sequence[str | Path], size: int = CHUNK) -> Iterator[Block]:
    """Blocks of records (the --summary path), each file read in chunks of about `size` bytes."""
    for path in paths:
        with _log(path) as f:
            reader = BlockReader()
            for data in iter_chunks(f, size):
                yield reader.read_bytes(data)
            last = reader.finish()
            if last.texts:
                yield last


@contextmanager
def _log(path: str | Path) -> Iterator[IO[bytes]]:
    """open_log, refusing a binary file; a damaged gzip file is an InputError."""
    try:
        with open_log(path) as f:
            head = f.peek(8192)[:8192] if hasattr(f, "peek") else b""
            if looks_binary(head):
                raise InputError(f"{path}: a binary file, not a log")
            yield f
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"{path}: damaged gzip file ({exc})") from None


def iter_record_chunks(paths: Sequence[str | Path], size: int = CHUNK) -> Iterator[bytes | tuple[str, int, int]]:
    """Each file in chunks of whole records, about `size` bytes each: a chunk after a file's
    first starts at a line that starts a record (a line
    of a known form, or a journal entry), so that chunks read apart give the records the file
    read whole gives. A plain file's chunks are (path, start, end) byte ranges, read where they
    are summarised; a compressed file's or standard input's are their bytes. A chunk in which no
    line starts a record (only lines of no known form) is cut at a line end."""
    for path in paths:
        with _log(path) as f:
            if isinstance(f, io.BufferedReader) and f.seekable() and str(path) != "-":
                yield from _ranges(f, str(path), size)
                continue
            carry = b""
            for data in iter_chunks(f, size):
                if carry:
                    data = carry + data
                cut = _last_record_start(data)
                carry = data[cut:]
                if cut:
                    yield data[:cut]
            if carry:
                yield carry


def _ranges(f: IO[bytes], path: str, size: int) -> Iterator[tuple[str, int, int]]:
    """Byte ranges of a plain file, each ending where a line that starts a record begins."""
    total = os.fstat(f.fileno()).st_size
    start = 0
    while start < total:
        cut = total
        if start + size < total:
            f.seek(start + size)
            window = f.read(size)
            first = window.find(b"\n") + 1  # the line the nominal end falls in belongs to this chunk
            found = _first_record_start(window, first) if first else -1
            if found < 0:  # no record starts in the window: cut at its last line end, else take the rest
                found = window.rfind(b"\n") + 1 or total - start - size
            cut = start + size + found
        yield path, start, cut
        start = cut


def _first_record_start(data: bytes, pos: int) -> int:
    """Offset of the first whole line at or after `pos` that starts a record, or -1."""
    while True:
        end = data.find(b"\n", pos)
        if end < 0:
            return -1
        if parse_line(data[pos:end].rstrip(b"\r")).form != "":
            return pos
        pos = end + 1


def _last_record_start(data: bytes) -> int:
    """Offset of the last line of `data` that starts a record (not the first line), else len(data)."""
    end = len(data) - 1 if data.endswith(b"\n") else len(data)
    while end > 0:
        start = data.rfind(b"\n", 0, end) + 1
        if start == 0:
            break
        if parse_line(data[start:end].rstrip(b"\r")).form != "":
            return start
        end = start - 1
    return len(data)


_WORKER: Explainer | None = None  # the explainer a summarising process uses (inherited by fork)


def _summarise_chunk(data: bytes | tuple[str, int, int]) -> Summary:
    assert _WORKER is not None
    if isinstance(data, tuple):
        path, start, end = data
        with open(path, "rb") as f:
            f.seek(start)
            data = f.read(end - start)
    reader = BlockReader()
    return _WORKER.summarise_block(joined(reader.read_bytes(data), reader.finish()))


def joined(a: Block, b: Block) -> Block:
    """The records of two blocks read one after the other, as one block."""
    if not b.texts:
        return a
    priorities = b""
    if a.priorities or b.priorities:
        priorities = (a.priorities or bytes([9]) * len(a.texts)) + (b.priorities or bytes([9]) * len(b.texts))
    return Block(a.forms + b.forms, a.idents + b.idents, a.texts + b.texts, a.times + b.times, a.stamps + b.stamps,
                 a.inputs + b.inputs, priorities)


def _below_parent() -> None:
    """Under real-time scheduling (`chrt -f`), a worker runs one priority below the process that
    feeds it and merges the answers: that one gets a CPU as soon as an answer waits (measured on
    2 CPUs: 2.6 s instead of 3.6-3.9 s for a million lines)."""
    try:
        policy = os.sched_getscheduler(0)
        priority = os.sched_getparam(0).sched_priority
        if policy in (os.SCHED_FIFO, os.SCHED_RR) and priority > 1:
            os.sched_setscheduler(0, policy, os.sched_param(priority - 1))
    except (AttributeError, OSError):  # no such scheduling on this system, or not allowed
        pass


def summarise_parallel(explainer: Explainer, paths: Sequence[str | Path], jobs: int, size: int = CHUNK) -> Summary:
    """The summary explain_files gives, with chunks of whole records (iter_record_chunks)
    summarised by `jobs` forked processes and merged in file order. Input of one chunk, or a
    system without fork, is summarised here."""
    import multiprocessing

    from srcscan.progress import phase, running

    global _WORKER
    numbered = iter_record_chunks(paths, size)
    first = list(islice(numbered, 2))
    chunks = chain(first, numbered)
    total = Summary()
    try:
        pool_context = multiprocessing.get_context("fork") if len(first) > 1 else None
    except ValueError:
        pool_context = None
    _WORKER = explainer
    explainer.matcher.compiled  # the database is loaded before the processes fork: they share it
    try:
        with running(f"{explainer.project} explain"), phase("records read and matched") as step:
            if pool_context is None:
                for s in map(_summarise_chunk, chunks):
                    total = total.merge(s)
                    step.advance(s.records)
                return total
            with pool_context.Pool(jobs, initializer=_below_parent) as pool:
                for s in pool.imap(_summarise_chunk, chunks):
                    total = total.merge(s)
                    step.advance(s.records)
        return total
    finally:
        _WORKER = None


def summary_of(explainer: Explainer, explained: Sequence[Explanation]) -> Summary:
    """The summary of explanations already made (the same counts `summarise` gives)."""
    s = Summary(records=len(explained))
    m = explainer.matcher
    index = {id(msg): i for i, msg in enumerate(explainer.messages)}
    for e in explained:
        if not e.daemon:
            s.other += 1
        elif not e.hits or e.hits[0].loose:  # a message without literal text is no evidence
            s.unmatched += 1
            if len(s.unmatched_examples) < 20:
                s.unmatched_examples.append(e.record.input.decode("utf-8", "replace"))
            if len(s.unmatched_texts) < 1000:
                s.unmatched_texts.setdefault(e.record.text, e.record.stamp)
        elif e.hits[0].pinned or (top := tuple(sorted(index[id(h.message)] for h in e.hits[:e.best]))) != \
                m.patterns[m.pattern_of(top[0])].messages:
            # a stamp's call, those of the sites writing this text that the line fits, or the sites
            # of several templates as specific as each other that the line fits alike
            key = ("stamp", tuple(index[id(h.message)] for h in e.hits[:e.best]) if e.hits[0].pinned else top)
            s.by_stamp[key] += 1
            _times(s, key, e.record.time)
            s.examples.setdefault(key, (e.record.text, e.record.stamp))
        else:
            p = m.pattern_of(top[0])
            s.by_pattern[p] += 1
            _times(s, p, e.record.time)
            s.examples.setdefault(p, (e.record.text, e.record.stamp))
    return s


def check_explained(explainer: Explainer, summary: Summary, paths: Sequence[str | Path], matched: bool = True) -> None:
    """Bad input where nothing can be explained: no line of the daemon at all, or (with
    `matched`) none a message matches."""
    daemon = summary.records - summary.other
    if daemon and (not matched or summary.by_pattern or summary.by_stamp):
        return
    names = ", ".join(str(p) for p in paths)
    label = f"{explainer.project} {explainer.version}" if explainer.version else explainer.project
    if not summary.records:
        raise InputError(f"no line at all in {names}")
    if not daemon:
        raise InputError(f"no line of {label} in {names} ({summary.other} lines of other programs)")
    raise InputError(f"no line of {names} matches a message of {label} ({daemon} lines of {explainer.project}, "
                     f"{summary.other} of other programs)")
