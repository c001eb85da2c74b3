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


def test_a_catalog_after_one_file_changed_equals_the_cold_catalog_of_the_changed_tree(tmp_path):
    """A one-file edit: only that file is parsed again, and the catalog built on the other
    files' cached facts is the one a run with an empty cache makes of the changed tree."""
    rules = load_rules(str(FIXTURES / "demo.toml"))
    tree = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", tree)
    source = lambda: SourceTree(tree, Provenance("path", str(tree), None))  # noqa: E731 (one per run: it keeps the texts it read)
    before = build_from_tree(rules, source(), tmp_path / "cache")
    main = tree / "src" / "main.c"
    main.write_text(main.read_text().replace('"Starting %s (pid %d)"', '"Launching %s (pid %d)"').replace(
        "\t\tverbose = 1;\n", '\t\tverbose = 1;\n\tif (verbose)\n\t\tlog_message(LOG_DEBUG, "verbose from the start");\n'))
    warm = build_from_tree(rules, source(), tmp_path / "cache")
    cold = build_from_tree(rules, source(), tmp_path / "empty")
    assert (warm.scan.parsed, warm.scan.cached) == (1, 2) and cold.scan.parsed == 3
    texts = {m["text"] for m in catalog_to_dict(warm.catalog)["messages"]}
    assert {"Launching %s (pid %d)", "verbose from the start"} <= texts and "Starting %s (pid %d)" not in texts
    assert catalog_to_dict(warm.catalog) == catalog_to_dict(cold.catalog)
    assert catalog_to_dict(warm.catalog) != catalog_to_dict(before.catalog)


def test_a_new_absent_header_reparses_only_the_files_that_name_it(tmp_path):
    """The stubs of missing headers are keyed by the include names each file (and the tree
    headers it included) writes, not by the tree's whole set: a release where one file
    includes a new absent header parses that file again, not every file; and when the header
    then appears in the tree, the files that named it are parsed again with it."""
    tree, cache = tmp_path / "demo", tmp_path / "cache"
    shutil.copytree(FIXTURES / "demo", tree)
    assert scan(tree, cache).scan.parsed == 3
    main = tree / "src" / "main.c"
    main.write_text("#include <demo-feature.h>\n" + main.read_text())
    added = scan(tree, cache)
    assert "demo-feature.h" in added.scan.layout.missing
    assert (added.scan.parsed, added.scan.cached) == (1, 2)
    assert catalog_to_dict(added.catalog) == catalog_to_dict(scan(tree, tmp_path / "empty1").catalog)

    (tree / "lib" / "demo-feature.h").write_text("#define DEMO_FEATURE 1\n")  # a release ships it
    shipped = scan(tree, cache)
    assert "demo-feature.h" not in shipped.scan.layout.missing
    assert (shipped.scan.parsed, shipped.scan.cached) == (1, 2)
    assert "lib/demo-feature.h" in next(f for f in shipped.scan.files if f.path == "src/main.c").includes

    (tree / "lib" / "demo-feature.h").unlink()  # and drops it again: the stubbed parse is still there
    again = scan(tree, cache)
    assert (again.scan.parsed, again.scan.cached) == (0, 3)
    assert catalog_to_dict(again.catalog) == catalog_to_dict(added.catalog)
