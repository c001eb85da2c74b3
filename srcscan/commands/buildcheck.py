"""`srcscan buildcheck`: a rules file's build profile against one release's build files, without
parsing anything: the macros the tree tests that configure.ac, meson.build or CMakeLists.txt can
define and the profile leaves undecided, and those the profile defines that no build file of
this release can (srcscan.preprocessor.buildfiles)."""

from __future__ import annotations

import os
import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Iterable

import click

from srcscan.errors import InputError
from srcscan.preprocessor import GENERIC_OFF, PreprocessorRules, survey_tree
from srcscan.preprocessor.buildfiles import BUILD_FILES, build_file_macros, profile_gaps
from srcscan.rules import load_rules
from srcscan.sources.text import TreeText
from srcscan.coverage.plan import base_assignment
from srcscan.coverage.tokens import read_texts


@click.command()
@click.argument("project")
@click.option("--path", "path", type=click.Path(path_type=Path), required=True, help="The release's tree on disk.")
@click.option("--rules", "rules", metavar="NAME|FILE", help="Rules to use (a project name or a rules file); defaults to PROJECT.")
def buildcheck(project: str, path: Path, rules: str | None) -> None:
    """Macros PROJECT's tree at --path tests that its build files can define and the rules'
    first profile neither defines nor undefines (undecided), and macros the profile defines that
    no build file of the tree defines (unbacked). Macros the tree #defines itself, those a stub
    header defines and those the rules' [preprocessor] patterns decide are left out."""
    if not path.is_dir():
        raise InputError(f"no such directory: {path}")
    loaded = load_rules(rules or project)
    profile = loaded.profiles[0]
    texts = read_texts(TreeText(path, loaded.exclude))
    builds = _build_files(path)
    tree = survey_tree(texts)
    _, stubbed = base_assignment(profile)  # what the stub headers define
    gaps = profile_gaps(tree, build_file_macros(builds), [m for m, _ in profile.defines], profile.undefines,
                        _settled(tree.tested, loaded.preprocessor) | stubbed)
    click.echo(f"build files: {', '.join(sorted(builds)) or 'none'}")
    for title, names in (("undecided (a build file can define them; the profile neither -D nor -U)", gaps.undecided),
                         ("unbacked (-D in the profile; no build file defines them)", gaps.unbacked)):
        click.echo(f"{title}: {len(names)}")
        for name in names:
            click.echo(f"  {name}  {_first_test(name, texts)}")


def _settled(tested: Iterable[str], pre: PreprocessorRules) -> set[str]:
    """Tested macros the rules' [preprocessor] lists decide by name: never, off and feature
    patterns (a bare `*`, lighttpd's "everything off", decides nothing by name), and the debug
    switches every default build leaves off (GENERIC_OFF)."""
    patterns = [p for p in (*pre.never, *pre.off, *pre.feature) if p != "*"] + list(GENERIC_OFF)
    return {name for name in tested if any(fnmatchcase(name, p) for p in patterns)}


def _build_files(root: Path) -> dict[str, str]:
    """Text of every build file of BUILD_FILES under `root` (dot-directories left out)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name in BUILD_FILES:
                full = Path(dirpath) / name
                out[str(full.relative_to(root))] = full.read_text(encoding="latin-1")
    return out


def _first_test(name: str, texts: dict[str, str]) -> str:
    """The first file (sorted) naming `name`, for the reader to look at."""
    return next((rel for rel in sorted(texts) if re.search(rf"\b{name}\b", texts[rel])), "")
