"""`srcscan diff`: what a release adds, removes and changes, with diff's exit status."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from pathlib import Path
from typing import Callable

import click

from srcscan.catalog import Catalog, catalog_from_dict
from srcscan.commands.common import (FORMATS, build_catalog, emit, is_verbose, make_request, pick_format,
                                     patterns_option, provider_option, summary_line, verbose_option)
from srcscan.diff import diff_catalogs, diff_to_dict, option_names, requires_option
from srcscan.errors import ExitCode, InputError
from srcscan.query import as_run_with
from srcscan.patterns import load_patterns, match_patterns
from srcscan.progress import phase, running, say, transient
from srcscan.render.patterns import broken, patterns_to_dict, render_patterns
from srcscan.history import catalog_sids
from srcscan.sources.git import show_file
from srcscan.sources.obtain import default_cache_dir
from srcscan.render.diff import render_diff_markdown, render_diff_table, render_diff_tsv
from srcscan.render.json import dump


@click.command()
@verbose_option
@click.argument("project", required=False)
@click.argument("old_version", required=False)
@click.argument("new_version", required=False)
@click.option("--old", "old_file", type=click.Path(path_type=Path), help="A catalog JSON file for the old side.")
@click.option("--new", "new_file", type=click.Path(path_type=Path), help="A catalog JSON file for the new side.")
@click.option("--rules", metavar="NAME|FILE", help="Rules to use (a project name or a rules file); defaults to PROJECT.")
@click.option("--source", metavar="URL|PATH", help="Clone from this git remote or local repository.")
@click.option("--cache-dir", type=click.Path(path_type=Path), envvar="SRCSCAN_CACHE")
@click.option("--only", "only", metavar="OPTION", help="Only messages whose requirements involve OPTION on either side "
              "(OPTION=VALUE is read as OPTION).")
@click.option("--moves", is_flag=True, help="Also list messages that only moved (another line, function or file).")
@click.option("--with", "with_options", multiple=True, metavar="OPTION", help="Compare the catalogs as seen with this option (OPTION or OPTION=VALUE; repeatable): messages "
              "needing options you do not run are left out.")
@click.option("-j", "--jobs", default=2, show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here instead of stdout.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="md (default on a file), table (on a terminal), tsv (in a pipe), json.")
@provider_option
@patterns_option
def diff(project, old_version, new_version, old_file, new_file, rules, source, cache_dir, only, moves,
         with_options, jobs, output, fmt, patterns_file, patterns_kind):
    """Compare PROJECT's log messages between OLD_VERSION and NEW_VERSION (exit 1 when they differ).

    With --patterns FILE: which messages each of your patterns matches in each release, and the
    patterns that matched before and match nothing after (exit 1 when there are any)."""
    patterns = load_patterns(patterns_file, patterns_kind) if patterns_file else None
    if (old_file or new_file) and not (old_file and new_file):
        raise InputError("give both --old and --new catalog files")
    if not (old_file or new_file) and not (old_version and new_version):
        raise InputError("name a project and two versions, or give --old A.json --new B.json")
    if not old_file and old_version == new_version:
        click.echo(f"srcscan: {old_version} and {new_version} are the same version: no differences", err=True)
        return ExitCode.OK
    label = f"{project or rules or 'diff'} {old_version or old_file} -> {new_version or new_file}"
    with contextlib.ExitStack() as display:  # one progress display: both builds, pairing, writing
        display.enter_context(running(label))
        if old_file:
            old, new = (as_run_with(_read(f), tuple(with_options)) for f in (old_file, new_file))
            roots = {side: _tree_of(c, cache_dir or default_cache_dir()) for side, c in (("old", old), ("new", new))}
        else:
            with phase("releases", total=2) as step:
                sides = []
                for v in (old_version, new_version):
                    step.describe(f"releases: {v}")
                    with transient():  # each side's phases vanish when done; "releases 1/2" stays
                        sides.append(_build(project, v, rules, source, cache_dir, with_options, jobs))
                    step.advance()
            (old, old_root), (new, new_root) = sides
            roots = {"old": old_root, "new": new_root}
        if old.version is not None and old.version == new.version and old.provenance == new.provenance:
            say("srcscan: both catalogs describe the same release: no differences")
        if patterns is not None:
            display.close()
            return _check_patterns(old, new, patterns, fmt, output)
        # --only names an option as everywhere else: `proxy.debug=2` is proxy.debug (what it involves, at any level).
        only = only.split("=", 1)[0].split()[0] if only and only.strip() else only
        keep = requires_option(option_names((old, new), only)) if only else None
        fmt = pick_format(fmt, output)
        to_stdout = output is None or str(output) == "-"
        with phase("pair messages", total=1) as step:
            result = diff_catalogs(old, new, keep, texts=file_texts(roots))
            step.advance()
        with phase("render" if to_stdout else f"write {output}", total=1) as step:
            cache = cache_dir or default_cache_dir()
            sids = {"old": catalog_sids(cache, old), "new": catalog_sids(cache, new)}  # a history index's stable ids
            text = {"json": lambda: dump(diff_to_dict(result, sids, tuple(with_options))),
                    "md": lambda: render_diff_markdown(result, moves, sids),
                    "table": lambda: render_diff_table(result, moves, sids),
                    "tsv": lambda: render_diff_tsv(result, moves)}[fmt]()
            if not to_stdout:
                emit(text, output)
            step.advance()
    if to_stdout:  # written once the display is gone, never under it
        emit(text, output)
    where = "" if to_stdout else f" -> {output.resolve()}"
    release = sum(1 for c in result.changed if c.release_fields)
    runtime = sum(1 for c in result.changed if not c.release_fields and c.runtime_only)
    sites, gone_sites, reworded = len(result.new_sites), len(result.gone_sites), len(result.reworded_sites)
    extra = "".join(f", {n} {what}" for n, what in ((sites, "new call sites of existing messages"),
                                                     (reworded, "new call sites rewording a message still written"),
                                                     (gone_sites, "removed call sites of messages still written"),
                                                     (len(result.variants), "further new texts of listed sites"),
                                                     (len(result.gone_variants), "further old texts of listed sites"),
                                                     (len(result.changed) - release - runtime, "changed by the analysis only"),
                                                     (runtime, "changed in runtime tests only")) if n)
    click.echo(f"srcscan: {len(result.added) - len(result.variants) - sites - reworded} added, "
               f"{len(result.removed) - len(result.gone_variants) - gone_sites} removed, "
               f"{release} changed, {len(result.moved)} moved, {len(result.merged)} merged{extra}{where}", err=True)
    return ExitCode.DIFFERENCES if result.differs else ExitCode.OK


def _check_patterns(old: Catalog, new: Catalog, patterns, fmt, output) -> ExitCode:
    sides = [(c, match_patterns(c, patterns)) for c in (old, new)]
    fmt = pick_format(fmt, output)
    emit(dump(patterns_to_dict(sides)) if fmt == "json" else render_patterns(sides, fmt), output)
    gone = broken(sides[0][1], sides[1][1])
    where = "" if output is None or str(output) == "-" else f" -> {output.resolve()}"
    counts = ", ".join(f"{sum(1 for r in res if r.messages)} match in {c.version or c.provenance.location}"
                       for c, res in sides)
    click.echo(f"srcscan: {len(patterns)} patterns: {counts}; {len(gone)} broken by the upgrade{where}", err=True)
    return ExitCode.DIFFERENCES if gone else ExitCode.OK


def _build(project, version, rules, source, cache_dir, with_options, jobs) -> Catalog:
    request = make_request(project, version, rules, None, source, cache_dir, with_options, jobs)
    built = build_catalog(request)
    if is_verbose():
        click.echo(f"srcscan: {summary_line(built)}", err=True)
    return built.catalog, built.tree.root


def _tree_of(c: Catalog, cache_dir: Path) -> Path | Callable[[str], str | None] | None:
    """The tree a catalog was made from: its local path when still there; for a git release,
    the tree srcscan exported into the cache, else the commit read from the local clone
    (`git show COMMIT:FILE`). Without it the pairing has no line mapping, no helper calls and
    no `#if 0` to see: lighttpd 1.4.69's `fcntl` -> 1.4.79's `fcntl()` at the same place was
    folded into another call's rewording."""
    p = c.provenance
    where = Path(p.location) if p.location else None
    if p.provider == "path":
        return where if where is not None and where.is_dir() else None
    if p.provider == "git" and p.commit and re.fullmatch(r"[0-9a-f]{40}", p.commit):  # a commit id, nothing else
        cached = cache_dir / "trees" / c.project / p.commit
        if cached.is_dir():
            return cached
        if where is not None and (where / ".git").exists() or where is not None and (where / "HEAD").is_file():
            return _git_reader(where, p.commit)
    return None


