"""`srcscan catalog` and `srcscan fetch`."""

from __future__ import annotations

from pathlib import Path

import click

from srcscan.commands.common import (FORMATS, PROVIDER, build_catalog, default_report, emit, make_request, pick_format,
                                     missing_includes, patterns_option, provider_option, report_summary,
                                     tree_options)
from srcscan.patterns import load_patterns, match_patterns
from srcscan.pipeline import request_label
from srcscan.progress import phase, running
from srcscan.render.json import dump, render_json
from srcscan.render.patterns import patterns_to_dict, render_patterns
from srcscan.history import catalog_sids
from srcscan.render.markdown import render_markdown
from srcscan.render.table import render_table, render_tsv
from srcscan.rules import load_rules
from srcscan.sources.obtain import default_cache_dir, obtain_tree


@click.command()
@tree_options
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here (- for stdout); default $SRCSCAN_REPORTS/PROJECT-VERSION.md, "
                   "$SRCSCAN_REPORTS defaulting to ./reports.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="md, json, table or tsv (default from the output's suffix: .json, .tsv, .txt, else md).")
@patterns_option
def catalog(project, version, rules, path, source, cache_dir, with_options, jobs, output, fmt, patterns_file, patterns_kind):
    """Catalog every log message of PROJECT at VERSION (or, with --patterns, which of them your patterns match)."""
    request = make_request(project, version, rules, path, source, cache_dir, with_options, jobs)
    patterns = load_patterns(patterns_file, patterns_kind) if patterns_file else None
    with running(request_label(request)):  # one display: the build's phases, then writing
        text, output, summary = _catalog(request, patterns, with_options, output, fmt)
    if text is not None:  # stdout: written once the display is gone, never under it
        emit(text, output)
    click.echo(summary, err=True)


def _catalog(request, patterns, with_options, output, fmt) -> tuple[str | None, Path | None, str]:
    """(text still to print on stdout or None, output, summary line); a file is written here."""
    built = build_catalog(request)
    if patterns is not None:
        results = match_patterns(built.catalog, patterns)
        fmt = pick_format(fmt, output)
        text = (dump(patterns_to_dict([(built.catalog, results)])) if fmt == "json"
                else render_patterns([(built.catalog, results)], fmt))
        matched = sum(1 for r in results if r.messages)
        return text, output, report_summary(built, output or "-", f"{matched} of {len(results)} patterns match "
                                            f"{len({m.id for r in results for m in r.messages})} messages")
    fmt = fmt or (pick_format(None, output) if output is not None else "md")
    if output is None:
        output = default_report(built.catalog.project, built.catalog.version,
                                {"json": "json", "tsv": "tsv", "table": "txt"}.get(fmt, "md"))
    sids = catalog_sids(request.cache_dir or default_cache_dir(), built.catalog)  # a history index's stable ids
    to_stdout = str(output) == "-"
    with phase("render" if to_stdout else f"write {output}", total=1) as step:
        text = {"json": lambda c: render_json(c, sids, tuple(with_options)),
                "md": lambda c: render_markdown(c, with_options, missing_includes(built)),
                "tsv": lambda c: render_tsv(list(c.messages)),
                "table": lambda c: render_table(list(c.messages))}[fmt](built.catalog)
        if not to_stdout:
            emit(text, output)
        step.advance()
    return (text if to_stdout else None), output, report_summary(built, output)


@click.command()
@click.argument("project")
@click.argument("version", required=False)
@click.option("--source", metavar="URL|PATH", help="Clone from this git remote or local repository instead of upstream.")
@click.option("--cache-dir", type=click.Path(path_type=Path), envvar="SRCSCAN_CACHE")
@provider_option
def fetch(project, version, source, cache_dir):
    """Fetch PROJECT's source at VERSION and print its directory."""
    rules = load_rules(project)
    provider = click.get_current_context().meta.get(PROVIDER)
    with running(f"{rules.project} {version or ''}".strip()), phase("source") as step:
        tree = obtain_tree(rules, version, source=source, cache_dir=cache_dir or default_cache_dir(),
                           notify=lambda line: click.echo(f"srcscan: {line}", err=True),
                           providers=(provider,) if provider else None,
                           progress=lambda suite: step.describe(f"source: Debian index {suite}"))
    p = tree.provenance
    click.echo(str(tree.root))
    click.echo(f"{p.provider}: {p.location} {p.ref or ''} {p.commit or p.sha256 or ''}".rstrip(), err=True)
