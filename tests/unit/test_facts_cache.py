"""The facts cache keeps one entry per translation unit: a file's content, arguments and
profile, and the content of every tree header it included. Releases that change a header
and change it back (or two releases scanned at once, as history does) parse each version
of a unit once."""

import shutil
from pathlib import Path

from srcscan.catalog import catalog_to_dict
from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"


def scan(tree: Path, cache: Path):
    rules = load_rules(str(FIXTURES / "demo.toml"))
    for results in (cache / "results").glob("*"):  # the analyses again: only the facts come from the cache
        shutil.rmtree(results)
    return build_from_tree(rules, SourceTree(tree, Provenance("path", str(tree), None)), cache)


def test_each_version_of_a_header_keeps_its_own_entries(tmp_path):
    tree, cache = tmp_path / "demo", tmp_path / "cache"
    shutil.copytree(FIXTURES / "demo", tree)
    header = tree / "lib" / "logger.h"
    first = header.read_text()
    cold = scan(tree, cache)
    files = len(cold.scan.files)
    assert cold.scan.parsed == files == 3

    header.write_text(first.replace("LOG_DEBUG", "LOG_NOTICE"))
    second = scan(tree, cache)
    assert second.scan.parsed == 3  # every file includes logger.h: new units

    header.write_text(first)  # back to the first release's header: its units are still there
    back = scan(tree, cache)
    assert back.scan.parsed == 0 and back.scan.cached == 3
    assert catalog_to_dict(back.catalog) == catalog_to_dict(cold.catalog)

    header.write_text(first.replace("LOG_DEBUG", "LOG_NOTICE"))
    again = scan(tree, cache)
    assert again.scan.parsed == 0
    assert catalog_to_dict(again.catalog) == catalog_to_dict(second.catalog)
    assert catalog_to_dict(again.catalog) != catalog_to_dict(cold.catalog)


def test_a_damaged_entry_is_parsed_again(tmp_path):
    tree, cache = tmp_path / "demo", tmp_path / "cache"
    shutil.copytree(FIXTURES / "demo", tree)
    cold = scan(tree, cache)
    entries = [p for p in (cache / "facts").rglob("*") if p.is_file()]
    assert len(entries) == 3  # one per unit, named <parse key>-<headers>
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[:-10])  # a killed run, a full disk
    again = scan(tree, cache)
    assert again.scan.parsed == 3
    assert catalog_to_dict(again.catalog) == catalog_to_dict(cold.catalog)
