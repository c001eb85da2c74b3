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


def test_a_non_empty_string_field_needs_the_stores_of_one(catalog):
    # log_servers(): `strlen(serv->domain) != 0`; add_server() stores a zeroed byte under
    # `*domain == 0` and strdup(domain) otherwise, and only -S's case hands it a domain that may
    # be non-empty (main() passes NULL): the message needs -S (analyze.nonempty).
    assert message(catalog, "using server for %s").requires == (("-S",),)
    assert message(catalog, "using server for %s").uncertain == ()
    # queries_full(domain): `!domain || strlen(domain) == 0` failing, its callers pass
    # serv->domain and NULL
    assert message(catalog, "queries full for %s").requires == (("-S",),)
    assert message(catalog, "queries full").requires == ()
    # the empty string needs nothing; a packet's field is data of the run
    assert message(catalog, "using server").requires == ()
    assert message(catalog, "boot file %s").requires == () and message(catalog, "boot file %s").uncertain == ()


def test_a_non_empty_string_or_a_test_of_the_run_is_said_not_followed(catalog):
    # `strlen(serv->domain) != 0 || serv->port == 5353`: the other way needs nothing srcscan
    # reads, and the row says so rather than "appears by default" alone.
    m = message(catalog, "using server %d")
    assert m.requires == ()
    (note,) = m.uncertain
    assert "serv->domain non-empty needs options" in note and "serv->port == 5353" in note


def test_errno_against_0_after_a_function_of_the_tree_is_said_not_followed(catalog):
    # open_sock() sets errno = 0 and fails without --query-port and a port: `errno != 0`
    # after it needs an option srcscan does not trace through errno.
    (note,) = message(catalog, "ignoring server: %s").uncertain
    assert "`errno != 0`" in note and "open_sock()" in note


def test_a_zeroing_wrapper_parsed_with_several_profiles():
    # extract.writes gives a line once per build profile: whine_malloc's `void *ret =
    # calloc(1, size);` twice is still its only assignment (analyze.zeroed).
    from srcscan.analyze.zeroed import zeroing_functions
    from srcscan.cexpr import Call, Const, Name
    from srcscan.model import FunctionFacts, Return, Write

    value = Call(Name("calloc", "function"), (Const(1, "1"), Name("size", "param")))
    fn = FunctionFacts("whine_malloc", "util.c", 1, False, ("size",), False, (),
                       returns=(Return(5, Name("ret", "var"), ()),))
    write = Write("whine_malloc", "util.c", 3, "ret", "decl", value, "calloc(1, size)", local=True)
    assert "whine_malloc" in zeroing_functions([fn], {("util.c", "whine_malloc"): [write, write]})


def test_a_local_holding_a_lookup_in_an_options_list(catalog):
    # dhcp_reply(): `config = find_conf(daemon->hosts, ...)` (a wrapper returning a walk's entry
    # or NULL, itself called twice), or another local given such a result: `have_conf(config,
    # CONF_ADDR)` needs --dhcp-host's list (nullargs through the wrapper's local, optiontests).
    assert message(catalog, "disabling static address for %s").requires == (("-G",),)
    # conf_implies(): nothing after `if (!config || ...) return NULL;` without a config
    assert message(catalog, "disabling static v6 address %s").requires == (("-G",),)
    # a lookup in data of the run: nothing
    assert message(catalog, "seen %s").requires == ()
