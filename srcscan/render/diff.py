"""DiffResult -> Markdown (summary, then one section per kind) or a terminal table."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tabulate import tabulate

from srcscan.catalog import Catalog, Message
from srcscan.diff import Change, DiffResult
from srcscan.render.common import cell, code, md_text, requires_text


def render_diff_markdown(d: DiffResult, moves: bool = False, sids: dict[str, dict[str, str]] | None = None) -> str:
    """Markdown; `sids` ({"old"|"new": {id: sid}}, from a history index) adds a sid column."""
    return _render(d, moves, "github", markdown=True, sids=sids or {})


def _label(c: Catalog) -> str:
    """The version, or for a tree given by path (no version) the tree's directory name."""
    return c.version or Path(c.provenance.location.rstrip("/")).name or "?"


def render_diff_table(d: DiffResult, moves: bool = False, sids: dict[str, dict[str, str]] | None = None) -> str:
    return _render(d, moves, "simple", markdown=False, sids=sids or {})


def _render(d: DiffResult, moves: bool, fmt: str, markdown: bool, sids: dict[str, dict[str, str]]) -> str:
    h2, h3 = ("## ", "### ") if markdown else ("", "")
    show = code if markdown else (lambda s: s)
    title = f"{d.old.project} {_label(d.old)} -> {_label(d.new)}: log message changes"
    out = [("# " if markdown else "") + title]
    if not d.differs and not (moves and d.moved):
        out.append(f"No differences in {len(d.new.messages)} messages"
                   + (f" ({len(d.moved)} moved lines; --moves shows them)." if d.moved and not moves else "."))
        return "\n\n".join(out) + "\n"
    analysis = sum(1 for c in d.changed if not c.release_fields and not c.runtime_only)
    runtime = sum(1 for c in d.changed if not c.release_fields and c.runtime_only)
    variants, gone = d.variants, d.gone_variants
    new_sites = d.new_sites
    reworded = d.reworded_sites
    sited = {id(m) for m, _ in new_sites} | {id(m) for m, _, _ in reworded}
    added = tuple(m for m in d.added if m not in variants and id(m) not in sited)
    gone_sites = d.gone_sites
    unsited = {id(m) for m, _ in gone_sites}
    removed = tuple(m for m in d.removed if m not in gone and id(m) not in unsited)
    summary = [["added", len(added)], ["new call sites of existing messages", len(new_sites)],
               ["new call sites rewording a message still written", len(reworded)],
               ["further texts of a paired or added call site", len(variants)],
               ["removed", len(removed)], ["removed call sites of messages still written", len(gone_sites)],
               ["further texts of a paired or removed call site", len(gone)],
               ["changed", len(d.changed) - analysis - runtime],
               ["merged into one (N -> 1)", len(d.merged)],
               ["changed by srcscan's analysis only", analysis],
               ["changed in runtime tests only", runtime], ["moved (another line, function or file only)", len(d.moved)]]
    out.append(f"{h2}Summary\n\n" + tabulate(summary, headers=["kind", "messages"], tablefmt=fmt))
    kinds = Counter(f for c in d.changed for f in c.fields)
    if kinds:
        out.append(f"{h3}Changed, by kind of change\n\n" + tabulate(
            sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])), headers=["field", "messages"], tablefmt=fmt))
    out.append(f"{h3}By file\n\n" + _by_file(d, fmt))
    if added:
        out.append(f"{h2}Added ({len(added)})\n\n" + _messages(added, fmt, show, sids.get("new")))
    if new_sites:
        out.append(f"{h2}New call sites of existing messages ({len(new_sites)})\n\n"
                   "A new call of a message the old release wrote\n(where it wrote it): not a new message.\n\n"
                   + _table([[f"{m.file}:{m.line}", show(m.function), show(cell(_fmt(m), 160)), f"{o.file}:{o.line}"]
                             for m, o in new_sites], ["where", "function", "message", "written before at"], fmt,
                            keep=(0, 3)))
    if reworded:
        out.append(f"{h2}New call sites rewording a message still written ({len(reworded)})\n\n"
                   "A new call saying in other words what an old message said, which the new release still writes "
                   "(where it writes it): not a new message.\n\n"
                   + _table([[f"{m.file}:{m.line}", show(m.function), show(cell(_fmt(m), 160)),
                              show(cell(_fmt(a), 160)), f"{b.file}:{b.line}"] for m, a, b in reworded],
                            ["where", "function", "message", "rewords", "still written at"], fmt, keep=(0, 4)))
    if variants:
        out.append(f"{h2}Further texts of a paired or added call site ({len(variants)})\n\n"
                   "Another text of a call whose message is paired, or whose first text is under Added (a choice "
                   "between texts, a helper's constant): no call site of its own.\n\n"
                   + _messages(variants, fmt, show, sids.get("new")))
    if removed:
        out.append(f"{h2}Removed ({len(removed)})\n\n" + _messages(removed, fmt, show, sids.get("old")))
    if gone_sites:
        out.append(f"{h2}Removed call sites of messages still written ({len(gone_sites)})\n\n"
                   "A call the new release dropped of a message it still writes (where it writes it): "
                   "not a removed message.\n\n"
                   + _table([[f"{m.file}:{m.line}", show(m.function), show(cell(_fmt(m), 160)), f"{b.file}:{b.line}"]
                             for m, b in gone_sites], ["where", "function", "message", "still written at"], fmt,
                            keep=(0, 3)))
    if gone:
        out.append(f"{h2}Further texts of a paired or removed call site ({len(gone)})\n\n"
                   "Another text of a call whose message is paired (a constant no caller hands it any more, a "
                   "name now built at run time), or whose first text is under Removed.\n\n"
                   + _messages(gone, fmt, show, sids.get("old")))
    release = tuple(c for c in d.changed if c.release_fields)
    runtime_only = tuple(c for c in d.changed if not c.release_fields and c.runtime_only)
    analysis_only = tuple(c for c in d.changed if c not in release and c not in runtime_only)
    if release:
        out.append(f"{h2}Changed ({len(release)})\n\n" + _changes(release, fmt, show, sids.get("old")))
    if d.merged:
        rows = [[f"{m.new.file}:{m.new.line}", show(cell(_fmt(m.new), 120)),
                 "<br>".join(show(cell(_fmt(o), 100)) + f" ({o.file}:{o.line})" for o in m.olds) if markdown
                 else "; ".join(f"{_fmt(o)} ({o.file}:{o.line})" for o in m.olds)] for m in d.merged]
        out.append(f"{h2}Merged into one message ({len(d.merged)})\n\n"
                   + _table(rows, ["where (new)", "message", "old messages"], fmt))
    if analysis_only:
        out.append(f"{h2}Changed by srcscan's analysis only ({len(analysis_only)})\n\n"
                   "The conditions around these calls read the same in both releases: the difference is in "
                   "how srcscan derived them, not in the daemon.\n\n" + _changes(analysis_only, fmt, show, sids.get("old")))
    if runtime_only:
        out.append(f"{h2}Changed in runtime tests no setting controls only ({len(runtime_only)})\n\n"
                   "The release added or dropped only tests of whether a call with fixed arguments succeeded "
                   "(a library's set-up): the same settings log these messages in both releases.\n\n"
                   + _changes(runtime_only, fmt, show, sids.get("old")))
    if moves and d.moved:
        rows = [[c.new.file, f"{c.old.line} -> {c.new.line}",
                 show(_fmt(c.new)) + "".join(f" (note: {show(n)})" for n in c.notes)] for c in d.moved]
        out.append(f"{h2}Moved ({len(d.moved)})\n\n" + _table(rows, ["file", "line", "message"], fmt, keep=(0, 1)))
    elif d.moved:
        out.append(f"{len(d.moved)} messages only moved to another line, function or file (--moves lists them).")
    return "\n\n".join(out) + "\n"


