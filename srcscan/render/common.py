"""Helpers shared by the table-making renderers."""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

from srcscan.catalog import Message
from srcscan.derivations import ChildStart, FacilityBeforeSetup
from srcscan.model import (CallerGuard, DecidedByCallers, Derivation, FacilityInPriority, GuardAt, Inherited,
                           InProcessWith, LoggedOnlyIf, NotBuilt, NotCalled, NotInProcess, ProcessesFrom, ReachedBy,
                           SeveralOptions,
                           ThroughPointer)


def tabulate(*args, **kwargs) -> str:
    """tabulate.tabulate, imported on first use: a warm query writing TSV never pays for it
    (tabulate's import reads package metadata)."""
    from tabulate import tabulate as _tabulate

    return _tabulate(*args, **kwargs)


def cell(text: str, limit: int = 0) -> str:
    """A value safe inside a table cell (GitHub's or a terminal's): line breaks and tabs as
    the escapes C writes them with, `|` escaped."""
    text = text.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r").replace("|", "\\|")
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


# Characters that start Markdown markup inside a line (emphasis, code, links, raw HTML and
# autolinks, GFM strikethrough and cell borders). CommonMark lets a backslash escape any ASCII
# punctuation, so escaping them always reads back as the same text. `&` starts markup only as
# an entity (`&lt;`), `>` only at the start of a line (which a cell or our headings never are),
# `_` only at the edge of a word (CommonMark: an underscore inside a word never emphasises).
_MARKUP = re.compile(r"[\\`*\[\]<|~]|&(?=#?\w+;)|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md_text(text: str, limit: int = 0) -> str:
    """Plain text safe in a GitHub-flavoured Markdown paragraph, heading or table cell: reads
    back as exactly `text` (line breaks and tabs as \\n and \\t) once rendered.
    `local<N>` stays `local<N>` rather than becoming an HTML tag, `*p` stays unitalic."""
    text = text.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return _MARKUP.sub(lambda m: "\\" + m.group(0), text)


def code(text: str) -> str:
    if not text:
        return ""
    ticks = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{cell(text)}{pad}{ticks}"


def requires_text(m: Message) -> str:
    """The alternatives as `-D or -d + !-t`; "never" when no setting logs it; what srcscan
    could not decide follows as "(uncertain: ...)"."""
    text = " or ".join(" + ".join(alt) if alt else "(default)" for alt in m.requires)
    if m.requires == (("false",),):
        text = "never"
    if m.uncertain:
        text = (text + " " if text else "") + f"(uncertain: {'; '.join(m.uncertain)})"
    return text


def counts_table(counter: Counter, header: str, fmt: str = "github") -> str:
    rows = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    if fmt == "github":
        rows = [(md_text(k), v) for k, v in rows]
    return tabulate(rows, headers=[header, "messages"], tablefmt=fmt)


def count_by(messages: Iterable[Message], key) -> Counter:
    return Counter(key(m) for m in messages)


def derivation_text(d: Derivation) -> str:
    """One derivation as a sentence a reader can check against the source."""
    if isinstance(d, GuardAt):
        return f"lexical guard at {d.file}:{d.line}: {d.text}"
    if isinstance(d, Inherited):
        where = "; ".join(_caller_guard_text(g) for g in d.guards) or "callers guarded further up"
        if d.paths > 1:
            return f"inherited: every call path to {d.function}() passes one of {d.paths} guards ({where})"
        return f"inherited: every call path to {d.function}() passes the guard ({where})"
    if isinstance(d, ThroughPointer):
        return "depends on resolving calls through function pointers"
    if isinstance(d, SeveralOptions):
        return "any one of several options reaching the same value"
    if isinstance(d, LoggedOnlyIf):
        return f"{d.function}() logs only when {d.condition}"
    if isinstance(d, ChildStart):
        return (f"{d.atom}: process {d.process} runs, started by {d.function}() in {d.file}, which is called "
                f"only when {d.condition}")
    if isinstance(d, NotCalled):
        return f"no call path from the program's entry points reaches {d.function}()"
    if isinstance(d, NotBuilt):
        return f"compiled only with {', '.join(d.macros)}, which no build of the project defines"
    if isinstance(d, DecidedByCallers):
        paths = "; ".join(f"{f}:{n} in {c}(): {'never' if r == 'false' else 'always' if r == 'true' else r}"
                          for f, n, c, r in d.paths)
        return f"logged only when {d.condition} in {d.function}(), which its callers decide ({paths})"
    if isinstance(d, NotInProcess):
        return f"not in process {d.process}: {d.why}"
    if isinstance(d, InProcessWith):
        return f"process {d.process} runs it only with {d.option}"
    if isinstance(d, ReachedBy):
        return f"process {d.process} runs it: " + " -> ".join(d.path)
    if isinstance(d, ProcessesFrom):
        if d.kind == "skipped-branch":
            return f"processes: called only where this build's preprocessor skips: {d.where}"
        if d.kind == "platform-branch":
            return f"processes: also those making its calls in a branch only platform checks decide (another build takes it): {d.where}"
        if d.kind == "callers":
            return f"processes: of its calls the parse lost, read from the text: {d.where}"
        return f"processes: reached from no process start; those running the rest of {d.where}"
    if isinstance(d, FacilityInPriority):
        return f"facility {d.facility}: {d.how} (a facility in the priority overrides openlog's)"
    if isinstance(d, FacilityBeforeSetup):
        return (f"facility {d.facility}{' too' if d.also_after else ''}: written "
                f"{'also ' if d.also_after else ''}before {d.setter}() (called at {d.file}:{d.line}) sets the "
                f"facility up, where the options choosing it do not apply yet")
    return d.text


def _caller_guard_text(g: CallerGuard) -> str:
    via = "".join(f" via {f}()" for f in g.via)
    pointer = f", {g.pointer}" if g.pointer else ""
    return f"{g.file}:{g.line} in {g.caller}(){via}{pointer}: {g.text}"
