"""Catalog of the demo tree: messages, wrappers, ids, JSON round trip, cache reuse."""

import json
import shutil
from pathlib import Path

import pytest

from srcscan.catalog import catalog_from_dict, catalog_to_dict
from srcscan.pipeline import build_from_tree
from srcscan.render.markdown import render_markdown
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"


def build(tree: Path, cache: Path):
    rules = load_rules(str(FIXTURES / "demo.toml"))
    return build_from_tree(rules, SourceTree(tree, Provenance("path", str(tree), None)), cache)


@pytest.fixture
def demo(tmp_path):
    tree = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", tree)
    return tree


def by_format(catalog):
    return {m.format: m for m in catalog.messages}


def test_every_log_call_is_a_message_with_file_line_function_priority(demo, tmp_path):
    built = build(demo, tmp_path / "cache")
    found = by_format(built.catalog)
    m = found["Starting %s (pid %d)"]
    assert (m.file, m.line, m.function, m.call, m.priority) == ("src/main.c", 11, "start", "log_message", "LOG_INFO")
    assert found["no name given: %m"].conditions == ("!name",)
    assert found["started with %d arguments"].call == "syslog"
    assert found["started with %d arguments"].priority == "LOG_WARNING"


def test_calls_in_project_macros_count_where_expanded(demo, tmp_path):
    m = by_format(build(demo, tmp_path / "cache").catalog)["detail for %s"]
    assert (m.line, m.written, m.priority) == (12, "log_detail", "LOG_DEBUG")
    assert m.conditions == ("name", "verbose")  # after `if (!name) return;` in start(), then the macro's own test


def test_wrappers_forwarding_their_format_are_inferred_and_not_messages_themselves(demo, tmp_path):
    built = build(demo, tmp_path / "cache")
    found = by_format(built.catalog)
    assert found["config %s"].call == "conf_write"
    assert "conf_write" in {f.name for f in built.catalog.log_functions}
    # the vsyslog calls inside log_message and conf_write forward a parameter: no message
    assert not [m for m in built.catalog.messages if m.function in ("log_message", "conf_write")]


def test_broken_file_is_reported_and_the_scan_goes_on(demo, tmp_path):
    built = build(demo, tmp_path / "cache")
    report = {f.path: f for f in built.catalog.files}
    assert report["src/broken.c"].errors >= 1
    assert report["src/main.c"].errors == 0
    assert {"still found %s", "after the broken function"} <= set(by_format(built.catalog))


def test_openlog_calls_are_recorded(demo, tmp_path):
    (call,) = build(demo, tmp_path / "cache").catalog.openlog
    assert (call.function, call.ident, call.facility) == ("main", '"demo"', "LOG_DAEMON")


def test_ids_do_not_depend_on_lines(demo, tmp_path):
    first = {m.format: m.id for m in build(demo, tmp_path / "c1").catalog.messages}
    main = demo / "src" / "main.c"
    main.write_text("/* a comment that moves every line down */\n\n" + main.read_text())
    moved = build(demo, tmp_path / "c2").catalog
    assert {m.format: m.id for m in moved.messages} == first
    assert by_format(moved)["Starting %s (pid %d)"].line == 13


def test_second_run_parses_nothing(demo, tmp_path):
    cold = build(demo, tmp_path / "cache")
    warm = build(demo, tmp_path / "cache")
    assert cold.scan.parsed == len(cold.scan.files) and cold.scan.cached == 0
    assert warm.scan.parsed == 0 and warm.scan.cached == len(cold.scan.files)
    assert catalog_to_dict(warm.catalog) == catalog_to_dict(cold.catalog)


def test_notes_on_how_the_tree_was_had_do_not_defeat_the_results_cache(demo, tmp_path):
    """A fallback note that changes every run ("github.com was unreachable 14 min ago") is not
    an input of the run: the second run is a hit, and its catalog carries its own notes."""
    rules = load_rules(str(FIXTURES / "demo.toml"))

    def run(note: str):
        where = Provenance("path", str(demo), None, notes=(note,))
        return build_from_tree(rules, SourceTree(demo, where), tmp_path / "cache")

    first, second = run("unreachable 1 min ago"), run("unreachable 14 min ago")
    assert not first.scan.from_results and second.scan.from_results
    assert second.catalog.provenance.notes == ("unreachable 14 min ago",)
    assert catalog_to_dict(second.catalog)["messages"] == catalog_to_dict(first.catalog)["messages"]


