"""The neighbour rule: call sites writing one text told apart by the line before of the same process.

A record still attributed to several call sites (one text) looks at the nearest earlier record
with the same ident, at most NEIGHBOURS records back (other programs' and other processes'
records are passed over, and so are the daemon's records no message matches). When that record
has exactly one call site (by its own line, or by this rule: records are taken in line order),
the candidate that follows that site in its function (`Explainer.follows`) is taken. A
function writes its lines in the order of its calls: a dump, an error and its detail.

The rule looks back across the blocks a file is read in: a `Context` carries the last
NEIGHBOURS records of one block to the next, so that the answer does not depend on where
blocks (or the chunks of `--jobs N`) are cut. A chunk summarised apart from the one before it
starts in an unknown context: the records whose answer depends on that context are left open
(`Context.open`) and settled when the chunks are merged in file order (run.py), with the same
code. Files do not continue each other: each starts with an empty context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

# Records looked back at for the line before of the same process.
NEIGHBOURS = 32
PINNED = -3  # explain.PINNED: the record's call sites are in `pinned`

Entry = tuple[object, "tuple[int, ...] | None"]  # (ident, call sites; None: a record the rule passes over)


@dataclass
class Context:
    """What the rule knows of the records before a block: the last NEIGHBOURS of them as
    `tail` entries (ident, call sites or None), oldest first; `known` False when nothing is known
    (a chunk summarised apart), and then `open` receives the records (block indexes) whose answer
    waits for the records before the block. `lines` (the per-line path) holds the line number of
    each tail entry, for its notes."""

    tail: list[Entry] = field(default_factory=list)
    known: bool = True
    open: set[int] = field(default_factory=set)
    lines: list[int] = field(default_factory=list)


def entry(codes: Sequence[int], pinned: dict[int, tuple[int, ...]], patterns: Sequence, j: int) -> tuple[int, ...] | None:
    """The call sites of record j (None: no message of the daemon, passed over)."""
    code = codes[j]
    if code == PINNED:
        return pinned[j]
    return patterns[code].messages if code >= 0 else None


def resolve(codes: list[int], pinned: dict[int, tuple[int, ...]], idents: Sequence[object], many: Sequence[int],
            context: Context, patterns: Sequence, follows: Callable[[Sequence[int], int], int | None]
            ) -> dict[int, tuple[int, int]]:
    """Apply the rule to the records `many` (indexes in increasing order, each attributed to
    several call sites): a record it pins gets codes[i] = PINNED and pinned[i] = (site,).
    Returns record -> (the site taken, the index of its line before; negative: `context.tail[t + j]`,
    t entries). Records before the block are read from `context.tail`; in
    an unknown context a record whose answer needs them, or needs an open record, is added to
    `context.open` and left as it is."""
    tail, known, waiting = context.tail, context.known, context.open
    t = len(tail)
    chosen: dict[int, tuple[int, int]] = {}
    memo: dict[tuple[tuple[int, ...], int], int | None] = {}
    for i in many:
        ident = idents[i]
        before: tuple[int, ...] | None = None
        j = 0
        for j in range(i - 1, i - 1 - NEIGHBOURS, -1):
            if j >= 0:
                if idents[j] != ident:
                    continue
                code = codes[j]  # entry(), inline: the loop runs for every record of several sites
                sites = pinned[j] if code == PINNED else patterns[code].messages if code >= 0 else None
                if sites is None:
                    continue
                if j in waiting:
                    waiting.add(i)  # its line before is not settled yet
                else:
                    before = sites
                break
            if t + j < 0:  # the start of the file, or a block whose past is not known
                if not known:
                    waiting.add(i)
                break
            ident_j, sites = tail[t + j]
            if ident_j != ident or sites is None:
                continue
            before = sites
            break
        if before is None or len(before) != 1:
            continue
        own = entry(codes, pinned, patterns, i)
        key = (own, before[0])
        site = memo[key] if key in memo else memo.setdefault(key, follows(own, before[0]))
        if site is not None:
            codes[i], pinned[i] = PINNED, (site,)
            chosen[i] = (site, j)
    return chosen


def carry(context: Context, codes: Sequence[int], pinned: dict[int, tuple[int, ...]], idents: Sequence[object],
          patterns: Sequence, lines: Sequence[int] | None = None) -> None:
    """Put the block's last records after `context.tail` (keeping NEIGHBOURS), for the next block;
    with `lines`, their line numbers after `context.lines`."""
    n = len(codes)
    start = max(0, n - NEIGHBOURS)
    mine = [(idents[j], entry(codes, pinned, patterns, j)) for j in range(start, n)]
    context.tail = (context.tail + mine)[-NEIGHBOURS:]
    if lines is not None:
        context.lines = (context.lines + list(lines[start:n]))[-NEIGHBOURS:]
