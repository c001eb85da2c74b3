"""Messages -> a terminal table fitted to the terminal's width, or tab-separated values.

The table keeps `where` (file:line) whole, since that is what a reader looks up, and wraps
the message and its requirements into the columns left; a column that still cannot fit is
trimmed with an ellipsis. TSV has one line per message and a header, for grep, cut and awk.
"""

from __future__ import annotations

import shutil
import textwrap


from srcscan.catalog import Message
from srcscan.render.common import requires_text, tabulate

MIN_WIDTH = 40  # narrower terminals get this width (and lines that wrap)
GAP = 2  # tabulate's "simple" format puts two spaces between columns
PAD = 2  # and makes a column at least its header plus two wide (tabulate.MIN_PADDING)


def terminal_width() -> int:
    """Columns of the terminal (COLUMNS when set, as shutil.get_terminal_size reads it), 80 otherwise."""
    return max(MIN_WIDTH, shutil.get_terminal_size((80, 24)).columns)


def plain(text: str) -> str:
    """A value on one line: line breaks and tabs as the escapes C writes them with."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def _message(m: Message) -> str:
    return plain(m.format if not m.dynamic else f"<{m.format}>")


def render_table(messages: list[Message], width: int | None = None) -> str:
    """One row per message: where, pri, message, requires; no line longer than `width`
    (default: the terminal's) unless a single file:line is longer than that. When the row does
    not fit, `requires` gets at most a third of the room the message and it share."""
    rows = [[f"{m.file}:{m.line}", m.priority.removeprefix("LOG_"), _message(m), requires_text(m)] for m in messages]
    return fitted_table(rows, ["where", "pri", "message", "requires"], width, keep=(0, 1), share={3: 1 / 3},
                        escape=False) + "\n"


def _wrap(text: str, width: int, lines: int = 4) -> str:
    """At most `lines` lines of at most `width` characters; the rest trimmed with an ellipsis."""
    if not text or width <= 0:
        return ""
    wrapped = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = _fit(wrapped[-1] + " …", width)
    return "\n".join(wrapped)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def fitted_table(rows: list[list[str]], headers: list[str], width: int | None = None,
                 keep: tuple[int, ...] = (0,), share: dict[int, float] | None = None, escape: bool = True) -> str:
    """Any terminal table ("simple" format) no wider than `width` (default: the terminal's):
    the columns in `keep` (by index; e.g. where, priority) stay whole, the others share what is
    left, the narrowest keeping their natural width while it is under an equal share, each
    wrapped to at most four lines and trimmed with an ellipsis beyond. `share` caps a column
    (by index) at that fraction of what is left when the row does not fit. Columns with
    nothing in them are dropped. `escape`: cells on one line get C's escapes for line breaks
    and tabs (`plain`); False when the caller's cells are already plain. Returns the table
    without a final newline."""
    width = width or terminal_width()
    cells = [[plain(str(c)) if escape and "\n" not in str(c) else str(c) for c in row] for row in rows]
    empty = [i for i in range(len(headers)) if i and not any(i < len(r) and r[i] for r in cells)]
    share = dict(share or {})
    if empty:  # a column with nothing in it (closeness when no text changed) only costs width
        headers = [h for i, h in enumerate(headers) if i not in empty]
        cells = [[c for i, c in enumerate(r) if i not in empty] for r in cells]
        keep = tuple(k - sum(1 for e in empty if e < k) for k in keep if k not in empty)
        share = {k - sum(1 for e in empty if e < k): f for k, f in share.items() if k not in empty}
    n = len(headers)
    natural = [max([len(headers[i]) + PAD] + [max(map(len, r[i].split("\n"))) for r in cells if i < len(r)])
               for i in range(n)]
    fixed = sum(natural[i] for i in keep if i < n) + GAP * (n - 1)
    free = [i for i in range(n) if i not in keep]
    room = max(width - fixed, sum(len(headers[i]) + PAD for i in free))
    want = sum(natural[i] for i in free)
    widths = list(natural)
    if want > room:
        # the narrowest free columns keep their natural width while it is under their share
        limit = list(natural)
        for i, fraction in share.items():
            limit[i] = max(len(headers[i]) + PAD, min(natural[i], int(room * fraction)))
        left, pending = room, sorted(free, key=lambda i: limit[i])
        while pending:
            equal = left // len(pending)
            i = pending.pop(0)
            widths[i] = max(len(headers[i]) + PAD, min(limit[i], equal))
            left -= widths[i]
    fitted = [[c if i in keep or widths[i] >= natural[i] else _wrap(c.replace("\n", " "), widths[i])
               for i, c in enumerate(r)] for r in cells]
    return tabulate(fitted, headers=headers, tablefmt="simple", disable_numparse=True)


TSV_COLUMNS = ("file", "line", "function", "priority", "processes", "facility", "requires", "build", "message")


def render_tsv(messages: list[Message], change: str = "", header: bool = True) -> str:
    """Tab-separated: a header line, then one line per message; tabs and line breaks inside a
    value written as \\t and \\n. With `change` (a query's "appears" or "taken away"), a first
    column says which side of the question each line is on."""
    def values(m: Message) -> list[str]:
        return [m.file, str(m.line), m.function, m.priority.removeprefix("LOG_"), ",".join(m.processes),
                ",".join(m.facility), requires_text(m), m.build, m.format if not m.dynamic else f"<{m.format}>"]

    lead = ["change"] if change else []
    lines = ["\t".join(lead + list(TSV_COLUMNS))] if header else []
    lines += ["\t".join(([change] if change else []) + [plain(v) for v in values(m)])
              for m in messages]
    return "".join(line + "\n" for line in lines)
