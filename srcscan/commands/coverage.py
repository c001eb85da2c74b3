"""`srcscan coverage`: the coverage report on its own (how many log call sites the catalog holds)."""

from __future__ import annotations

from pathlib import Path

import click
from tabulate import tabulate

from srcscan.sections import CoverageReport
from srcscan.commands.common import FORMATS, build_catalog, emit, make_request, pick_format, report_summary, tree_options
from srcscan.render.json import dump
from srcscan.render.markdown import coverage_section, coverage_table
from srcscan.render.table import fitted_table


@click.command()
@tree_options
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here instead of stdout.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="md (default on a file), table (on a terminal), tsv (in a pipe), json.")
def coverage(project, version, rules, path, source, cache_dir, with_options, jobs, output, fmt):
    """Log call sites of PROJECT at VERSION found by a plain token scan, how many the catalog
    holds, which needed an extra build profile, and why the others are missing."""
    request = make_request(project, version, rules, path, source, cache_dir, with_options, jobs)
    built = build_catalog(request)
    report = built.catalog.sections.coverage
    fmt = pick_format(fmt, output)
    if fmt == "json":
        text = dump({"schema": "srcscan.coverage/1", "project": built.catalog.project,
                     "version": built.catalog.version, "coverage": report.to_dict() if report is not None else {}})
    elif fmt == "md":
        text = f"# {built.catalog.project} {built.catalog.version or ''}".rstrip() + ": coverage\n\n" + coverage_section(built.catalog)
    else:
        text = coverage_table(report) + _not_covered_table(report)
    emit(text if text.endswith("\n") else text + "\n", output)
    counted = f"; {report.parsed} of {report.sites} call sites in the catalog" if report is not None else ""
    click.echo(report_summary(built, output or "-", f"{len(built.catalog.messages)} messages{counted}"), err=True)


def _not_covered_table(report: CoverageReport | None) -> str:
    rows = [[f"{n.file}:{n.line}", n.status, n.reason] for n in (report.not_covered if report is not None else ())]
    if not rows:
        return ""
    return "\n" + fitted_table(rows, ["not covered", "status", "reason"], keep=(0, 1)) + "\n"
