"""`srcscan query` and `srcscan options`."""

from __future__ import annotations

from pathlib import Path

import click

from srcscan.catalog import message_to_dict
from srcscan.analyze.optiontypes import option_to_dict
from srcscan.commands.common import FORMATS, build_catalog, emit, make_request, pick_format, report_summary, tree_options
from srcscan.query import Query, answer_query
from srcscan.render.json import dump
from srcscan.render.markdown import md_text, message_table
from srcscan.render.common import tabulate
from srcscan.render.table import render_table, render_tsv


@click.command()
@tree_options
@click.option("--adds", metavar="OPTION[=VALUE]", help="Messages that appear only when OPTION is given (-D, --log-detail, "
              "proxy.debug), at any level, or with exactly VALUE (proxy.debug=1, \"-S 3\"); also what it takes away.")
@click.option("--facility", metavar="NAME", help="Messages that can go to this syslog facility (local2, daemon).")
@click.option("--process", metavar="NAME", help="Messages this process can emit: its name (vrrp) or syslog ident (Keepalived_vrrp).")
@click.option("--build", "build_macro", metavar="MACRO", help="Messages that exist only in builds with MACRO.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here instead of stdout.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="md (default on a file), table (on a terminal), tsv (in a pipe), json.")
def query(project, version, rules, path, source, cache_dir, with_options, jobs, adds, facility, process, build_macro,
          output, fmt):
    """Which messages of PROJECT at VERSION an option adds or takes away, or go to a facility, process or build."""
    request = make_request(project, version, rules, path, source, cache_dir, with_options, jobs)
    built = build_catalog(request)
    answer = answer_query(built.catalog, Query(adds, facility, process, build_macro))
    found, removed = answer.messages, answer.removed
    fmt = pick_format(fmt, output)
    what = ", ".join(f"{k} {v}" for k, v in (("adds", adds), ("facility", facility), ("process", process),
                                              ("build", build_macro)) if v) or "all messages"
    gone = f"Taken away by {adds}" if adds else ""
    if fmt == "json":
        text = dump({"schema": "srcscan.query/1", "project": built.catalog.project, "version": built.catalog.version,
                     "query": what, "with": list(with_options), "messages": [message_to_dict(m) for m in found],
                     "removed": [message_to_dict(m) for m in removed]})
    elif fmt == "md":
        text = (f"# {built.catalog.project} {built.catalog.version or ''}: {md_text(what)}\n\n{_count(found)}.\n\n"
                + (_by_file(found) + "\n\n" if found else "")
                + (f"## {md_text(gone)} ({len(removed)})\n\nThese appear without it and not with it.\n\n"
                   + _by_file(removed, "###") + "\n\n" if removed else ""))
    elif fmt == "tsv":
        text = render_tsv(found, "appears" if adds else "") + (render_tsv(removed, "taken away", header=False)
                                                              if removed else "")
    else:
        text = render_table(found) + (f"\n{gone} ({len(removed)}):\n" + render_table(removed) if removed else "")
    emit(text, output)
    taken = f"; {len(removed)} taken away" if removed else ""
    click.echo(report_summary(built, output or "-",
                              f"{len(found)} of {len(built.catalog.messages)} messages: {what}{taken}"), err=True)


def _count(messages) -> str:
    return "1 message" if len(messages) == 1 else f"{len(messages)} messages"


def _by_file(messages, level: str = "##") -> str:
    out, files = [], sorted({m.file for m in messages})
    for f in files:
        out.append(f"{level} {md_text(f)}\n\n" + message_table([m for m in messages if m.file == f]))
    return "\n\n".join(out)


@click.command()
@tree_options
@click.option("-o", "--output", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS))
def options(project, version, rules, path, source, cache_dir, with_options, jobs, output, fmt):
    """The runtime options srcscan found in PROJECT's source, and what each sets."""
    request = make_request(project, version, rules, path, source, cache_dir, (), jobs)
    built = build_catalog(request)
    table = built.catalog.sections.options or ()
    fmt = pick_format(fmt, output)
    if fmt == "json":
        emit(dump([option_to_dict(o) for o in table]), output)
        return
    rows = []
    facilities = {option: facility for p in built.catalog.sections.processes or ()
                  for option, facility in p.facility_with}
    for o in table:
        sets = "; ".join(f"{e.target} {e.op} {e.value}" + (f" (mask {e.mask:#x})" if e.mask else "")
                         + (f" when given {e.level} times" if e.level > 1 else "")
                         + (f" when given as {o.names[-1]}={e.when}" if e.when else "") for e in o.effects)
        if o.means:  # a child's start (analyze.childstarts): what `@vrrp` in `requires` stands for
            sets = f"process {o.name[1:]} is started: {o.means}"
        facility = next((facilities[n] for n in o.names if n in facilities), "")
        if facility:  # what the process table says the option does to the syslog facility
            sets = "; ".join(filter(None, [sets, f"syslog facility {facility}"]))
        needed = sum(1 for m in built.catalog.messages for alt in m.requires if any(
            a.lstrip("!").split(">=")[0].split("==")[0] == o.names[0] for a in alt))
        rows.append([", ".join(o.names), o.kind, "yes" if o.takes_value else "", sets or "(nothing found)", needed])
    headers = ["option", "kind", "value", "sets", "messages"]
    style = {"md": "github", "tsv": "tsv"}.get(fmt, "simple")
    if fmt == "md":
        rows = [[md_text(str(v)) for v in r] for r in rows]
    text = tabulate(rows, headers=headers, tablefmt=style, disable_numparse=True) + "\n"
    emit(text, output)
    click.echo(report_summary(built, output or "-", f"{len(table)} options"), err=True)
