"""`srcscan explain`: from log lines back to their call sites, options and releases."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from srcscan.commands.common import FORMATS, build_catalog, emit, make_request, pick_format
from srcscan.errors import InputError
from srcscan.query import as_run_with

_VERSION = re.compile(r"^v?\d+(?:\.\d+)+[\w.~+-]*$")


@click.command()
@click.argument("project")
@click.argument("inputs", nargs=-1, required=True, metavar="[VERSION] FILE...")
@click.option("--versions", "version_range", metavar="A..B", help="Find which releases from A to B hold every matched message.")
@click.option("--catalog", "catalog_file", type=click.Path(path_type=Path), help="Use this catalog (JSON) instead of building one.")
@click.option("--summary", is_flag=True, help="Counts per message, unmatched lines and the options the lines prove.")
@click.option("--with", "with_options", multiple=True, metavar="OPTION", help="The daemon was run with exactly these options (repeatable): the facilities expected follow them.")
@click.option("--rules", metavar="NAME|FILE", help="Rules to use; defaults to PROJECT.")
@click.option("--path", "path", type=click.Path(path_type=Path), help="Catalog a tree already on disk.")
@click.option("--source", metavar="URL|PATH", help="Clone from this git remote or local repository instead of upstream.")
@click.option("--cache-dir", type=click.Path(path_type=Path), envvar="SRCSCAN_CACHE", help="Cache directory.")
@click.option("--provider", type=click.Choice(["git", "debian"]), help="Where releases come from for --versions and "
              "no version: git tags (the default, falling back to Debian) or the versions Debian's archive carries.")
@click.option("--max-builds", default=12, show_default=True, help="Without a version, build at most this many catalogs.")
@click.option("--engine", type=click.Choice(["auto", "hyperscan", "re2", "re"]), default="auto", show_default=True,
              help="Multi-pattern engine.")
@click.option("--dask", "dask_address", metavar="ADDRESS", help="Read and match on this Dask scheduler (needs srcscan[dask]).")
@click.option("-j", "--jobs", default=2, show_default=True,
              help="Processes: parsers of catalogs built on demand; readers of the log with --summary.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here instead of stdout.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="md (default on a file), table (on a terminal), json.")
def explain(project, inputs, version_range, catalog_file, summary, with_options, rules, path, source, cache_dir, provider,
            max_builds, engine,
            dask_address, jobs, output, fmt):
    """Explain each line of a log (FILE, or - for stdin; gzip is read too): which message of PROJECT
    wrote it, with what values, from which process, under which options, and which releases hold it."""
    from srcscan.explain.explain import Explainer
    from srcscan.explain.render import render_json, render_text
    from srcscan.explain.run import check_explained

    version, paths = _split_inputs(inputs)
    notify = lambda line: click.echo(f"srcscan: {line}", err=True)  # noqa: E731
    if version and version_range:
        raise InputError("give a VERSION or --versions A..B, not both")
    for p in paths:
        if p != "-" and not Path(p).is_file():
            raise InputError(f"no such file: {p}")
    if catalog_file is not None:
        catalog = as_run_with(_read_catalog(catalog_file), tuple(with_options))  # as a built catalog: --with kept
    else:
        if version_range and path is None:  # lines are read with the newest release of the range
            from srcscan.explain.versions import newest_in_range

            version = newest_in_range(rules or project, version_range, source, cache_dir, provider, notify)
        if provider == "debian" and path is None:
            from srcscan.sources.obtain import default_cache_dir as _default

            catalog = _debian_catalog(rules or project, version, cache_dir or _default(), jobs, with_options)
        else:
            request = make_request(None if rules else project, version, rules, path, source, cache_dir, with_options,
                                   jobs)
            catalog = build_catalog(request).catalog
    from srcscan.sources.obtain import default_cache_dir

    cache = cache_dir or default_cache_dir()
    explainer = Explainer(catalog, engine=engine, cache_dir=cache)
    lines, total = _explain(explainer, paths, summary, dask_address, jobs)
    check_explained(explainer, total, paths, matched=False)
    versions: list[str] = []
    if version_range or (version is None and catalog_file is None and path is None):
        from srcscan.explain.versions import candidate_releases

        versions = candidate_releases(explainer, lines, total, project=rules or project, version_range=version_range,
                                      source=source, cache_dir=cache_dir, jobs=jobs, notify=notify,
                                      max_builds=max_builds, provider=provider)
        if versions and catalog.version not in versions:  # read the lines again with a release that has them
            if provider == "debian":
                again = _debian_catalog(rules or project, versions[-1], cache, jobs, with_options)
            else:
                again = build_catalog(make_request(None if rules else project, versions[-1], rules, None, source,
                                                   cache_dir, with_options, jobs)).catalog
            explainer = Explainer(again, engine=engine, cache_dir=cache)
            catalog = again
            lines, total = _explain(explainer, paths, summary, dask_address, jobs)
    elif catalog.version:
        versions = [catalog.version]
    check_explained(explainer, total, paths)
    from srcscan.history import catalog_sids

    sids = catalog_sids(cache, catalog)  # stable ids, when the project's history index holds this release
    fmt = pick_format(fmt, output)
    if fmt == "json":
        text = render_json(explainer, versions, lines, total, sids)
    else:
        text = render_text(explainer, versions, lines, total, md=fmt == "md", sids=sids)
    emit(text, output)


def _split_inputs(inputs: tuple[str, ...]) -> tuple[str | None, list[str]]:
    """[VERSION] FILE...: the first is a version when it looks like one and is no file."""
    first, rest = inputs[0], list(inputs[1:])
    if rest and _VERSION.match(first) and not Path(first).exists():
        return first, rest
    return None, [first, *rest]


def _read_catalog(path: Path):
    from srcscan.catalog import catalog_from_dict

    try:
        return catalog_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not a srcscan catalog ({exc.__class__.__name__}: {exc})") from None


def _explain(explainer, paths, summary, dask_address, jobs=1):
    if dask_address:
        from srcscan.explain.distributed import explain_on_dask

        return explain_on_dask(explainer, paths, summary, dask_address)
    from srcscan.explain.run import explain_files

    return explain_files(explainer, paths, summary, jobs)


def _debian_catalog(project, version, cache, jobs, with_options):
    from srcscan.pipeline import build_from_tree
    from srcscan.rules import load_rules
    from srcscan.sources.obtain import obtain_tree

    rules = load_rules(project)
    tree = obtain_tree(rules, version, cache_dir=cache, notify=lambda line: click.echo(f"srcscan: {line}", err=True),
                       providers=("debian",))
    return build_from_tree(rules, tree, cache, tuple(with_options), jobs).catalog
