"""`srcscan history`: every release's messages at once, with stable message ids (srcscan.history)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from srcscan.commands.common import FORMATS, PROVIDER, emit, pick_format, provider_option, summary_line
from srcscan.errors import InputError, SourceError
from srcscan.progress import phase, running, say, transient
from srcscan.history import add_release, empty_index, history_file, load_index, save_index, select_releases
from srcscan.render.history import history_report, render_history_markdown, render_history_table, render_history_tsv
from srcscan.render.json import dump
from srcscan.rules import Rules, load_rules
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
@click.option("--every", type=click.IntRange(min=1), default=1, metavar="N",
              help="Every Nth release of the range only (the first and the last always): a sample of a long range.")
@click.option("--no-overlap", is_flag=True, help="Scan each release only after the previous one's analyses "
              "(default: the next release is scanned in a second process meanwhile).")
@provider_option
def history(project, first, last, message, rules, source, cache_dir, jobs, output, fmt, every, no_overlap):
    """Each message's life over PROJECT's release tags: first release, changes, removal, stable id.

    Releases are the upstream tags the rules' pattern names (release candidates left out), or
    the Debian archive's upstream versions when only the debian provider works (or is chosen
    with --provider debian)."""
    loaded = load_rules(rules or project)
    cache_dir = cache_dir or default_cache_dir()
    provider = click.get_current_context().meta.get(PROVIDER)
    known, providers = release_versions(loaded, source, provider, cache_dir, last)
    chosen = select_releases(known, first, last, version_key)
    chosen = chosen[::every] + ([chosen[-1]] if (len(chosen) - 1) % every else [])
    index = update_index(loaded, chosen, project if rules is None else rules, source, cache_dir, jobs,
                         providers=providers, overlap=not no_overlap)
    report = history_report(index, chosen, message)
    fmt = pick_format(fmt, output)
    text = {"json": lambda: dump(report), "md": lambda: render_history_markdown(report),
            "table": lambda: render_history_table(report), "tsv": lambda: render_history_tsv(report)}[fmt]()
    emit(text, output)
    click.echo(f"srcscan: history of {loaded.project}: {len(chosen)} releases, {len(report['messages'])} messages", err=True)


def release_versions(rules: Rules, source: str | None, provider: str | None, cache_dir: Path,
                     last: str | None) -> tuple[list[str], tuple[str, ...] | None]:
    """The versions to choose releases from, and the providers that obtain their trees.

    git (the --source remote, else the rules' upstream): the tags the rules' pattern names;
    debian (chosen, or when git does not work and the rules name a Debian package): the
    upstream versions of the source packages the configured archives carry. Raises
    SourceError (exit 2, one line) naming what each provider said when none works."""
    failures = []
    if provider != "debian":
        remote = source or rules.source.git
        if remote:
            try:
                mirror = ensure_mirror(cache_dir, remote_location(remote))
                known = versions(mirror, rules.source.tag)
                if last is not None and last not in known:
                    refresh(mirror)  # the mirror may predate the release
                    known = versions(mirror, rules.source.tag)
                return known, ("git",) if source is None else None
            except SourceError as exc:
                if source is not None or provider == "git":
                    raise
                failures.append(f"git: {exc}")
        elif provider == "git" or source is not None:
            raise InputError(f"{rules.project}'s rules name no git repository: give --source")
        else:
            failures.append("git: the rules name no git repository")
    if rules.source.debian:
        from srcscan.sources import debian

        try:
            packages = debian.available(rules.source.debian, cache_dir)
        except SourceError as exc:
            failures.append(f"debian: {exc}")
        else:
            if failures:
                click.echo(f"srcscan: {'; '.join(failures)}; releases from the Debian archive", err=True)
            return [p.upstream for p in packages], ("debian",)
    else:
        failures.append("debian: the rules name no Debian package")
    raise SourceError("; ".join(failures))


def update_index(rules, chosen: list[str], name: str, source: str | None, cache_dir: Path, jobs: int,
                 providers: tuple[str, ...] | None = None, overlap: bool = True) -> dict:
    """The project's history index holding every release in `chosen`: releases after its last
    one are added (and saved one by one, so an interrupted run resumes); a release that would
    go before or between its releases rebuilds it over the union. Each release's cost (wall
    and CPU time, files parsed, where the time went) goes to stderr, and the run's total."""
    from srcscan.commands.diff import file_texts
    from srcscan.releases import Totals, Where, build_releases

    path = history_file(cache_dir, rules)
    index = load_index(path, rules.project, rules.sha256)
    have = [r["release"] for r in index["releases"]]
    wanted = sorted(set(have) | set(chosen), key=version_key)
    if wanted[: len(have)] != have:
        index = empty_index(rules.project, rules.sha256)
        have = []
    todo = wanted[len(have):]
    if not todo:
        return index
    notify = lambda line: say(f"srcscan: {line}")  # noqa: E731
    where = Where(name, source, providers, cache_dir, max(1, jobs))
    totals = Totals()
    with running(f"{rules.project} history: {len(todo)} releases to add"), \
            phase("releases", total=len(todo)) as step, transient():  # each release's phases vanish when done
        step.describe(f"releases: {todo[0]}")
        for n, (version, built, cost) in enumerate(build_releases(where, todo, notify, overlap=overlap), 1):
            say(f"srcscan: history: {version} ({n} of {len(todo)} to add)")
            say(f"srcscan: {summary_line(built)}")
            started, cpu = time.perf_counter(), time.process_time()
            previous = index.get("last_root")
            roots = {"old": Path(previous) if previous else None, "new": built.tree.root}
            with phase("pair with the previous release", total=1) as pairing:
                index = add_release(index, built.catalog, version, texts=file_texts(roots),
                                    ref=built.tree.provenance.ref, root=str(built.tree.root))
                pairing.advance()
            save_index(path, index)
            cost.pair = time.perf_counter() - started
            cost.cpu_main += time.process_time() - cpu
            totals.costs.append(cost)
            say(f"srcscan: cost: {cost.line()}")
            step.advance()
            if n < len(todo):
                step.describe(f"releases: {todo[n]}")
    say(f"srcscan: cost: {totals.line()}")
    return index
