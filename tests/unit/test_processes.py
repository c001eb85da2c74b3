"""Processes and syslog facilities (tests/fixtures/procs): a parent on log_facility, two forked
children that open syslog with their own facility expressions (one through a wrapper), code
shared by all three, and -S N setting log_facility from a table."""

from pathlib import Path

import pytest

from srcscan.analyze.facilities import BadOptionValue
from srcscan.formats.template import render_normal
from srcscan.catalog import catalog_from_dict, catalog_to_dict
from srcscan.rsyslog import rsyslog_config
from srcscan.rules import parse_rules
from tests.conftest import assert_rsyslogd_accepts, tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"


def build(tmp_path, with_options=(), rules=None):
    return tree_catalog(FIXTURES / "procs", rules or FIXTURES / "procs.toml", tmp_path / "cache", with_options)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return build(tmp_path_factory.mktemp("procs"))


def message(catalog, text):
    (m,) = [m for m in catalog.messages if m.format == text]
    return m


def test_process_table(catalog):
    procs = {p["name"]: p for p in catalog.sections.to_dict()["processes"]}
    assert list(procs) == ["parent", "alpha", "beta"]
    assert procs["parent"]["start"] == "main" and procs["parent"]["idents"] == ["Demo"]
    assert procs["alpha"]["start"] == "start_alpha_child" and procs["alpha"]["fork_line"] == 14
    assert procs["alpha"]["facility_expression"] == "(log_facility == LOG_DAEMON) ? LOG_LOCAL1 : log_facility"
    assert procs["beta"]["idents"] == ["Demo_beta"]  # a local passed to the wrapper open_log(ident)
    assert {n: p["facility"] for n, p in procs.items()} == {"parent": ["daemon"], "alpha": ["local1"], "beta": ["local2"]}
    assert all(p["facility_with"] == {"-S": "local<N>"} for p in procs.values())


def test_each_message_gets_its_process_and_facility(catalog):
    assert message(catalog, "parent starting").processes == ("parent",)
    alpha = message(catalog, "alpha running")
    assert (alpha.processes, alpha.facility, alpha.facility_with) == (("alpha",), ("local1",), (("-S", "local<N>"),))
    assert message(catalog, "beta running").facility == ("local2",)
    # In the start function: before the fork and in the branch where fork() returned non-zero,
    # the parent runs.
    assert message(catalog, "alpha fork failed").processes == ("parent",)
    assert message(catalog, "alpha started as %d").facility == ("daemon",)
    # shared_report(who) is given "alpha", "beta" and "parent": one message per constant, each
    # (for now) with the helper's processes, the union over its callers
    shared = [m for m in catalog.messages if m.format == "report from %s"]
    assert sorted(render_normal(m.template) for m in shared) == ["report from alpha", "report from beta", "report from parent"]
    assert {(m.processes, m.facility) for m in shared} == {(("parent", "alpha", "beta"), ("daemon", "local1", "local2"))}


def test_a_variable_each_child_sets_tells_processes_apart(catalog):
    # shared.c: `if (prog_type == PROG_ALPHA)` after alpha set prog_type = PROG_ALPHA
    assert message(catalog, "alpha's share").processes == ("alpha",)
    assert message(catalog, "not in beta").processes == ("parent", "alpha")


def test_with_an_option_that_changes_the_facility(tmp_path):
    catalog = build(tmp_path, ("-S 3",))
    assert {m.facility for m in catalog.messages} == {("local3",)}
    assert all(m.facility_with == () for m in catalog.messages)
    assert "parent detail" not in {m.format for m in catalog.messages}  # needs -D, not given
    with_d = build(tmp_path, ("-D", "--log-facility=5"))
    assert message(with_d, "parent detail").facility == ("local5",)


def test_a_value_the_option_rejects(tmp_path):
    with pytest.raises(BadOptionValue, match=r"-S 8: not a value -S accepts \(0\.\.7\)"):
        build(tmp_path, ("-S 8",))
    with pytest.raises(BadOptionValue):
        build(tmp_path, ("-S daemon",))


def test_round_trip_keeps_processes(catalog):
    back = catalog_from_dict(catalog_to_dict(catalog))
    assert back.messages == catalog.messages and back.sections == catalog.sections


def test_error_log_destination_from_the_rules(tmp_path):
    raw = {"project": {"name": "filelog"}, "source": {"providers": ["path"]},
           "log_functions": [{"name": "log_message", "priority_arg": 0, "format_arg": 1}],
           "logging": {"destination": "errorlog", "syslog_option": "-D"}}
    rules = parse_rules(raw, "filelog.toml")
    default = build(tmp_path, rules=rules)
    assert message(default, "alpha running").facility == ("errorlog",)
    assert ("-D", "local1") in message(default, "alpha running").facility_with
    on = build(tmp_path, ("-D",), rules=rules)
    assert message(on, "alpha running").facility == ("local1",)


def test_rsyslog_rules_split_by_facility_and_pass_rsyslogd(catalog, tmp_path):
    text = rsyslog_config(catalog, "/var/log/procdemo")
    assert "if $syslogfacility-text == 'local1' then {" in text
    assert "($syslogfacility-text == 'daemon') and ($programname == 'Demo')" in text  # daemon is shared with others
    assert '# process beta (starts in start_beta_child() in beta.c): 4 catalog messages, by facility local2' in text  # beta running, report from alpha/beta/parent
    conf = tmp_path / "rules.conf"
    conf.write_text(text)
    assert_rsyslogd_accepts(conf)


def test_rsyslog_rules_by_program_name_when_facilities_are_shared(tmp_path):
    catalog = build(tmp_path, ("-S 3",))
    text = rsyslog_config(catalog, "/var/log/procdemo", ("-S 3",))
    assert "if $programname == 'Demo_alpha' then {" in text and "as run with -S 3" in text
    conf = tmp_path / "rules.conf"
    conf.write_text(text)
    assert_rsyslogd_accepts(conf)
