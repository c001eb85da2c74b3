"""Options kept as bits of one array, set through a code table and a handler function
(dnsmasq's shape; tests/fixtures/optbits), read with only rules data."""

from pathlib import Path

import pytest

from srcscan.analyze.settings import needs
from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules, parse_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"
ROOT = FIXTURES / "optbits"


def build(tmp_path, with_options=(), rules=None):
    rules = rules or load_rules(str(FIXTURES / "optbits.toml"))
    return build_from_tree(rules, SourceTree(ROOT, Provenance("path", str(ROOT), None)), tmp_path / "cache",
                           with_options).catalog


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return build(tmp_path_factory.mktemp("optbits"))


def options(catalog):
    return {tuple(o["names"]): o for o in catalog.sections.to_dict()["options"]}


def requires(catalog, text):
    (m,) = [m for m in catalog.messages if m.format == text]
    return m.requires


def test_the_handler_called_from_the_getopt_loop_holds_the_cases(catalog):
    found = options(catalog)
    # one_opt(option, arg) switches on the code read_opts' getopt_long loop hands it.
    assert [(e["target"], e["mask"]) for e in found[("-q", "--log-queries")]["effects"]] == [
        (".options", 1 << 2), (".options", 1 << 33)]
    assert [e["target"] for e in found[("-8", "--log-facility")]["effects"]] == ["daemon.log_fac"]
    # The handler's own list node (`local->next = daemon`) is no option's.
    assert [e["target"] for e in found[("-p", "--port")]["effects"]] == ["daemon.port"]


def test_long_only_codes_set_the_bit_their_code_table_row_names(catalog):
    found = options(catalog)
    assert [(e["target"], e["mask"]) for e in found[("--log-dhcp",)]["effects"]] == [(".options", 1 << 40)]
    assert [(e["target"], e["mask"]) for e in found[("--quiet-dhcp",)]["effects"]] == [(".options", 1 << 5)]
    # ARG_DUP and ARG_ONE, which the generic branch's guard rules out, are no bits.
    assert all(e["op"] != "set_bit" for e in found[("-p", "--port")]["effects"] + found[("-8", "--log-facility")]["effects"])


def test_a_value_compared_in_the_case_is_its_own_requirement(catalog):
    (extra,) = [e for e in options(catalog)[("-q", "--log-queries")]["effects"] if e.get("when")]
    assert extra["when"] == "extra"
    assert requires(catalog, "%d query %s") == (("-q=extra",),)  # given with a value: given (-q)
    assert requires(catalog, "query %s") == (("!-q=extra", "-q"),)


def test_bit_array_tests_read_as_options(catalog):
    assert requires(catalog, "DHCP packet from %s") == (("--log-dhcp",),)  # bit 40: the second word
    assert requires(catalog, "DHCPACK %s") == (("!--quiet-dhcp",),)
    assert requires(catalog, "next %s") == () and requires(catalog, "started") == ()


def test_with_a_value(tmp_path):
    plain = {m.format for m in build(tmp_path, ("--log-queries",)).messages}
    assert "query %s" in plain and "%d query %s" not in plain
    extra = {m.format for m in build(tmp_path, ("--log-queries=extra",)).messages}
    assert "%d query %s" in extra and "query %s" not in extra


def test_adds(catalog):
    added = {m.format for m in catalog.messages if needs(m.requires, {"-q", "--log-queries"})}
    assert added == {"%d query %s", "query %s"}


def test_without_the_rules_vocabulary_nothing_is_an_option(tmp_path):
    raw = {"project": {"name": "optbits"}, "source": {"providers": ["path"]},
           "log_functions": [{"name": "log_msg", "priority_arg": 0, "format_arg": 1}]}
    catalog = build(tmp_path, rules=parse_rules(raw, "plain.toml"))
    assert all(m.requires == () for m in catalog.messages)
    assert not any(e["target"] == ".options" for o in catalog.sections.to_dict()["options"] for e in o["effects"])