def _table(rows: list, headers: list[str], fmt: str, keep: tuple[int, ...] = (0,)) -> str:
    """tabulate for Markdown; on a terminal ("simple"), fitted to its width (render/table.py)."""
    if fmt == "simple":
        from srcscan.render.table import fitted_table

        return fitted_table([[str(c) for c in r] for r in rows], headers, keep=keep)
    return tabulate(rows, headers=headers, tablefmt=fmt, disable_numparse=True)


def _by_file(d: DiffResult, fmt: str) -> str:
    counts: dict[str, Counter] = {}
    for kind, items in (("added", [m.file for m in d.added]), ("removed", [m.file for m in d.removed]),
                        ("changed", [c.new.file for c in d.changed])):
        for f in items:
            counts.setdefault(f, Counter())[kind] += 1
    rows = [[f, c["added"], c["removed"], c["changed"]] for f, c in
            sorted(counts.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))]
    return _table(rows, ["file", "added", "removed", "changed"], fmt, keep=(1, 2, 3))


def _fmt(m: Message) -> str:
    return f"<{m.format}>" if m.dynamic else m.format


def _messages(messages: tuple[Message, ...], fmt: str, show, sids: dict[str, str] | None = None) -> str:
    text = md_text if show is code else cell
    rows = [[f"{m.file}:{m.line}", show(m.function), m.priority.removeprefix("LOG_"), show(cell(_fmt(m), 160)),
             text(requires_text(m))] + ([sids.get(m.id, "")] if sids else []) for m in messages]
    return _table(rows, ["where", "function", "priority", "message", "requires"] + (["sid"] if sids else []), fmt,
                  keep=(0, 2, 5))


