"""Rules files are validated when they are loaded: every section, every key, before any parse."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from srcscan.errors import RulesError
from srcscan.rules import OptionMapping, load_rules, parse_rules

FIXTURES = Path(__file__).parent.parent / "fixtures"

BASE = {
    "project": {"name": "bad"},
    "source": {"providers": ["path"]},
    "log_functions": [{"name": "log_message", "priority_arg": 0, "format_arg": 1}],
}

# (extra top-level tables, the dotted key the error must name, a word the message must hold)
BAD = [
    ({"project": {"name": "bad", "descripton": "typo"}}, "project.descripton", "unknown key"),
    ({"source": {"providers": ["path"], "tags": "v{version}"}}, "source.tags", "unknown key"),
    ({"source": {"providers": ["svn"]}}, "source.providers[0]", "expected one of"),
    ({"log_functions": [{"name": "f", "format_arg": 1, "priority": "LOG_ERR", "line": 2}]},
     "log_functions[0].line", "unknown key"),
    ({"log_functions": [{"name": "f", "format_arg": "1", "priority": "LOG_ERR"}]},
     "log_functions[0].format_arg", "expected an integer"),
    ({"profiles": [{"name": "default", "define": {"X": "1"}}]}, "profiles[0].define", "unknown key"),
    ({"profiles": [{"name": "default", "defines": {"X": '"unterminated'}}]}, "profiles[0].defines.X", "not a C token"),
    ({"profiles": [{"name": "default", "defines": {"X": "(1"}}]}, "profiles[0].defines.X", "bracket"),
    ({"logging": {"destinaton": "syslog"}}, "logging.destinaton", "unknown key"),
    ({"logging": {"destination": 1}}, "logging.destination", "expected a string"),
    ({"logging": {"destination": "errorlog"}}, "logging.syslog_option", "switches to syslog"),
    ({"options": {"bitset": ["set_bit"]}}, "options.bitset", "unknown key"),
    ({"options": {"bit_set": "set_bit"}}, "options.bit_set", "a list of strings"),
    ({"options": {"map": [{"names": ["-x"], "target": "debug", "maks": 4}]}}, "options.map[0].maks", "unknown key"),
    ({"options": {"map": [{"names": [], "target": "debug"}]}}, "options.map[0].names", "non-empty"),
    ({"options": {"map": [{"names": ["-x"]}]}}, "options.map[0].target", "missing"),
    ({"processes": {"name": {"a": "b"}}}, "processes.name", "unknown key"),
    ({"processes": {"names": {"a": 1}}}, "processes.names.a", "expected a string"),
    ({"callgraph": {"entry_point": ["*_init"]}}, "callgraph.entry_point", "unknown key"),
    ({"callgraph": {"entry_points": "*_init"}}, "callgraph.entry_points", "a list of strings"),
    ({"preprocessor": {"features": ["_WITH_*_"]}}, "preprocessor.features", "unknown key"),
    ({"preprocessor": {"feature": "_WITH_*_"}}, "preprocessor.feature", "a list of strings"),
    ({"preprocessor": {"off": [""]}}, "preprocessor.off", "macro names or patterns"),
    ({"preprocessor": {"values": {"X": "a @ b"}}}, "preprocessor.values.X", "not a C token"),
    ({"loging": {"destination": "syslog"}}, "loging", "unknown key"),
    ({"options": ["bit_set"]}, "options", "expected a table"),
    ({"config": {"parsed": [{"functions": ["network_init"], "variable": "family"}]}}, "config.parsed[0]", "default"),
    ({"config": {"kept_checks": [{"block": "b", "needs": "k", "checked_in": "f"}]}}, "config.kept_checks[0].block",
     "kept_only_with"),
    ({"config": {"handler_selectors": {"handle_subrequest": "handler-module"}}}, "config.handler_selectors.handle_subrequest",
     "field name"),
    ({"config": {"handler_selectors": {"handle_subrequest": 1}}}, "config.handler_selectors.handle_subrequest",
     "expected a string"),
]


@pytest.mark.parametrize("extra, key, words", BAD, ids=[b[1] for b in BAD])
def test_every_section_is_checked_when_read(extra, key, words):
    with pytest.raises(RulesError) as err:
        parse_rules({**BASE, **extra}, "bad.toml")
    assert err.value.path == "bad.toml" and err.value.key == key
    assert words in err.value.expected


def test_unknown_key_says_which_keys_the_section_has():
    with pytest.raises(RulesError) as err:
        parse_rules({**BASE, "callgraph": {"entry_point": []}}, "bad.toml")
    assert str(err.value) == "bad.toml: callgraph.entry_point: unknown key (expected one of entry_points, fd_creators, fd_readers, fd_users, fd_writers, library_exits, library_keeps, library_macros, noreturn)"


def test_sections_are_typed_values():
    rules = parse_rules({**BASE, "options": {"bit_set": ["s"], "map": [{"names": ["-v"], "target": "debug", "mask": 4}]},
                         "logging": {"destination": "errorlog", "syslog_option": "use-syslog"},
                         "processes": {"names": {"healthcheckers": "checker"}},
                         "callgraph": {"entry_points": ["*_init"]},
                         "preprocessor": {"off": ["USE_*"], "values": {"B": "2", "A": "1"}}}, "ok.toml")
    assert rules.options.bit_set == frozenset({"s"}) and rules.options.bit_test == frozenset()
    assert rules.options.map == (OptionMapping(("-v",), "debug", 4, False),)
    assert (rules.logging.destination, rules.logging.syslog_option) == ("errorlog", "use-syslog")
    assert rules.processes.names == (("healthcheckers", "checker"),)
    assert rules.callgraph.entry_points == ("*_init",)
    assert rules.preprocessor.off == ("USE_*",) and rules.preprocessor.values == (("A", "1"), ("B", "2"))
    assert parse_rules(BASE, "plain.toml").logging.destination == "syslog"


@pytest.mark.parametrize("project", ["keepalived", "lighttpd", "dnsmasq"])
def test_shipped_rules_load(project):
    assert load_rules(project).project == project


def _toml_value(value) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}" = {_toml_value(v)}' for k, v in value.items()) + "}"
    return str(value)


def _write_toml(path: Path, table: dict) -> None:
    lines = [f"{name} = {_toml_value(value)}" for name, value in table.items()]
    path.write_text("\n".join(lines) + "\n")
    assert tomllib.loads(path.read_text()) == table


# One mistyped key per section, as a user would make it, in a real run of the command.
TYPOS = [
    ("logging", {"destination": "syslog", "facilty_option": "-S"}, "logging.facilty_option"),
    ("options", {"bit_tests": ["test_bit"]}, "options.bit_tests"),
    ("processes", {"names": {"a": "b"}, "name": {}}, "processes.name"),
    ("callgraph", {"entrypoints": ["*_init"]}, "callgraph.entrypoints"),
    ("preprocessor", {"off": ["USE_*"], "of": ["X"]}, "preprocessor.of"),
    ("source", {"providers": ["path"], "debain": "demo"}, "source.debain"),
    ("project", {"name": "demo", "nmae": "demo"}, "project.nmae"),
]


@pytest.mark.parametrize("section, table, key", TYPOS, ids=[t[2] for t in TYPOS])
def test_a_typo_fails_the_command_before_any_parse(tmp_path, section, table, key):
    tree = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", tree)
    rules = tomllib.loads((FIXTURES / "demo.toml").read_text())
    rules[section] = table
    bad = tmp_path / "bad.toml"
    _write_toml(bad, rules)
    cache, out = tmp_path / "cache", tmp_path / "out.json"
    run = subprocess.run([sys.executable, "-m", "srcscan", "catalog", "--path", str(tree), "--rules", str(bad),
                          "--cache-dir", str(cache), "--format", "json", "-o", str(out)],
                         capture_output=True, text=True, env=os.environ, timeout=300)
    assert run.returncode == 2
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"srcscan: error: {bad}: {key}: unknown key (expected one of ")
    assert not out.exists()
    # Nothing was parsed: the per-file facts cache holds no entry.
    assert not [p for p in (cache / "facts").rglob("*") if p.is_file()]


def test_projects_start_from_the_shared_c_idioms():
    rules = parse_rules(BASE, "plain.toml")
    assert {"getopt", "getopt_long", "poptGetNextOpt"} <= rules.options.getopt_calls
    assert [t.fields[:2] for t in rules.options.tables] == [("name", "has_arg"), ("longName", "shortName")]
    assert rules.processes.fork_calls == frozenset({"fork", "vfork"})
    assert (rules.processes.openlog.name, rules.processes.openlog.facility_arg) == ("openlog", 2)
    assert rules.config.key_tables == () and rules.config.key_switch == ""  # lighttpd's layout is lighttpd's
    alone = parse_rules(BASE, "plain.toml", shared=False)
    assert alone.options.getopt_calls == frozenset() and alone.processes.openlog.name == ""


def test_a_project_replaces_a_shared_key_and_keeps_the_others():
    rules = parse_rules({**BASE, "options": {"getopt_calls": ["my_getopt"], "bit_set": ["s"]}}, "p.toml")
    assert rules.options.getopt_calls == frozenset({"my_getopt"}) and rules.options.bit_set == frozenset({"s"})
    assert len(rules.options.tables) == 2  # still the shared tables


def test_lighttpd_config_layout_is_rules_data():
    config = load_rules("lighttpd").config
    assert config.key_switch == "k_id" and config.case_comments
    assert [t.fields[0] for t in config.key_tables] == ["k", "key"] and config.key_tables[1].destination == "destination"
    assert "disable" in config.false_values
    assert "*set_defaults" in config.defaults_functions and "buffer_is_blank" in config.emptiness_tests
    assert load_rules("keepalived").config.key_tables == ()
    assert load_rules("keepalived").config.defaults_functions == ()
    # keepalived's emptiness test is lib/list_head.h's, of the lists its keywords fill (list_fills)
    assert load_rules("keepalived").config.emptiness_tests == ("list_empty",)
    assert ("list_add_tail", 1) in load_rules("keepalived").config.list_fills


BAD_IDIOMS = [
    ({"options": {"tables": [{"fields": ["a", "b"], "name": "c", "value": ["b"], "has_arg": "b"}]}},
     "options.tables[0].name", "one of the fields"),
    ({"options": {"tables": [{"fields": [], "name": "a", "value": ["a"], "has_arg": "a"}]}},
     "options.tables[0].fields", "struct field names"),
    ({"options": {"tables": [{"fields": ["a"], "name": "a", "value": [], "has_arg": "a"}]}},
     "options.tables[0].value", "option's code"),
    ({"options": {"getopt_call": ["getopt"]}}, "options.getopt_call", "unknown key"),
    ({"config": {"key_tables": [{"fields": ["k"], "destination": "d"}]}}, "config.key_tables[0].destination",
     "one of the fields"),
    ({"config": {"key_switch": 1}}, "config.key_switch", "expected a string"),
    ({"config": {"case_comment": True}}, "config.case_comment", "unknown key"),
    ({"config": {"emptiness_tests": ["buffer_is_blank()"]}}, "config.emptiness_tests", "function names"),
    ({"config": {"emptiness_tests": "buffer_is_blank"}}, "config.emptiness_tests", "a list of strings"),
    ({"config": {"defaults_functions": [""]}}, "config.defaults_functions", "name patterns"),
    ({"config": {"defaults_function": ["*set_defaults"]}}, "config.defaults_function", "unknown key"),
    ({"config": {"given_by_default": [""]}}, "config.given_by_default", "config key names"),
    ({"config": {"given_by_default": "server.modules"}}, "config.given_by_default", "a list of strings"),
    ({"config": {"entry_name_field": "data-key"}}, "config.entry_name_field", "a field name"),
    ({"processes": {"openlog": {"name": "openlog", "facility": 2}}}, "processes.openlog.facility", "unknown key"),
    ({"processes": {"fork_call": ["fork"]}}, "processes.fork_call", "unknown key"),
]


@pytest.mark.parametrize("extra, key, words", BAD_IDIOMS, ids=[b[1] for b in BAD_IDIOMS])
def test_idiom_keys_are_checked_too(extra, key, words):
    with pytest.raises(RulesError) as err:
        parse_rules({**BASE, **extra}, "bad.toml")
    assert err.value.path == "bad.toml" and err.value.key == key and words in err.value.expected


def test_a_bad_shared_file_names_itself(tmp_path, monkeypatch):
    (tmp_path / "_c.toml").write_text('[options]\ngetopt_calls = "getopt"\n')
    monkeypatch.setenv("SRCSCAN_RULES_DIR", str(tmp_path))
    with pytest.raises(RulesError) as err:
        parse_rules(BASE, "p.toml")
    assert err.value.path == str(tmp_path / "_c.toml") and err.value.key == "options.getopt_calls"


def test_an_option_table_of_the_projects_own_struct(tmp_path):
    from conftest import parse_c

    from srcscan.extract.options import extract_options

    unit = parse_c(tmp_path, """
        struct cmd { const char *long_name; int code; int arg; };
        static const struct cmd cmds[] = { { "log-queries", 'q', 2 }, { "port", 'p', 1 }, { "quiet", 'Q', 0 } };
        int next(void);
        int flag;
        void parse(void) { int c; while ((c = next()) != -1) switch (c) { case 'q': flag = 1; break; } }
    """)
    rules = parse_rules({**BASE, "options": {"getopt_calls": ["next"], "tables": [
        {"fields": ["long_name", "code", "arg"], "name": "long_name", "value": ["code"], "has_arg": "arg"}]}}, "p.toml")
    found = extract_options(unit, rules.idioms)
    assert found.long == [("log-queries", ord("q"), 1), ("port", ord("p"), 1), ("quiet", ord("Q"), 0)]
    assert [c[:3] for c in found.cases] == [((ord("q"),), "flag", "=")]
    plain = extract_options(unit, parse_rules(BASE, "plain.toml").idioms)
    assert plain.long == [] and plain.cases == []


def test_callgraph_noreturn_names_c_functions(tmp_path):
    base = '[project]\nname = "x"\n[[log_functions]]\nname = "f"\npriority_arg = 0\nformat_arg = 1\n'
    good = tmp_path / "good.toml"
    good.write_text(base + '[callgraph]\nnoreturn = ["die"]\n')
    assert load_rules(str(good)).idioms.noreturn == frozenset({"die"})
    bad = tmp_path / "bad.toml"
    bad.write_text(base + '[callgraph]\nnoreturn = ["die()"]\n')
    with pytest.raises(RulesError) as err:
        load_rules(str(bad))
    assert "callgraph.noreturn[0]" in str(err.value)


def test_events_entries_are_checked(tmp_path):
    base = '[project]\nname = "x"\n[[log_functions]]\nname = "f"\npriority_arg = 0\nformat_arg = 1\n'
    good = tmp_path / "good.toml"
    good.write_text(base + '[[events]]\nsend = "send_event"\ncode_arg = 1\nreceivers = ["fatal_event"]\n')
    (channel,) = load_rules(str(good)).events
    assert (channel.send, channel.code_arg, channel.receivers) == ("send_event", 1, ("fatal_event",))
    bad = tmp_path / "bad.toml"
    bad.write_text(base + '[[events]]\nsend = "send_event"\ncode_arg = -1\nreceivers = ["fatal_event"]\n')
    with pytest.raises(RulesError) as err:
        load_rules(str(bad))
    assert "events[0].code_arg" in str(err.value)


@pytest.mark.parametrize("block, needs", [
    # vrrp_parser.c:1862-1866 (2.3.4): vrrp_tprocess_end_handler frees one without `process`
    ("vrrp_track_process", "process"),
    # check_http.c:893-897: url_check frees a url with no path
    ("url", "path"),
])
def test_keepalived_blocks_dropped_at_their_end(block, needs):
    """Issue 13: blocks keepalived's end handlers drop unless a keyword filled a field; code run
    after the parse that needs the block needs the keyword too (analyze.keptblocks)."""
    assert dict(load_rules("keepalived").config.kept_only_with)[block] == needs
