"""A history index -> the report `srcscan history` prints (JSON data, Markdown, terminal table)."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from srcscan.errors import InputError
from srcscan.history import SHOWN, find_messages, message_events, sid_number, state_at
from srcscan.render.common import cell, code

HISTORY_REPORT_SCHEMA = "srcscan.history-report/1"

def history_report(index: dict[str, Any], chosen: list[str], message: str | None = None) -> dict[str, Any]:
    """The part of the index between the first and last of `chosen`, as plain data.

    Raises InputError (through find_messages) when `message` matches nothing."""
    position = {r["release"]: i for i, r in enumerate(index["releases"])}
    lo, hi = position[chosen[0]], position[chosen[-1]]
    inside = lambda release: release is not None and lo <= position.get(release, -1) <= hi  # noqa: E731
    entries = find_messages(index, message) if message else sorted(index["messages"].values(), key=lambda e: sid_number(e["sid"]))
    messages = []
    for entry in entries:
        if position[entry["first"]] > hi or (entry.get("removed") and position[entry["removed"]] <= lo):
            continue
        events = [e for e in message_events(entry, lambda r: position.get(r, -1)) if inside(e.release)]
        state = state_at(index, entry, chosen[-1])
        # a change only srcscan's reading made is no event of the release: counted beside them
        # (the history spot check of seed 16131 read each listed event as the release's)
        analysis = [{"release": e.release, "fields": list(e.fields)} for e in events if e.kind == "analysis"]
        messages.append({"sid": entry["sid"], "first": entry["first"], "removed": entry.get("removed"),
                         "merged_into": entry.get("merged_into"), "merged_from": entry.get("merged_from", []),
                         "text": state["text"], "file": state["file"], "function": state["function"],
                         "priority": state["priority"], "events": [_event(e) for e in events if e.kind != "analysis"],
                         "analysis_only": analysis})
    if message and not messages:
        raise InputError(f"no message matching {message!r} exists between {chosen[0]} and {chosen[-1]}")
    return {"schema": HISTORY_REPORT_SCHEMA, "project": index["project"], "from": chosen[0], "to": chosen[-1],
            "query": message, "releases": [r for r in index["releases"] if inside(r["release"])],
            "messages": messages}


def _event(e) -> dict[str, Any]:
    out: dict[str, Any] = {"release": e.release, "kind": e.kind}
    if e.kind in ("changed", "analysis"):
        out["fields"] = list(e.fields)
        out["old"] = {k: e.old[k] for f in e.fields if f in SHOWN for k in SHOWN[f]}
        out["new"] = {k: e.new[k] for f in e.fields if f in SHOWN for k in SHOWN[f]}
    elif e.new is not None:
        out["new"] = {k: e.new[k] for k in ("text", "priority", "file", "function", "line", "requires")}
    if e.note:
        out["note"] = e.note
    return out


def render_history_markdown(report: dict[str, Any]) -> str:
    return _render(report, "github", markdown=True)


def render_history_table(report: dict[str, Any]) -> str:
    return _render(report, "simple", markdown=False)


def _render(report: dict[str, Any], fmt: str, markdown: bool) -> str:
    h1, h2 = ("# ", "## ") if markdown else ("", "")
    show = code if markdown else (lambda s: s)
    what = f" (messages matching {report['query']!r})" if report["query"] else ""
    out = [f"{h1}{report['project']} {report['from']} -> {report['to']}: message history{what}"]
    rows = [[r["release"], r["messages"], r["added"], r["removed"], r["reworded"], r["changed"], r["merged"],
             cell(", ".join(f"{k} +{v}" for k, v in r["options_added"].items()), 80)] for r in report["releases"]]
    out.append(f"{h2}Releases\n\n" + tabulate(rows, headers=["release", "messages", "added", "removed", "reworded",
                                                               "changed", "merged", "added, by option"],
                                                tablefmt=fmt, disable_numparse=True))
    rows = []
    for m in report["messages"]:
        for i, e in enumerate(m["events"]):
            head = [m["sid"], show(cell(m["text"], 100))] if i == 0 else ["", ""]
            if e["kind"] in ("changed", "analysis"):
                detail = "; ".join(f"{k}: {_value(e['old'][k], k)} -> {_value(e['new'][k], k)}" for k in e["old"])
            elif e["kind"] in ("added", "merged", "further-text") and "new" in e:
                detail = f"{e['new']['file']}:{e['new']['line']} {e['new']['priority']}"
            else:
                detail = ""
            detail = " ".join(x for x in (detail, f"({e['note']})" if e.get("note") else "") if x)
            rows.append(head + [e["release"], e["kind"], show(cell(detail, 160)) if detail else ""])
    title = f"{h2}Messages ({len(report['messages'])})"
    analysis = sum(len(m.get("analysis_only", ())) for m in report["messages"])
    if analysis:  # not the release's changes: no events
        title += (f"\n\n{analysis} changes of requirements, processes or facility by srcscan's analysis only "
                  "(the code around the calls reads the same) are no events")
    if rows:
        out.append(title + "\n\n" + tabulate(rows, headers=["sid", "message (newest text)", "release", "event", "what"],
                                             tablefmt=fmt, disable_numparse=True))
    else:
        out.append(title + "\n\nNo events in this range.")
    return "\n\n".join(out) + "\n"


def _value(v: Any, key: str = "") -> str:
    if key == "conditions":  # the guards around the call, all of which hold
        return " && ".join(f"({c})" for c in v) or "(none)"
    if isinstance(v, list):
        return " | ".join(" & ".join(x) if isinstance(x, list) else str(x) for x in v) or "(none)"
    return str(v) if v not in ("", None) else "(none)"


def render_history_tsv(report: dict[str, Any]) -> str:
    """One line per event: sid, release, event, changed fields, file, function, newest text
    (tabs and line breaks in texts written as \\t and \\n); for grep, cut and awk."""
    def clean(text: str) -> str:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    lines = ["sid\trelease\tevent\tfields\tfile\tfunction\ttext"]
    for m in report["messages"]:
        for e in m["events"]:
            lines.append("\t".join([m["sid"], e["release"], e["kind"], ",".join(e.get("fields", ())), m["file"],
                                    m["function"], clean(m["text"])]))
    return "\n".join(lines) + "\n"
