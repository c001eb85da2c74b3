"""`srcscan rsyslog`: rsyslog rules that split a daemon's logs by process."""

from __future__ import annotations

from pathlib import Path

import click

from srcscan.commands.common import build_catalog, emit, make_request, report_summary, tree_options
from srcscan.rsyslog import rsyslog_config


@click.command()
@tree_options
@click.option("--log-dir", default=None, metavar="DIR", help="Where the files go (default /var/log/PROJECT).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here instead of stdout.")
def rsyslog(project, version, rules, path, source, cache_dir, with_options, jobs, log_dir, output):
    """rsyslog rules sending each process of PROJECT at VERSION to its own file."""
    request = make_request(project, version, rules, path, source, cache_dir, with_options, jobs)
    built = build_catalog(request)
    text = rsyslog_config(built.catalog, log_dir or f"/var/log/{built.catalog.project}", tuple(with_options))
    emit(text, output)
    procs = built.catalog.sections.processes or ()
    click.echo(report_summary(built, output or "-", f"{len(procs)} processes"), err=True)
