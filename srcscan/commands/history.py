"""`srcscan history`: every release's messages at once, with stable message ids (srcscan.history)."""

from __future__ import annotations

from pathlib import Path

import click

from srcscan.commands.common import FORMATS, build_catalog, emit, make_request, pick_format, summary_line
from srcscan.progress import phase, running, say, transient
from srcscan.history import add_release, empty_index, history_file, load_index, save_index, select_releases
from srcscan.render.history import history_report, render_history_markdown, render_history_table, render_history_tsv
from srcscan.render.json import dump
from srcscan.rules import load_rules
from srcscan.sources.git import ensure_mirror, refresh, remote_location, version_key, versions
from srcscan.sources.obtain import default_cache_dir


@click.command()
@click.argument("project")
@click.option("--from", "first", metavar="VERSION", help="First release (default: the oldest release tag).")
@click.option("--to", "last", metavar="VERSION", help="Last release (default: the newest release tag).")
@click.option("--message", metavar="TEXT|SID", help="Only the messages whose text contains TEXT, or the message SID.")
@click.option("--rules", metavar="NAME|FILE", help="Rules to use (a project name or a rules file); defaults to PROJECT.")
@click.option("--source", metavar="URL|PATH", help="Clone from this git remote or local repository instead of upstream.")
@click.option("--cache-dir", type=click.Path(path_type=Path), envvar="SRCSCAN_CACHE", help="Cache directory.")
@click.option("-j", "--jobs", default=2, show_default=True, help="Parser processes.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here instead of stdout.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="md (default on a file), table (on a terminal), tsv (in a pipe), json.")
def history(project, first, last, message, rules, source, cache_dir, jobs, output, fmt):
    """Each message's life over PROJECT's release tags: first release, changes, removal, stable id."""
    loaded = load_rules(rules or project)
    cache_dir = cache_dir or default_cache_dir()
    remote = source or loaded.source.git
    if not remote:
        raise click.UsageError(f"{loaded.project}'s rules name no git repository: give --source")
    mirror = ensure_mirror(cache_dir, remote_location(remote))
    known = versions(mirror, loaded.source.tag)
    if last is not None and last not in known:
        refresh(mirror)  # the mirror may predate the release
        known = versions(mirror, loaded.source.tag)
    chosen = select_releases(known, first, last, version_key)
    index = update_index(loaded, chosen, project if rules is None else rules, source, cache_dir, jobs)
    report = history_report(index, chosen, message)
    fmt = pick_format(fmt, output)
    text = {"json": lambda: dump(report), "md": lambda: render_history_markdown(report),
            "table": lambda: render_history_table(report), "tsv": lambda: render_history_tsv(report)}[fmt]()
    emit(text, output)
    click.echo(f"srcscan: history of {loaded.project}: {len(chosen)} releases, {len(report['messages'])} messages", err=True)


def update_index(rules, chosen: list[str], name: str, source: str | None, cache_dir: Path, jobs: int) -> dict:
    """The project's history index holding every release in `chosen`: releases after its last
    one are added (and saved one by one, so an interrupted run resumes); a release that would
    go before or between its releases rebuilds it over the union."""
    path = history_file(cache_dir, rules)
    index = load_index(path, rules.project, rules.sha256)
    have = [r["release"] for r in index["releases"]]
    wanted = sorted(set(have) | set(chosen), key=version_key)
    if wanted[: len(have)] != have:
        index = empty_index(rules.project, rules.sha256)
        have = []
    todo = wanted[len(have):]
    with running(f"{rules.project} history: {len(todo)} releases to add"), \
            phase("releases", total=len(todo)) as step:
        for n, version in enumerate(todo, 1):
            step.describe(f"releases: {version}")
            say(f"srcscan: history: {version} ({n} of {len(todo)} to add)")
            with transient():  # each release's phases vanish when done; "releases n/N" stays
                built = build_catalog(make_request(name, version, None, None, source, cache_dir, (), jobs))
                say(f"srcscan: {summary_line(built)}")
                previous = index.get("last_root")
                roots = {"old": Path(previous) if previous else None, "new": built.tree.root}
                from srcscan.commands.diff import file_texts

                with phase("pair with the previous release", total=1) as pairing:
                    index = add_release(index, built.catalog, version, texts=file_texts(roots),
                                        ref=built.tree.provenance.ref, root=str(built.tree.root))
                    pairing.advance()
                save_index(path, index)
            step.advance()
    return index
