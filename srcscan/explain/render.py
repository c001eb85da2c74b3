"""Explanations -> JSON (`srcscan.explain/1`), Markdown or a terminal table. Pure: data in, text out."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from tabulate import tabulate

from srcscan.catalog import Message
from srcscan.explain.catalogview import proven_options, proves, proves_text, requires_text
from srcscan.explain.explain import Explainer, Explanation, Summary
from srcscan.render.common import cell, code
from srcscan.render.json import dump

SCHEMA = "srcscan.explain/1"


Sids = Mapping[str, str]  # catalog message id -> stable id (srcscan.history.catalog_sids); may be empty


def message_ref(m: Message, sids: Sids | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": m.id}
    sid = (sids or {}).get(m.id)
    if sid:
        out["sid"] = sid
    out.update({"file": m.file, "line": m.line, "function": m.function, "priority": m.priority, "text": m.format})
    return out


def line_dict(e: Explanation, sids: Sids | None = None) -> dict[str, Any]:
    r = e.record
    return {
        "n": r.n,
        "input": r.input.decode("utf-8", "replace"),
        "form": r.form,
        "text": r.text.decode("utf-8", "replace"),
        "ident": r.ident,
        "pid": r.pid,
        "time": r.time,
        "stamp": {"file": r.stamp.file, "line": r.stamp.line} if r.stamp else None,
        "line_facility": r.facility,
        "line_priority": r.priority,
        "process": list(e.processes),
        "matches": [{**message_ref(h.message, sids), "best": k < e.best, "likely": h.likely, "pinned": h.pinned, "loose": h.loose,
                     "values": h.values,
                     "requires": [list(a) for a in h.message.requires], "proves": requires_text(h.message) or None,
                     "processes": list(h.message.processes), "process_ok": h.process_ok,
                     "facility": list(h.message.facility)}
                    for k, h in enumerate(e.hits)],
        "notes": list(e.notes),
    }


def summary_dict(explainer: Explainer, s: Summary, sids: Sids | None = None) -> dict[str, Any]:
    rows = explainer.rows(s)
    return {
        "records": s.records,
        "daemon_lines": s.records - s.other,
        "matched": sum(n for _, n, _, _ in rows),
        "unmatched": s.unmatched,
        "other": s.other,
        "messages": [{**message_ref(ms[0], sids), "count": n, "first": first or None, "last": last or None,
                      "alternatives": [message_ref(m, sids) for m in ms[1:]], "proves": proves_text(ms) or None}
                     for ms, n, first, last in rows],
        "unmatched_lines": s.unmatched_examples,
        "options": proven_options(proves(ms) for ms, _, _, _ in rows),
    }


def render_json(explainer: Explainer, versions: Sequence[str], lines: Sequence[Explanation] | None,
                summary: Summary, sids: Sids | None = None) -> str:
    """The explain report as JSON; each message names its stable id (`sid`) when `sids` has it."""
    doc: dict[str, Any] = {"schema": SCHEMA, "project": explainer.project, "version": explainer.version,
                           "versions": list(versions)}
    if lines is not None:
        doc["lines"] = [line_dict(e, sids) for e in lines if e.daemon]
    doc["summary"] = summary_dict(explainer, summary, sids)
    return dump(doc)


def _where(m: Message, sids: Sids | None = None) -> str:
    sid = (sids or {}).get(m.id)
    return f"{m.file}:{m.line} {m.function}" + (f" ({sid})" if sid else "")


def _sites(ms: Sequence[Message], sids: Sids | None = None, shown: int = 3) -> str:
    """Messages that a line fits alike, as one cell: one call site as `a.c:1 f`; several (the catalog
    holds a call as several messages when an argument is a ternary) as `one of 3: a.c:1 f or a.c:9 g
    or b.c:4 h`, the first `shown` and how many more."""
    sites = list({(m.file, m.line): m for m in ms}.values())
    out = " or ".join(_where(m, sids) for m in sites[:shown])
    more = f" or {len(sites) - shown} more" if len(sites) > shown else ""
    return (f"one of {len(sites)}: " if len(sites) > 1 else "") + out + more


def _line_rows(lines: Sequence[Explanation], md: bool, sids: Sids | None = None) -> list[list[str]]:
    rows = []
    for e in lines:
        if not e.daemon:
            continue
        text = e.record.text.decode("utf-8", "replace")
        if not e.hits:
            rows.append([str(e.record.n), cell(text, 100), "(no message matches)", "", "", "", ""])
            continue
        h = e.hits[0]
        values = "; ".join(f"{k} = {v}" for k, v in h.values.items())
        alts = len(e.hits) - e.best  # ranked below the answer
        top = [x.message for x in e.hits[:e.best]]
        where = (_sites(top, sids)
                 + (" (likeliest first)" if h.likely else "") + (" (stamp)" if h.pinned else "")
                 + (" (no literal text)" if h.loose else "") + (f" +{alts} alternatives" if alts else ""))
        extra = "; ".join(e.notes)
        rows.append([str(e.record.n), cell(text, 100), code(where) if md else where,
                     h.message.priority.removeprefix("LOG_"), cell(values, 80),
                     ", ".join(e.processes or h.message.processes), (proves_text(top) + (f" ({extra})" if extra else ""))])
    return rows


LINE_HEADERS = ["n", "message", "call site", "pri", "values", "process", "proves"]
SUMMARY_HEADERS = ["count", "first", "last", "call site", "pri", "message", "proves"]


def _summary_rows(explainer: Explainer, s: Summary, md: bool, sids: Sids | None = None) -> list[list[str]]:
    rows = []
    for ms, n, first, last in explainer.rows(s):
        m = ms[0]
        where = _sites(ms, sids)
        rows.append([str(n), first, last, code(where) if md else where, m.priority.removeprefix("LOG_"),
                     cell(m.format, 100), proves_text(ms)])
    return rows


def render_text(explainer: Explainer, versions: Sequence[str], lines: Sequence[Explanation] | None, summary: Summary,
                md: bool, sids: Sids | None = None) -> str:
    """Markdown (md=True) or a terminal table; a call site is followed by its stable id when `sids` has it."""
    fmt = "github" if md else "simple"
    title = f"{explainer.project} {explainer.version or ''}".strip()
    out = [f"# srcscan explain: {title}\n" if md else f"srcscan explain: {title}"]
    if versions:
        out.append(f"Releases holding every matched message: {', '.join(versions)}\n")
    if lines is not None:
        rows = _line_rows(lines, md, sids)
        if rows:
            out.append(tabulate(rows, headers=LINE_HEADERS, tablefmt=fmt, disable_numparse=True) + "\n")
    d = summary_dict(explainer, summary)
    out.append(f"{d['daemon_lines']} lines of {explainer.project}: {d['matched']} matched, {d['unmatched']} matched "
               f"no message; {d['other']} lines of other programs.\n")
    if lines is None:
        rows = _summary_rows(explainer, summary, md, sids)
        if rows:
            out.append((("## Messages\n\n" if md else "")
                        + tabulate(rows, headers=SUMMARY_HEADERS, tablefmt=fmt, disable_numparse=True) + "\n"))
        if summary.unmatched_examples:
            out.append(("## Lines no message matches\n\n" if md else "Lines no message matches:\n")
                       + "\n".join(("- " + code(x)) if md else "  " + x for x in summary.unmatched_examples) + "\n")
    if d["options"]:
        out.append(("Options these lines prove were on: " if md else "Options proven on: ")
                   + ", ".join(code(o) if md else o for o in d["options"]) + "\n")
    return "\n".join(out)
