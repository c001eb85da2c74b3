"""The catalog's sections are typed values (srcscan/sections.py) turned into JSON only at the
edge, and that JSON is the one the dict sections of earlier versions gave: every key, every
optional key absent where it was absent."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from srcscan.analyze.optiontypes import Option
from srcscan.catalog import catalog_from_dict, catalog_to_dict
from srcscan.pipeline import build_from_tree
from srcscan.render.json import dump
from srcscan.rules import load_rules
from srcscan.sections import CoverageReport, LoggingSetup, NotCovered, ProcessRow, Sections, UnreachableSite
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"

# Sections as the dict-building code wrote them (keys as in a session-6 catalog of lighttpd
# 1.4.85, shortened), with every optional key present once.
OLD_FORM = {
    "coverage": {
        "mode": "compile_commands", "token_scan": "calls `name(` ...", "log_functions": ["log_error", "log_perror"],
        "sites": 10, "parsed": 7, "parsed_default_profile": 6, "parsed_extra_profiles": 1, "unreachable": 2,
        "by_status": {"missing": 1, "never": 2}, "coverage": 0.7, "coverage_reachable": 0.875,
        "default_profile": {"name": "default", "features_turned_on": ["_WITH_X_"]},
        "profiles": [{"name": "default+HAVE_FAM_H", "files": ["src/a.c", "src/b.c"], "sites": 1}],
        "files_reparsed": 2,
        "not_covered": [
            {"file": "src/a.c", "line": 3, "call": "log_error", "build": "", "status": "missing", "reason": "r"},
            {"file": "src/b.c", "line": 9, "call": "log_error", "build": "defined(X)", "status": "never",
             "reason": "#if 0 (line 8): never compiled", "read_from_text": True}],
        "macros": {"feature": ["_WITH_X_"], "platform": [], "compiler": ["__GNUC__"], "other": []},
        "macro_counts": {"feature": 1, "platform": 0, "compiler": 1, "header_guard": 3, "tree": 4, "other": 0},
        "compile_commands": {"path": "/b/compile_commands.json", "files": 2, "outside_tree": ["/x.c"]},
        "read_from_text": 1, "in_if0": 1, "coverage_with_text": 0.8, "coverage_outside_if0": 0.8889},
    "options": [{"names": ["-D", "--log-detail"], "kind": "cli", "takes_value": False, "file": "main.c", "also": [],
                 "effects": [{"target": "debug", "op": "set_bit", "value": "LOG_DETAIL_BIT", "mask": 4, "level": 1},
                             {"target": "level", "op": "=", "value": "2", "mask": None, "level": 2, "when": "x"}]}],
    "processes": [{"name": "parent", "start": "main", "file": "main.c", "fork_line": 0, "idents": ["demo"],
                   "ident_patterns": ["demo"], "facility_expression": "LOG_DAEMON", "facility": ["daemon"],
                   "facility_with": {"-S": "local<N>"}, "messages": 3}],
    "processes_from_file": 0,
    "unreachable": [{"file": "a.c", "line": 4, "function": "cb", "format": "lost", "why": "stored, never called"}],
    "logging": {"destination": "errorlog", "syslog_option": "server.errorlog-use-syslog",
                "facility_option": "server.syslog-facility"},
    "skipped": [{"path": "link.c", "reason": "link to /etc/passwd, outside the tree"}],
}


def test_old_form_reads_as_typed_values_and_writes_back_byte_identical():
    sections = Sections.from_dict(copy.deepcopy(OLD_FORM))
    assert isinstance(sections.coverage, CoverageReport) and sections.coverage.missing == 1
    assert sections.coverage.not_covered[1] == NotCovered("src/b.c", 9, "log_error", "defined(X)", "never",
                                                          "#if 0 (line 8): never compiled", True)
    assert isinstance(sections.options[0], Option) and sections.options[0].effects[1].when == "x"
    assert sections.processes == (ProcessRow("parent", "main", "main.c", 0, ("demo",), ("demo",), "LOG_DAEMON",
                                             ("daemon",), (("-S", "local<N>"),), 3),)
    assert sections.unreachable == (UnreachableSite("a.c", 4, "cb", "lost", "stored, never called"),)
    assert sections.logging == LoggingSetup("errorlog", "server.errorlog-use-syslog", "server.syslog-facility")
    assert dump(sections.to_dict()) == dump(OLD_FORM)


@pytest.mark.parametrize("absent", ["compile_commands", "read_from_text"])
def test_optional_coverage_keys_stay_absent(absent):
    old = copy.deepcopy(OLD_FORM)
    drop = ["read_from_text", "in_if0", "coverage_with_text", "coverage_outside_if0"] if absent == "read_from_text" \
        else ["compile_commands"]
    for key in drop:
        del old["coverage"][key]
    back = Sections.from_dict(copy.deepcopy(old)).to_dict()
    assert dump(back) == dump(old) and absent not in back["coverage"]


def test_a_catalog_without_analyses_has_no_sections():
    assert Sections.from_dict({}).to_dict() == {}


def test_a_table_of_the_wrong_shape_is_a_type_error():
    old = copy.deepcopy(OLD_FORM)
    old["coverage"]["by_status"] = [1, 2]
    with pytest.raises(TypeError):
        Sections.from_dict(old)


def test_a_built_catalog_round_trips_byte_identical(tmp_path):
    """The procs fixture: options, processes, unreachable sites, logging and coverage, built by
    the pipeline as typed values, written, read and written again to the same bytes."""
    rules = load_rules(str(FIXTURES / "procs.toml"))
    root = FIXTURES / "procs"
    catalog = build_from_tree(rules, SourceTree(root, Provenance("path", str(root), None)), tmp_path / "cache").catalog
    s = catalog.sections
    assert s.coverage is not None and s.options and s.processes and s.logging is not None
    assert all(isinstance(p, ProcessRow) for p in s.processes)
    text = dump(catalog_to_dict(catalog))
    back = catalog_from_dict(json.loads(text))
    assert back.sections == catalog.sections
    assert dump(catalog_to_dict(back)) == text