def test_second_run_reads_the_whole_result_back(demo, tmp_path):
    cold = build(demo, tmp_path / "cache")
    warm = build(demo, tmp_path / "cache")
    assert not cold.scan.from_results and warm.scan.from_results
    assert warm.scan.extra_cached == len(cold.scan.extra) and warm.scan.extra_parsed == 0
    # A damaged entry is rebuilt from the per-file facts, not an error.
    for entry in (tmp_path / "cache" / "results").rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"not a pickle")
    rebuilt = build(demo, tmp_path / "cache")
    assert not rebuilt.scan.from_results and rebuilt.scan.parsed == 0
    assert catalog_to_dict(rebuilt.catalog) == catalog_to_dict(cold.catalog)


def test_any_changed_input_misses_the_result_cache(demo, tmp_path):
    from dataclasses import replace

    from srcscan.results import run_key

    rules = load_rules(str(FIXTURES / "demo.toml"))

    def tree():  # each run lists and reads its tree once (SourceTree.text): a new run, a new tree
        return SourceTree(demo, Provenance("path", str(demo), None))

    key = run_key(rules, tree(), (), None)
    assert run_key(rules, tree(), (), None) == key
    assert run_key(rules, tree(), ("-D",), None) != key
    assert run_key(replace(rules, sha256="0" * 64), tree(), (), None) != key
    (demo / "lib" / "new.h").write_text("/* a header nobody includes yet */\n")
    assert run_key(rules, tree(), (), None) != key
    (demo / "lib" / "new.h").unlink()
    assert run_key(rules, tree(), (), None) == key
    main = demo / "src" / "main.c"
    main.write_text(main.read_text() + "\n")
    assert run_key(rules, tree(), (), None) != key


def test_changing_a_header_invalidates_the_files_that_include_it(demo, tmp_path):
    build(demo, tmp_path / "cache")
    header = demo / "lib" / "logger.h"
    header.write_text(header.read_text().replace("LOG_DEBUG", "LOG_NOTICE"))
    again = build(demo, tmp_path / "cache")
    assert again.scan.parsed == 3  # every file includes logger.h
    assert by_format(again.catalog)["detail for %s"].priority == "LOG_NOTICE"


def test_json_round_trip_and_markdown(demo, tmp_path):
    catalog = build(demo, tmp_path / "cache").catalog
    data = json.loads(json.dumps(catalog_to_dict(catalog)))
    assert data["schema"] == "srcscan.catalog/1"
    assert catalog_from_dict(data) == catalog
    text = render_markdown(catalog)
    assert "| 11 " in text and "Starting %s (pid %d)" in text
    assert "src/broken.c" in text


def test_table_cells_write_line_breaks_and_tabs_as_c_escapes():
    from srcscan.render.common import cell

    # lighttpd's "--- gw spawning\n\tport: %hu": a raw tab or line break would break the table's row
    assert cell("--- gw spawning\n\tport: %hu | x") == "--- gw spawning\\n\\tport: %hu \\| x"


def test_a_call_without_a_format_is_no_message_and_a_format_from_a_macro_reads_as_c(tmp_path):
    tree = tmp_path / "t"
    tree.mkdir()
    (tree / "d.c").write_text("""
void log_message(int priority, ...);  /* one name, two uses: the sink takes no format */
#define LOG_INFO 6
#define note(errh, full) log_message(LOG_INFO, (full) ? "limit reached" : "out of fds")
void sink(int pri) { log_message(pri); }
void f(int full) { note(0, full); log_message(LOG_INFO, "plain"); }
""")
    found = by_format(build(tree, tmp_path / "cache").catalog)
    # log_message(pri) makes no message; the macro's format is rebuilt, not `note(0, full)`, and
    # its choice between two literals is two messages
    assert set(found) == {"plain", "limit reached", "out of fds"}
    assert not found["limit reached"].dynamic and found["limit reached"].line == found["out of fds"].line
