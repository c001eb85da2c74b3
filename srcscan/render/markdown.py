"""Catalog -> Markdown for a person: summary counts, then messages by source file."""

from __future__ import annotations

from itertools import groupby
from typing import Callable

from srcscan.analyze.settings import needs
from srcscan.catalog import Catalog, Message
from srcscan.devpackages import dev_package
from srcscan.render.common import code, count_by, counts_table, md_text, requires_text, tabulate
from srcscan.sections import CoverageReport


def render_markdown(catalog: Catalog, with_options: tuple[str, ...] = (),
                    missing: dict[str, tuple[str, ...]] | None = None) -> str:
    """The report for a person; `with_options` (the run's --with) is named in its header;
    `missing` (file -> headers it includes that this machine lacks) explains parse problems."""
    parts = [_title(catalog, with_options), _summary(catalog)]
    parts += [section(catalog) for section in MARKDOWN_SECTIONS]
    parts += [_messages(catalog), _problems(catalog, missing or {})]
    return "\n\n".join(p for p in parts if p).rstrip() + "\n"


def _title(c: Catalog, with_options: tuple[str, ...] = ()) -> str:
    p = c.provenance
    ref = p.commit or p.sha256 or ""
    where = md_text(p.location) + (f" @ {md_text(p.ref)}" if p.ref else "") + (f" ({ref[:12]})" if ref else "")
    run = ("As run with " + ", ".join(code(w) for w in with_options) + " (`--with`): messages it rules out are "
           "left out, facilities are those it gives." if with_options else
           "As run with default options (no `--with`).")
    return (f"# {md_text(c.project)} {md_text(c.version or '')} — log messages\n\n"
            f"Source ({md_text(p.provider)} provider): {where}  \n{run}  \n"
            f"Rules sha256: `{c.rules_sha256[:16]}` · srcscan {c.srcscan_version} · "
            f"{len(c.messages)} messages in {len({m.file for m in c.messages})} files")


def _summary(c: Catalog) -> str:
    by_priority = counts_table(count_by(c.messages, lambda m: m.priority or "?"), "priority")
    by_call = counts_table(count_by(c.messages, lambda m: m.call), "log function")
    by_file = counts_table(count_by(c.messages, lambda m: m.file), "file")
    dynamic = sum(1 for m in c.messages if m.dynamic)
    return ("## Summary\n\n"
            f"{dynamic} {'message has' if dynamic == 1 else 'messages have'} a format that is not a literal "
            "(shown as the expression).\n\n"
            f"### By priority\n\n{by_priority}\n\n### By log function\n\n{by_call}\n\n### By file\n\n{by_file}")


def _row(m: Message) -> list[str]:
    return [
        str(m.line),
        code(m.function),
        m.priority.removeprefix("LOG_"),
        code(m.format if not m.dynamic else f"<{m.format}>"),
        md_text(requires_text(m)),
        md_text(", ".join(m.processes)),
        md_text(", ".join(m.facility) + "".join(f"; {o}: {f}" for o, f in m.facility_with)),
        code(m.build),
        ("read from the text; " if m.extracted == "text" else "") + code(_trim(" && ".join(m.conditions), 120)),
    ]


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


HEADERS = ["line", "function", "priority", "message", "requires", "processes", "facility", "build", "conditions"]


def message_table(messages: list[Message]) -> str:
    rows = [_row(m) for m in messages]
    used = [i for i, h in enumerate(HEADERS) if i < 4 or any(r[i] for r in rows)]
    return tabulate([[r[i] for i in used] for r in rows], headers=[HEADERS[i] for i in used],
                    tablefmt="github", disable_numparse=True)


def _messages(c: Catalog) -> str:
    out = ["## Messages by file"]
    for file, group in groupby(c.messages, key=lambda m: m.file):
        out.append(f"### {md_text(file)}\n\n{message_table(list(group))}")
    return "\n\n".join(out)