def _side(m: Message, field: str) -> str:
    return {
        "template": _fmt(m),
        "priority": m.priority,
        "call": m.call,
        "requires": requires_text(m) or "(none)",
        "facility": ", ".join(m.facility) + ("; " + ", ".join(f"{k}: {v}" for k, v in m.facility_with) if m.facility_with else ""),
        "processes": ", ".join(m.processes),
        "build": m.build or "(always)",
        "location": f"{m.file} {m.function}()",
        "conditions": " && ".join(f"({c})" for c in m.conditions) or "(none)",
    }[field]


def _changes(changes: tuple[Change, ...], fmt: str, show, sids: dict[str, str] | None = None) -> str:
    rows = []
    for c in changes:
        for i, field in enumerate(c.fields):
            where = f"{c.new.file}:{c.new.line}" if i == 0 else ""
            closeness = f"{c.similarity:.2f}" if field == "template" and c.similarity < 1 else ""
            row = [where, _priority(c) if i == 0 else "", field, show(cell(_side(c.old, field), 120)),
                   show(cell(_side(c.new, field), 120)), closeness]
            rows.append(row + ([sids.get(c.old.id, "") if i == 0 else ""] if sids else []))
    return _table(rows, ["where (new)", "priority", "field", "old", "new", "closeness"] + (["sid"] if sids else []),
                  fmt, keep=(0, 1, 2, 5, 6))


def _priority(c: Change) -> str:
    """The new side's priority, or old -> new when it changed."""
    old, new = (m.priority.removeprefix("LOG_") for m in (c.old, c.new))
    return new if old == new else f"{old} -> {new}"


def render_diff_tsv(d: DiffResult, moves: bool = False) -> str:
    """One line per added, removed, changed (one per changed field) or, with `moves`, moved
    message: kind, file, line, priority, field, old, new; for grep, cut and awk."""
    from srcscan.render.table import plain

    lines = [("kind", "file", "line", "priority", "field", "old", "new")]
    lines += [("added", m.file, str(m.line), m.priority, "", "", _fmt(m)) for m in d.added]
    gone = set(map(id, d.gone_variants))
    lines += [("removed" if id(m) not in gone else "gone-text", m.file, str(m.line), m.priority, "", _fmt(m), "")
              for m in d.removed]
    lines += [("changed" if c.release_fields else "runtime" if c.runtime_only else "analysis", c.new.file, str(c.new.line),
               c.new.priority, f, _side(c.old, f), _side(c.new, f)) for c in d.changed for f in c.fields]
    if moves:
        lines += [("moved", c.new.file, str(c.new.line), c.new.priority, "line", str(c.old.line), str(c.new.line))
                  for c in d.moved]
    return "".join("\t".join(plain(v) for v in line) + "\n" for line in lines)
