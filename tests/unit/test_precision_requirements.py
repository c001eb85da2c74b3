"""Issue "every answer true", requirement kinds: each small tree of tests/fixtures/precision
gives the requirements its expected.json names (the trees and expected.json are shared with
the process, facility and text cases; this module checks the requirement ones).

The trees are the issue's shared cases (../shared/cases/precision) copied verbatim, with cases
added here (config-field-copied: a key's value copied into another struct; zeroed-allocation,
unparsed-field-test, flag-set-in-key-loop). One file differs from the shared copy:
plugin-rules.toml adds a `[config]` section naming lighttpd's configuration idioms (key tables,
the key switch, set_defaults, buffer emptiness tests) as rules/lighttpd.toml does; without it
srcscan knows no configuration key in these trees (it does not guess a daemon's config idioms)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import assert_expected_messages, tree_catalog


PRECISION = Path(__file__).parent.parent / "fixtures" / "precision"
EXPECTED = json.loads((PRECISION / "expected.json").read_text())["cases"]

# Cases this module checks, and those srcscan does not answer right yet (strict: a fix makes
# the test fail until the case moves to FIXED).
CASES = ("conditional-sink", "sink-off-under-option", "parameter-null-default", "config-key-case",
         "config-defaults", "config-field-by-struct", "config-field-copied", "zeroed-allocation",
         "unparsed-field-test", "flag-set-in-key-loop", "config-string-emptiness",
         "option-effect-via-helper", "enum-bit-per-profile", "mixed-guard", "message-in-option-case")
NOT_YET: frozenset[str] = frozenset()

def catalog_of(case: str, tmp_path: Path):
    expected = EXPECTED[case]
    return tree_catalog(PRECISION / case, PRECISION / expected["rules"], tmp_path / "cache")


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.xfail(strict=True, reason="not fixed yet"))
                                  if c in NOT_YET else c for c in CASES])
def test_requirements_of_each_case(case, tmp_path):
    assert_expected_messages(catalog_of(case, tmp_path), EXPECTED[case]["messages"])


def test_dumps_reached_through_parameters_and_a_handed_over_callback(tmp_path):
    """keepalived's dumps: conf_write logs only with fp NULL; dump_data_vrrp(NULL) runs under
    -d, vrrp_print passes a checked fopen result, save_config calls the dump it is handed with
    a checked file: every dump line needs -d (and the log function drops all under -t)."""
    catalog = tree_catalog(PRECISION.parent / "dumps", PRECISION / "daemon-rules.toml", tmp_path / "cache")
    found = {m.format: m for m in catalog.messages}
    for fmt in (" vrrp", "   config error", "global %d", " mcast6"):
        assert found[fmt].requires == (("-d",),), fmt
        assert not found[fmt].uncertain
    assert found["no file"].requires == ()


def test_keepalived_kinds(tmp_path):
    """keepalived's kinds in one tiny daemon (tests/fixtures/reqk-kinds): a list's dump
    callback is the one stored by the constructor its list was made with, also through a
    constructor that forwards to another (1.1.19's alloc_list -> alloc_mlist), and not any list's
    (dump_if's list is never dumped); a static function nothing names is never logged; a variable only
    --debug's helper sets, and one derived from it, need --debug; a test of a variable
    reassigned between two tests is a new test, not a contradiction; a bit main() sets and -B
    clears (the rules' bit_clear) needs -B not given."""
    catalog = tree_catalog(PRECISION.parent / "reqk-kinds", PRECISION.parent / "reqk-kinds.toml", tmp_path / "cache")
    found = {m.format: m for m in catalog.messages}
    assert found["sock %p"].requires == (("-D",),)
    assert found["vrrp %p"].requires == (("-d",),)
    assert found["if %p"].requires == ()  # never dumped, but a non-static callback is not judged dead
    assert found["unused"].requires == (("false",),)
    assert found["epoll debug"].requires == (("--debug",),)
    assert found["recv error"].requires == ()
    assert found["starting bfd"].requires == (("!-B",),)
    assert not found["recv error"].uncertain
    options = {o["names"][0]: o for o in catalog.sections.to_dict()["options"]}
    assert any(e["target"] == "do_epoll_debug" for e in options["--debug"]["effects"])
