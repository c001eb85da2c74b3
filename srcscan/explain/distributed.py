"""srcscan explain on a Dask cluster: files read with dask.bag, one partition per file.

Each worker receives the Explainer (its Hyperscan database serialized, not recompiled),
reads its file's lines as Latin-1 text (a byte-for-byte round trip) and returns the file's
explanations and summary; the client merges them in file order, so the result equals the
single-process run. A file is one partition because records may span lines (and gzip cannot
be split). Needs the `dask` extra: `pip install srcscan[dask]`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from srcscan.errors import InputError
from srcscan.explain.explain import Explainer, Explanation, Summary
from srcscan.explain.blocks import BlockReader
from srcscan.explain.lines import GZIP_MAGIC, looks_binary, read_records


def explain_partition(lines: Sequence[str], explainer: Explainer, summary_only: bool) -> list:
    """One file's lines (Latin-1 text) -> [(explanations or None, summary)]."""
    from srcscan.explain.run import summary_of

    raw = [line.encode("latin-1") for line in lines]
    if summary_only:
        reader = BlockReader()
        block = reader.read(raw)
        return [(None, explainer.summarise_block(block).merge(explainer.summarise_block(reader.finish())))]
    records = list(read_records(raw))
    done = explainer.explain(records)
    return [(done, summary_of(explainer, done))]


def explain_on_dask(explainer: Explainer, paths: Sequence[str | Path], summary_only: bool, address: str,
                    ) -> tuple[list[Explanation] | None, Summary]:
    """The same answer as run.explain_files, computed on the scheduler at `address`."""
    try:
        import dask.bag as db
        from dask.distributed import Client
    except ImportError:
        raise InputError("--dask needs Dask: pip install 'srcscan[dask]'") from None
    if any(str(p) == "-" for p in paths):
        raise InputError("--dask reads files, not standard input")
    bags = []
    for p in paths:
        with open(p, "rb") as f:
            head = f.read(8192)
        if looks_binary(head) and not head.startswith(GZIP_MAGIC):
            raise InputError(f"{p}: a binary file, not a log")
        bags.append(db.read_text(str(Path(p).resolve()), encoding="latin-1", blocksize=None,
                                 compression="gzip" if head.startswith(GZIP_MAGIC) else None))
    bag = db.concat(bags).map_partitions(explain_partition, explainer, summary_only)
    try:
        with Client(address, timeout="30s") as client:
            parts = client.compute(bag).result()
    except OSError as exc:
        raise InputError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    lines: list[Explanation] | None = None if summary_only else []
    total = Summary()
    for done, summary in parts:
        if lines is not None:
            lines.extend(done)
        total = total.merge(summary)
    return lines, total
