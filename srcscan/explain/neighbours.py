"""The neighbour rule: which of the call sites writing one text is the likeliest, by the line before
of the same process.

A record still attributed to several call sites (one text, or templates with as much literal
text) looks at the nearest earlier record with the same ident, at most NEIGHBOURS records back
(other programs' and other processes' records are passed over, and so are the daemon's records
no message matches). When that record has exactly one call site (by its own line, or by this
rule: records are taken in line order), the candidate that follows that site in its function
(`Explainer.follows`) is the likeliest: a function writes its lines in the order of its calls (a
dump, an error and its detail). Likeliest, not certain: a function that ends well and another
that then fails write the same two lines as the first one failing (keepalived's nftables.c:207
then :292 read as :207 then :229). So the rule orders the per-line answer and never narrows it:
every call site the line fits stays in the answer, and `--summary` counts the set.

The rule looks back across the blocks a file is read in: a `Context` carries the last
NEIGHBOURS records of one block to the next, so that the answer does not depend on where
blocks are cut. Files do not continue each other: each starts with an empty context.
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
    `tail` entries (ident, call sites or None), oldest first, and the physical line number of
    each in `lines`, for the notes."""

    tail: list[Entry] = field(default_factory=list)
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
    several call sites): a record given a likeliest site gets codes[i] = PINNED and pinned[i] =
    (site,) in these working lists (so that the record after it may look back at it). Returns
    record -> (the likeliest site, the index of its line before; negative: `context.tail[t + j]`,
    t entries). Records before the block are read from `context.tail`."""
    tail = context.tail
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
                before = sites
                break
            if t + j < 0:  # the start of the file
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
