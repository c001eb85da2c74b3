"""dnsmasq's shapes, session 19 (tests/fixtures/dnsm-kinds6, rules dnsm-kinds6.toml): each
test fails on the code before its kind."""

from pathlib import Path

import pytest

from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"
ROOT = FIXTURES / "dnsm-kinds6"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    rules = load_rules(str(FIXTURES / "dnsm-kinds6.toml"))
    return build_from_tree(rules, SourceTree(ROOT, Provenance("path", str(ROOT), None)),
                           tmp_path_factory.mktemp("kinds6") / "cache", ()).catalog


def message(catalog, text):
    (m,) = [m for m in catalog.messages if m.format == text]
    return m


def test_an_entry_field_tested_zero_needs_the_fills_storing_zero(catalog):
    # answer(): `for (r = daemon->recs; r; ...) if (!r->issrv && ...)`: -m's case stores
    # issrv = 0, -W's 1, and read_opts() adds an entry with 0 after its loop under
    # --mx-target or --localmx: <MX> needs -m, -t or --localmx, not -W.
    assert message(catalog, "config %s is <MX>").requires == (("--localmx",), ("-m",), ("-t",))
    assert message(catalog, "config %s is <SRV>").requires == (("-W",),)
    # a test of another field: any entry will do, the parser's own included
    assert message(catalog, "config %s is a record").requires == (("--localmx",), ("-W",), ("-m",), ("-t",))
    assert message(catalog, "started").requires == ()


def test_a_non_empty_string_the_code_stores_is_said_not_followed(catalog):
    # log_servers(): `strlen(serv->domain) != 0`, serv->domain stored only by add_server() from
    # its parameter, non-empty only for --server=/domain/...: not "appears by default" unsaid.
    (note,) = message(catalog, "using server for %s").uncertain
    assert "serv->domain non-empty" in note and "servers.c:21 in add_server()" in note
    # the empty string needs nothing and says nothing; a packet's field is data of the run
    assert message(catalog, "using server").uncertain == ()
    assert message(catalog, "boot file %s").uncertain == ()


def test_errno_against_0_after_a_function_of_the_tree_is_said_not_followed(catalog):
    # open_sock() sets errno = 0 and fails without --query-port and a port: `errno != 0`
    # after it needs an option srcscan does not trace through errno.
    (note,) = message(catalog, "ignoring server: %s").uncertain
    assert "`errno != 0`" in note and "open_sock()" in note
