"""dnsmasq's shapes, session 18 (tests/fixtures/dnsm-kinds5, rules dnsm-kinds5.toml): each
test fails on the code before its kind."""

from pathlib import Path

import pytest

from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"
ROOT = FIXTURES / "dnsm-kinds5"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    rules = load_rules(str(FIXTURES / "dnsm-kinds5.toml"))
    return build_from_tree(rules, SourceTree(ROOT, Provenance("path", str(ROOT), None)),
                           tmp_path_factory.mktemp("kinds5") / "cache", ()).catalog


def message(catalog, text):
    (m,) = [m for m in catalog.messages if m.format == text]
    return m


def test_a_local_set_only_inside_a_walk_of_an_options_list(catalog):
    # serve(): `for (t = daemon->ignores; t; t = t->next) if (...) ignore = 1;` then
    # `if (ignore) log_msg(...)`: the walk's body runs only when --ignore filled the list.
    assert message(catalog, "client %s ignored").requires == (("--ignore",),)
    # a loop over the run's data sets `seen` whatever the options
    assert message(catalog, "client %s wildcard").requires == ()
    assert message(catalog, "client %s served").requires == (("--log-opts",),)
    assert message(catalog, "started").requires == ()


def test_a_field_the_entry_point_sets_to_a_constant_unless_an_option_opens_it(catalog):
    # main(): `if (daemon->dump_file) dump_init(); else daemon->dumpfd = -1;` and only
    # dump_init() stores another value: `daemon->dumpfd != -1` needs --dumpfile.
    assert message(catalog, "dumping packet %s").requires == (("--dumpfile",),)
    # -1 stored, then a socket whatever the options: nothing
    assert message(catalog, "tcp on %s").requires == ()
    # stored only under --log-file, but the zeroed struct's 0 is not -1 either: nothing
    assert message(catalog, "log file for %s").requires == ()
    assert message(catalog, "cannot create %s").requires == (("--dumpfile",),)


def test_an_entry_field_only_one_options_case_sets(catalog):
    # answer(): `for (r = daemon->recs; r; ...) if (r->issrv && ...)`: -m and -W both fill the
    # list, only -W's case stores issrv = 1 (-m's stores 0): <SRV> needs --srv-host.
    assert message(catalog, "config %s is <SRV>").requires == (("-W",),)
    # a test that the field is 0: only -m's entries have it (session 19, fillvalues)
    assert message(catalog, "config %s is <MX>").requires == (("-m",),)


def test_a_parameter_handed_on_from_a_callers_parameter(catalog):
    # process(): `rc = extract(name, check_rebind); if (rc == 1)`: extract() returns 1 only
    # under its parameter, which process() hands on from its own; reply_udp() passes a local
    # set only under --stop-dns-rebind, reply_tcp() `option_bool(OPT_NO_REBIND) && !norebind`.
    assert message(catalog, "possible rebind attack: %s").requires == (("--stop-dns-rebind",),)
    assert message(catalog, "bad packet: %s").requires == ()


def test_a_field_given_only_constants_and_copies_of_an_options_value(catalog):
    # upstream_reply(): `u->pktsz > SAFE_SZ` where u->pktsz is only ever a copy of
    # daemon->pktsz (1232 before the option loop, -P's value after), SAFE_SZ or SMALL_SZ:
    # only -P's value can be above 1232.
    assert message(catalog, "reducing packet size to %d").requires == (("-P>=1233",),)
    assert message(catalog, "packet size at least %d").requires == ()


def test_a_text_builders_call_under_a_test_of_its_functions_parameter(catalog):
    # return_reply(name, status): `if (!STAT_ISEQUAL(status, STAT_OK)) log_s(F_SECSTAT, ...)`;
    # reply_query passes STAT_OK, validate() (under --secure) its status: the text needs --secure.
    assert message(catalog, "validation %s is TRUNCATED").requires == (("--secure",),)
    assert message(catalog, "reply %s is answered").requires == ()


def test_a_call_returning_0_for_a_null_list_needs_the_list(catalog):
    # filter_answer(): `if (... && on_list(daemon->filters, name))`, on_list() returning 1
    # only inside `while (list)`: the test needs the list --filter fills (dnsmasq's
    # rr_on_list(daemon->filter_rr, qtype), --filter-rr/-A/-AAAA).
    assert message(catalog, "config %s is FILTERED").requires == (("--filter",),)


def test_a_texts_call_under_a_test_of_a_flag_parameter_its_callers_fill_at_run_time(catalog):
    # local_answer(flags, name): `if (flags & F_NOERR) log_s(F_CONFIG | F_NEG, ...)`, its
    # caller passing a local holding a function's result srcscan does not follow: the other
    # call (under --filter) cannot decide alone, the text's answer says what it missed.
    m = message(catalog, "config %s is NODATA")
    assert m.requires == ()
    assert any("`flags & F_NOERR`" in u and "local_answer()'s callers" in u for u in m.uncertain)
    # a text whose every call needing nothing tests nothing of its callers: no such note
    assert not any("local_answer" in u for u in message(catalog, "config %s is FILTERED").uncertain)
