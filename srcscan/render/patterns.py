"""Pattern checks -> Markdown, a terminal table, TSV or JSON: per pattern, the messages it
matches in one release, or in two (and the patterns an upgrade leaves matching nothing)."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from srcscan.catalog import Catalog, Message
from srcscan.patterns import PatternMatches
from srcscan.render.common import code, md_text
from srcscan.render.table import plain

PATTERNS_SCHEMA = "srcscan.patterns/1"


def _label(c: Catalog) -> str:
    return f"{c.project} {c.version or c.provenance.location}"


def broken(old: list[PatternMatches], new: list[PatternMatches]) -> list[int]:
    """Indexes of the patterns that match something in the old release and nothing in the new."""
    return [i for i, (a, b) in enumerate(zip(old, new)) if a.messages and not b.messages and not b.error]


def patterns_to_dict(sides: list[tuple[Catalog, list[PatternMatches]]]) -> dict[str, Any]:
    def message(m: Message) -> dict[str, Any]:
        return {"id": m.id, "file": m.file, "line": m.line, "priority": m.priority, "format": m.format}

    out: dict[str, Any] = {"schema": PATTERNS_SCHEMA, "releases": [_label(c) for c, _ in sides], "patterns": []}
    for i, first in enumerate(sides[0][1]):
        out["patterns"].append({"pattern": first.pattern.text, "regex": first.pattern.regex, "kind": first.pattern.kind,
                                "where": first.pattern.where, "error": first.error,
                                "matches": [[message(m) for m in results[i].messages] for _, results in sides]})
    if len(sides) == 2:
        out["broken"] = [sides[0][1][i].pattern.text for i in broken(sides[0][1], sides[1][1])]
    return out


def render_patterns(sides: list[tuple[Catalog, list[PatternMatches]]], fmt: str) -> str:
    """One section per pattern (md), or one row per pattern and message (table, tsv)."""
    if fmt == "tsv":
        rows = [("release", "pattern", "file", "line", "priority", "message")]
        for c, results in sides:
            for r in results:
                rows += [(_label(c), r.pattern.text, m.file, str(m.line), m.priority, m.format) for m in r.messages]
                if not r.messages:
                    rows.append((_label(c), r.pattern.text, "", "", "", r.error or "(no message)"))
        return "".join("\t".join(plain(v) for v in row) + "\n" for row in rows)
    markdown = fmt == "md"
    show = code if markdown else (lambda s: s)
    text = md_text if markdown else (lambda s: s)
    labels = [_label(c) for c, _ in sides]
    out = [("# " if markdown else "") + f"Patterns against {' and '.join(labels)}"]
    counts = [[show(r.pattern.text[:100]), r.pattern.kind] + [str(len(res[i].messages)) if not res[i].error else "?"
                                                                for _, res in sides]
              for i, r in enumerate(sides[0][1])]
    style = "github" if markdown else "simple"
    out.append(tabulate(counts, headers=["pattern", "kind"] + [f"matches in {text(l)}" for l in labels],
                        tablefmt=style, disable_numparse=True))
    if len(sides) == 2:
        gone = broken(sides[0][1], sides[1][1])
        if gone:
            out.append(("## " if markdown else "") + f"Broken by the upgrade ({len(gone)})\n\n"
                       + f"These matched messages of {text(labels[0])} and match nothing in {text(labels[1])}:\n\n"
                       + "\n".join(f"- {show(sides[0][1][i].pattern.text)}" for i in gone))
        else:
            out.append(f"Every pattern that matched in {text(labels[0])} still matches in {text(labels[1])}.")
    for i, first in enumerate(sides[0][1]):
        part = [("## " if markdown else "") + f"Pattern {i + 1}: " + show(first.pattern.text)]
        if first.pattern.regex != first.pattern.text:
            part.append(f"Expanded ({first.pattern.kind}): {show(first.pattern.regex)}")
        for c, results in sides:
            r = results[i]
            if r.error:
                part.append(f"{text(_label(c))}: {text(r.error)}")
                continue
            rows = [[text(f"{m.file}:{m.line}"), m.priority.removeprefix("LOG_"), show(m.format)] for m in r.messages]
            part.append(f"{text(_label(c))}: {len(rows)} {'message' if len(rows) == 1 else 'messages'}"
                        + ("\n\n" + tabulate(rows, headers=["where", "priority", "message"], tablefmt=style,
                                             disable_numparse=True) if rows else ""))
        out.append("\n\n".join(part))
    return "\n\n".join(out) + "\n"
