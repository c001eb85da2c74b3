"""dnsmasq's shapes, session 17 (tests/fixtures/dnsm-kinds4, rules dnsm-kinds4.toml): each
test fails on the code before its kind."""

from pathlib import Path

import pytest

from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"
ROOT = FIXTURES / "dnsm-kinds4"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    rules = load_rules(str(FIXTURES / "dnsm-kinds4.toml"))
    return build_from_tree(rules, SourceTree(ROOT, Provenance("path", str(ROOT), None)),
                           tmp_path_factory.mktemp("kinds4") / "cache", ()).catalog


def message(catalog, text):
    (m,) = [m for m in catalog.messages if m.format == text]
    return m


def test_a_test_of_a_result_that_is_always_null_never_holds(catalog):
    # main(): `warn = route_init(); if (warn) log_msg(4, warn);` and route_init() returns NULL
    # on every path in this build: never logged, and said why.
    warned = message(catalog, "warn")  # its format is the variable
    assert warned.requires == (("false",),)
    assert "each return of that function gives NULL" in str(warned.derivation)
    # the same function called under `if (route_ready())`, which returns 0 always: never
    assert message(catalog, "route listener started").requires == (("false",),)
    assert message(catalog, "routes read").requires == ()
    assert message(catalog, "started").requires == ()
    # route_probe() returns NULL in this build, a text under #ifdef HAVE_ROUTE_SOCKET in another:
    # its result is no constant of the run
    assert message(catalog, "probe: %s").requires == ()


def test_a_bit_the_option_handler_stores_for_one_code_of_a_shared_case(catalog):
    # one_opt()'s `case LOPT_DHCP_INOTIFY: case LOPT_DHOPT_INOTIFY: case LOPT_HOST_INOTIFY:`
    # adds a directory to one list and picks its flag bit with `option == CODE`: a test of the
    # bit needs that option alone (not any of the three). AH_HOSTS is also handed to
    # add_watches(), which only tests it as a mask: that call stores it nowhere.
    assert message(catalog, "watching %s").requires == (("--dhcp-hostsdir",), ("--dhcp-optsdir",), ("--hostsdir",))
    assert message(catalog, "hosts directory %s").requires == (("--hostsdir",),)
    assert message(catalog, "dhcp-host directory %s").requires == (("--dhcp-hostsdir",),)
