"""Kinds of `requires` found wrong in dnsmasq 2.90 by the session-14 audit, each on a small tree
written for srcscan (tests/fixtures/dnsm-kinds), read with the generic fixture rules only."""

from pathlib import Path

import pytest

from srcscan.model import DecidedByCallers, Inherited, NotInProcess
from tests.conftest import only_message, tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(FIXTURES / "dnsm-kinds", FIXTURES / "dnsm-kinds.toml",
                        tmp_path_factory.mktemp("dnsm-kinds") / "cache")


def test_a_definition_no_parse_holds_needs_what_the_calls_of_its_name_need(catalog):
    """sets_pf.c defines sets_init() for systems the tree is not read on (dnsmasq's tables.c
    add_to_ipset beside ipset.c's): its message, read from the text, needs what main()'s call
    of sets_init() needs (-s), as the parsed definition's does."""
    parsed, text = only_message(catalog, "cannot open the set socket"), only_message(catalog, "cannot open the pf device")
    assert text.extracted == "text" and parsed.extracted == "parse"
    assert text.requires == parsed.requires == (("-s",),)
    assert any(isinstance(d, Inherited) and d.function == "sets_init" for d in text.derivation)


def test_a_call_result_compared_with_a_constant_returned_only_after_an_option_test(catalog):
    """setup_stamp() returns -1 and 1 only after `if (!stamp_file) return 0;` (dnsmasq's
    setup_timestamp() and --dnssec-timestamp): `(rc = setup_stamp()) == -1` and, through the local
    every assignment of which is that call, `rc == 1` need -t. stamp_check() returns -1 under a
    test of the run only: `stamp_check() < 0` needs nothing."""
    assert only_message(catalog, "clock is behind the stamp file").requires == (("-t",),)
    assert only_message(catalog, "stamp check failed").requires == ()
    # main() sends EV_STAMP under the same test; fatal_event's case logs it
    assert only_message(catalog, "cannot create stamp file %s").requires == (("-t",),)


def test_an_event_case_is_written_only_by_processes_sending_its_code(catalog):
    """The connection child reaches fatal_event() through answer() -> queue_event(EV_RELOAD) ->
    send_event(), but only main() sends EV_STAMP (dnsmasq's EVENT_TIME_ERR, sent at start-up,
    while the TCP child's is_check_date() queues EVENT_RELOAD): the stamp message is the main
    process's alone, and its derivation says why the child is left out."""
    m = only_message(catalog, "cannot create stamp file %s")
    assert m.processes == ("kinds",)
    (out,) = [d for d in m.derivation if isinstance(d, NotInProcess)]
    assert out.process == "connection" and "send_event()" in out.why


def test_an_event_case_whose_code_no_call_sends_is_never_logged(catalog):
    """EV_SCRIPT is sent only in sets_pf.c, which no parse holds (dnsmasq's EVENT_LUA_ERR, sent
    only by helper.c under HAVE_LUASCRIPT): its case of fatal_event() is never logged in the
    build read. The codes other calls send are all known: constants, a parameter every caller
    of queue_event() gives a constant, and on_signal()'s local given only constants, so
    EV_TERM's case stays a message that appears by default."""
    script = only_message(catalog, "failed to load the script")
    assert script.requires == (("false",),) and script.processes == ()
    assert any(isinstance(d, DecidedByCallers) and "no call srcscan parsed sends code 4" in d.condition
               for d in script.derivation)
    assert only_message(catalog, "exiting on a signal").requires == ()
    assert only_message(catalog, "reloading").requires == ()


def test_a_shared_case_picking_its_list_by_the_option_fills_each_list_for_its_option(catalog):
    """-x falls through into the case -i and -e share, which stores into if_names under `opt ==
    'i'`, into tftp_ifs under `opt == 'x'` and into except_ifs otherwise (dnsmasq's one_opt:
    --enable-tftp=IF, -I, -2, --no-dhcpv*-interface): a walk of tftp_ifs needs -x alone, one of
    except_ifs -e alone (they needed any of the three)."""
    assert only_message(catalog, "TFTP on interface %s").requires == (("-x",),)
    assert only_message(catalog, "not listening on %s").requires == (("-e",),)


def test_a_list_only_code_under_an_option_fills_walked_through_a_second_local(catalog):
    """st->transfers is filled only by start_transfer(), which main() calls under -x (dnsmasq's
    daemon->tftp_trans, filled by tftp_request()); check_transfers() walks it with `t = tmp` after
    `tmp = t->next`: its message needs -x (it appeared by default)."""
    assert only_message(catalog, "transfer %d done").requires == (("-x",),)


def test_a_counter_only_a_walk_of_a_list_counts_up(catalog):
    """list_interfaces() counts if_names' entries with `++count` in a test inside the walk and
    logs `%d more interfaces` under `count - 1 > LOGGED` after it (dnsmasq's check_servers:
    'using %d more nameservers', network.c:1710): 0 when -i filled nothing, so the message needs
    -i (a necessary condition; how many entries is a value of the run)."""
    assert only_message(catalog, "%d more interfaces").requires == (("-i",),)


def test_a_returned_local_set_only_under_an_option(catalog):
    """own_stamp() returns `ret`, 0 unless `if (stamp_file && chown(...) != 0) ret = errno;` ran
    (dnsmasq's log_start(), whose result main() tests before 'failed to change owner of %s'):
    the test of its result needs -t."""
    assert only_message(catalog, "cannot change the owner of the stamp file").requires == (("-t",),)


def test_guards_that_contradict_as_read_keep_what_the_tests_passed_need(catalog):
    """`if (opt_on(OPT_LOCAL_NET)) ... else if (opt_on(OPT_LOCAL_HOST))`: both bits are -l's, the
    second for `-l host` (dnsmasq's --local-service=host), so `!-l && -l=host` reads as a
    contradiction; the message needs at least what the test it passes needs (-l=host), not
    nothing, and says the guards were read on their own."""
    m = only_message(catalog, "limited to localhost")
    assert m.requires == (("-l=host",),) and m.uncertain
    assert only_message(catalog, "limited to local subnets").requires == (("-l",),)
