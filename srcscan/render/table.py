"""Messages -> a plain terminal table."""

from __future__ import annotations

from tabulate import tabulate

from srcscan.catalog import Message
from srcscan.render.common import cell, requires_text


def render_table(messages: list[Message]) -> str:
    rows = [[f"{m.file}:{m.line}", m.priority.removeprefix("LOG_"), cell(m.format if not m.dynamic else f"<{m.format}>", 160),
             requires_text(m)] for m in messages]
    return tabulate(rows, headers=["where", "pri", "message", "requires"], tablefmt="simple", disable_numparse=True) + "\n"