def _problems(c: Catalog, lacking: dict[str, tuple[str, ...]]) -> str:
    """Files parsed with errors, what that means for the catalog (coverage says whether their
    messages were found anyway), and the causes grouped, most files first."""
    bad = [f for f in c.files if f.failed or f.errors]
    if not bad:
        return ""
    cov = c.sections.coverage
    missing: dict[str, int] = {}
    for n in cov.not_covered if cov is not None else ():
        if n.status == "missing":
            missing[n.file] = missing.get(n.file, 0) + 1
    found = {f: sum(1 for m in c.messages if m.file == f) for f in {b.path for b in bad}}
    affected = sum(missing.get(f.path, 0) for f in bad)
    intro = (f"{len(bad)} of {len(c.files)} files were parsed with errors. A parse error means libclang could not "
             "make sense of some declaration with this machine's headers and the rules' build profile, almost always "
             "because a header or macro that `configure` or an optional library's `-dev` package provides is missing. "
             "srcscan reads every function libclang could still build, so a file with errors is not a file without "
             "messages: ")
    if cov:
        intro += (f"the coverage check (a plain token scan of every log call, see Build coverage) finds "
                  f"{affected} call {'site' if affected == 1 else 'sites'} in these files missing from the catalog; "
                  "every other log call in them is listed above. The `missing` column counts them per file.")
    else:
        intro += "their messages are listed above; the catalog has no coverage check to say which are missing."
    causes: dict[str, list[str]] = {}
    for f in bad:
        # An error in a shared header reads the same from every file including it: one cause.
        causes.setdefault(f.failed or f.first_error, []).append(f.path)
    cause_rows = [[md_text(cause, 120), str(len(files)), md_text(", ".join(files[:4]) + (" ..." if len(files) > 4 else ""))]
                  for cause, files in sorted(causes.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    rows = [[md_text(f.path), md_text(f.failed or ""), str(f.errors), str(found.get(f.path, 0)),
             str(missing.get(f.path, 0)), md_text(f.first_error, 100)] for f in bad]
    return ("## Parse problems\n\n" + intro + "\n\n### Causes\n\n"
            + tabulate(cause_rows, headers=["first error", "files", "for example"], tablefmt="github",
                       disable_numparse=True)
            + "\n\n### Files\n\n"
            + tabulate(rows, headers=["file", "failed", "errors", "messages found", "missing", "first error"],
                       tablefmt="github", disable_numparse=True) + _packages(lacking))


def _packages(missing: dict[str, tuple[str, ...]]) -> str:
    """Which -dev packages would give these files the headers they include and this machine lacks."""
    by_package: dict[str, set[str]] = {}
    headers: dict[str, set[str]] = {}
    for path, names in missing.items():
        for name in names:
            package = dev_package(name) or "(unknown package)"
            by_package.setdefault(package, set()).add(path)
            headers.setdefault(package, set()).add(name)
    if not by_package:
        return ""
    rows = [[md_text(p), md_text(", ".join(sorted(headers[p])[:3]) + (" ..." if len(headers[p]) > 3 else "")),
             str(len(files)), md_text(", ".join(sorted(files)[:3]) + (" ..." if len(files) > 3 else ""))]
            for p, files in sorted(by_package.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    return ("\n\n### What would remove them\n\nThese files include headers this machine does not have "
            "(srcscan parsed them with empty stand-ins; includes are read as written, in whatever `#if`). Installing the package (Debian names) and running "
            "again parses them with the real declarations; headers a build generates (a parser's tokens) "
            "or another system's are not installable.\n\n"
            + tabulate(rows, headers=["package", "headers", "files", "for example"], tablefmt="github",
                       disable_numparse=True))


def _options(c: Catalog) -> str:
    """Which options gate how many messages: the answer to "what does -D add" at a glance."""
    rows = []
    for o in c.sections.options or ():
        names = set(o.names)
        gated = [m for m in c.messages
                 if any(any(a.lstrip("!").split(">=")[0].split("==")[0] in names for a in alt) for alt in m.requires)]
        if gated:
            only = sum(1 for m in gated if all(any(not a.startswith("!") and a.split(">=")[0].split("==")[0] in names
                                                   for a in alt) for alt in m.requires))
            rows.append([md_text(", ".join(o.names)), o.kind, str(len(gated)), str(only)])
    if not rows:
        return ""
    rows.sort(key=lambda r: (-int(r[2]), r[0]))
    return ("## Options\n\nOptions whose guards decide whether messages appear (`srcscan query --adds OPTION` "
            "lists them).\n\n" + tabulate(rows, headers=["option", "kind", "messages involved", "appear only with it"],
                                          tablefmt="github", disable_numparse=True))


def _option_sections(c: Catalog) -> str:
    """One section per option: the messages it adds (what `query --adds OPTION` prints)."""
    out = []
    for o in c.sections.options or ():
        if o.means:
            continue  # a child's start: the process table's legend says what it stands for
        added = [m for m in c.messages if needs(m.requires, set(o.names))]
        if not added:
            continue
        rows = [[md_text(f"{m.file}:{m.line}"), code(m.function), m.priority.removeprefix("LOG_"), code(m.format),
                 md_text(requires_text(m))] for m in added]
        appear = "message appears" if len(added) == 1 else "messages appear"
        out.append(f"### What {md_text(' / '.join(o.names))} adds\n\n{len(added)} {appear} only with it "
                   f"(or one of its alternatives).\n\n"
                   + tabulate(rows, headers=["where", "function", "priority", "message", "requires"],
                              tablefmt="github", disable_numparse=True))
    return "## What each option adds\n\n" + "\n\n".join(out) if out else ""


def _processes(c: Catalog) -> str:
    """Processes, their syslog ident and facility: what to put in rsyslog.conf."""
    procs = c.sections.processes
    if not procs:
        return ""
    rows = [[p.name, code(p.start + "()"), code(p.file + (f":{p.fork_line}" if p.fork_line else "")),
             md_text(", ".join(p.idents) or "?"), code(p.facility_expression), md_text(", ".join(p.facility)),
             md_text("; ".join(f"{o}: {v}" for o, v in p.facility_with)), str(p.messages)]
            for p in procs]
    logging = c.sections.logging
    starts = [o for o in c.sections.options or () if o.means]  # analyze.childstarts
    legend = "".join(f"- {code(o.name)} in `requires`: process {md_text(o.name[1:])} is started, which needs "
                     f"{code(o.means)}.\n" for o in starts)
    note = ""
    if logging is not None and logging.destination != "syslog":
        note = (f"Messages go to the {logging.destination} by default, and to syslog with "
                f"`{logging.syslog_option}`.\n\n")
    return ("## Processes and syslog facilities\n\n" + note
            + tabulate(rows, headers=["process", "starts in", "where", "ident", "facility expression",
                                      "facility", "changed by", "messages"], tablefmt="github", disable_numparse=True)
            + (f"\n\nChild processes started only under a condition:\n\n{legend}" if legend else ""))


def coverage_section(c: Catalog) -> str:
    """How many of the log call sites a plain token scan finds the catalog holds, and why the others are missing."""
    cov = c.sections.coverage
    if cov is None:
        return ""
    parts = ["## Build coverage",
             f"A plain token scan finds {cov.sites} call sites of the log functions; the catalog holds "
             f"{cov.parsed} ({100 * cov.coverage:.1f} %), {100 * cov.coverage_reachable:.1f} % of the "
             f"{cov.reachable} that some build compiles. The `build` column of the messages gives the preprocessor "
             f"condition around each call. Counted: {cov.token_scan}."]
    if cov.text is not None and cov.text.read_from_text:
        parts.append(f"{cov.text.read_from_text} more are read from the source text (branches this machine's headers "
                     f"or libclang left out; marked \"read from the text\"): {100 * cov.text.coverage_with_text:.1f} % "
                     f"of the token scan, {100 * cov.text.coverage_outside_if0:.1f} % of the "
                     f"{cov.sites - cov.text.in_if0} outside `#if 0` blocks.")
    if cov.compile_commands is not None:
        cc = cov.compile_commands
        parts.append(f"This catalog describes one build: the {cc.files} files of `{cc.path}`, with their flags."
                     + (f" Files it lists outside the tree (skipped): {', '.join(cc.outside_tree)}."
                        if cc.outside_tree else ""))
    parts.append(coverage_table(cov, "github").rstrip())
    if cov.profiles:
        rows = [[code(p.name), str(len(p.files)), str(p.sites), md_text(", ".join(p.files), 160)]
                for p in cov.profiles]
        parts.append("### Extra profiles\n\nThe default profile, plus these macros, parsing only these files.\n\n"
                     + tabulate(rows, headers=["profile", "files", "call sites", "parsed"], tablefmt="github",
                                disable_numparse=True))
    if cov.not_covered:
        rows = [[md_text(n.file), str(n.line), code(n.call), code(n.build),
                 md_text(n.status + (" (read from the text)" if n.read_from_text else "")),
                 md_text(n.reason, 200)]
                for n in cov.not_covered]
        parts.append("### Not covered\n\n" + tabulate(rows, headers=["file", "line", "call", "build", "status", "reason"],
                                                       tablefmt="github", disable_numparse=True))
    by_class = dict(cov.macro_counts)
    counts = ", ".join(f"{by_class[cls]} {cls.replace('_', ' ')}"
                       for cls in ("feature", "platform", "compiler", "header_guard", "tree", "other") if cls in by_class)
    parts.append(f"### Macros the tree tests\n\n{counts}. Feature switches the default profile turns on: "
                 + (", ".join(code(m) for m in cov.features_turned_on) or "none") + ".")
    return "\n\n".join(parts)


def coverage_table(cov: CoverageReport | None, fmt: str = "simple") -> str:
    """The coverage numbers as a two-column table."""
    if cov is None:
        return "no coverage report\n"
    rows = [["call sites found by the token scan", cov.sites],
            ["parsed with the default profile", cov.parsed_default_profile],
            [f"parsed with one of {len(cov.profiles)} extra profiles", cov.parsed_extra_profiles],
            ["not reachable in any build (#if 0, contradictions, fixed by headers)", cov.unreachable],
            ["missing (reachable, not parsed)", cov.missing],
            ["file parses for extra profiles", cov.files_reparsed]]
    return tabulate(rows, headers=["", "count"], tablefmt=fmt, disable_numparse=True) + "\n"


def unreachable_section(c: Catalog) -> str:
    """Call sites left out of the messages because no process can ever run them (the
    `unreachable` section the processes analysis writes: a callback stored where nothing calls
    it, a function only dead code reaches), each with the reason."""
    gone = c.sections.unreachable or ()
    if not gone:
        return ""
    rows = [[md_text(f"{u.file}:{u.line}"), code(u.function), code(u.format), md_text(u.why, 200)] for u in gone]
    return (f"## Call sites no process runs\n\n{len(gone)} message{'s' if len(gone) != 1 else ''} written in the "
            "source can never be logged: no process reaches the call. They are not in the tables above.\n\n"
            + tabulate(rows, headers=["where", "function", "message", "why"], tablefmt="github", disable_numparse=True))


def skipped_section(c: Catalog) -> str:
    """The files and `#include` targets srcscan did not read (links or paths resolving outside the
    tree, files that are not regular), from the catalog's `skipped` section (sources/text.py)."""
    skipped = c.sections.skipped
    if not skipped:
        return ""
    rows = [[md_text(s.path), md_text(s.reason, 200)] for s in skipped]
    return (f"## Files not read\n\n{len(skipped)} file{'s' if len(skipped) != 1 else ''} or `#include` target"
            f"{'s' if len(skipped) != 1 else ''} of the tree {'were' if len(skipped) != 1 else 'was'} not read: "
            "srcscan reads only regular files inside the tree (and the system's include directories).\n\n"
            + tabulate(rows, headers=["file", "why not read"], tablefmt="github", disable_numparse=True))


# Extra sections (options, processes, coverage, files not read) added by analyses, in order.
MARKDOWN_SECTIONS: list[Callable[[Catalog], str]] = [_processes, _options, _option_sections, coverage_section,
                                                      unreachable_section, skipped_section]
