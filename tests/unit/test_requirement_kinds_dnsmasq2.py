"""Kinds of `requires` found wrong in dnsmasq 2.90 by the session-14 audits, fixed in session 15,
each on a small tree written for srcscan (tests/fixtures/dnsm-kinds2), read with the generic
fixture rules only."""

from pathlib import Path

import pytest

from srcscan.formats.template import render_normal
from srcscan.model import DecidedByCallers
from tests.conftest import tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(FIXTURES / "dnsm-kinds2", FIXTURES / "dnsm-kinds2.toml",
                        tmp_path_factory.mktemp("dnsm-kinds2") / "cache")


def by_text(catalog, text: str):
    """The one message of `catalog` whose text (its callers' constants put in) is `text`."""
    (m,) = [m for m in catalog.messages if render_normal(m.template) == text]
    return m


def test_a_helpers_text_needs_what_the_calls_passing_its_constant_need(catalog):
    """log_packet(type, why) writes the constants its callers pass (dnsmasq's rfc2131.c
    log_packet: "PXE" only from the branch under daemon->enable_pxe): the "BOOT" text needs
    the -b its one call sits under, the "REQUEST" text nothing (both needed nothing)."""
    boot = by_text(catalog, "BOOT(boot server)")
    assert boot.requires == (("-b",),)
    assert any(isinstance(d, DecidedByCallers) for d in boot.derivation)
    assert by_text(catalog, "REQUEST(plain)").requires == ()


def test_a_helper_text_with_an_open_hole_keeps_its_answer_when_the_helper_is_pointed_to(catalog):
    """log_reply() is called under -r with "fast" or a name, and through reply_hook with
    anything: "reply fast" needs -r, but "reply %s" is written by calls srcscan does not see
    (the pointer's) as well, and keeps the site's answer."""
    assert by_text(catalog, "reply fast").requires == (("-r",),)
    assert by_text(catalog, "reply %s").requires == ()


def test_a_file_scope_flag_only_code_under_an_option_sets(catalog):
    """open_log() returns errno only under `to_file && ...`, and to_file (a file static, 0 at
    start) is set only under `if (log_path)`, which -l gives (dnsmasq's log_start and
    log_to_file, dnsmasq.c:926): the message needs -l (it needed nothing). `started`, set on
    every run of start_serving() that gets past its early return, needs nothing (a phase of the
    run; globalflags leaves such flags out for keepalived's children_started, whose reading
    changed processes: not what this fixture tells apart)."""
    assert by_text(catalog, "cannot change the owner of the log file").requires == (("-l",),)
    assert by_text(catalog, "serving already").requires == ()


def test_a_helpers_text_chosen_one_way_of_a_choice_needs_that_way(catalog):
    """`log_packet(rapid ? "FAST" : "NAK", ...)` with `rapid` set only under -r (dnsmasq's
    `rapid_commit ? "NOANSWER" : "DHCPNAK"`, rapid_commit set under --dhcp-rapid-commit): the
    FAST text needs -r, the NAK text nothing (both needed nothing)."""
    assert by_text(catalog, "FAST(answer)").requires == (("-r",),)
    assert by_text(catalog, "NAK(answer)").requires == ()
