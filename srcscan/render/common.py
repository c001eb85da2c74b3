"""Helpers shared by the table-making renderers."""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from tabulate import tabulate

from srcscan.catalog import Message


def cell(text: str, limit: int = 0) -> str:
    """A value safe inside a table cell (GitHub's or a terminal's): line breaks and tabs as
    the escapes C writes them with, `|` escaped."""
    text = text.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r").replace("|", "\\|")
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def code(text: str) -> str:
    if not text:
        return ""
    ticks = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{cell(text)}{pad}{ticks}"


def requires_text(m: Message) -> str:
    if not m.requires:
        return ""
    return " or ".join(" + ".join(alt) if alt else "(default)" for alt in m.requires)


def counts_table(counter: Counter, header: str, fmt: str = "github") -> str:
    rows = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return tabulate(rows, headers=[header, "messages"], tablefmt=fmt)


def count_by(messages: Iterable[Message], key) -> Counter:
    return Counter(key(m) for m in messages)