def _git_reader(repository: Path, commit: str) -> Callable[[str], str | None]:
    """Each file's text at `commit` in `repository` (srcscan.sources.git.show_file), read as
    latin-1 as file_texts reads a tree's files; None when git cannot give it."""
    def read(file: str) -> str | None:
        data = show_file(repository, commit, file)
        return data.decode("latin-1") if data is not None else None
    return read


def file_texts(roots: dict[str, Path | None]):
    """The diff's FileTexts over two tree roots (a side without a root has no texts); each
    file is read once (the pairing asks for the same file for every message in it)."""
    read: dict[tuple[str, str], str | None] = {}

    def text(side: str, file: str) -> str | None:
        if (side, file) in read:
            return read[side, file]
        root = roots.get(side)
        content = None
        if callable(root):
            content = root(file)
        elif root is not None:
            try:
                content = (root / file).read_bytes().decode("latin-1")
            except OSError:
                pass
        read[side, file] = content
        return content
    return text


def _read(path: Path) -> Catalog:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise InputError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not str(data.get("schema", "")).startswith("srcscan.catalog/"):
        raise InputError(f"{path} is not a srcscan catalog (no srcscan.catalog schema)")
    if data["schema"] != "srcscan.catalog/1":
        raise InputError(f"{path}: catalog schema {data['schema']} is not srcscan.catalog/1")
    try:
        return catalog_from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: malformed catalog ({exc})") from exc
