"""Options that fill lists and pointers, a parser helper writing through a pointer, a handler
function holding the option switch, and what a log function does with its priority's facility
bits (dnsmasq's shapes; tests/fixtures/optlists), read with only rules data."""

import json
from pathlib import Path

import pytest

from srcscan.catalog import catalog_from_dict, catalog_to_dict
from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules, parse_rules
from srcscan.sources import Provenance, SourceTree
from srcscan.errors import RulesError
from tests.conftest import only_message, tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"
ROOT = FIXTURES / "optlists"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    rules = load_rules(str(FIXTURES / "optlists.toml"))
    return build_from_tree(rules, SourceTree(ROOT, Provenance("path", str(ROOT), None)),
                           tmp_path_factory.mktemp("optlists") / "cache", ()).catalog


def requires(catalog, text):
    (m,) = [m for m in catalog.messages if m.format == text]
    return m.requires


def test_a_list_walk_runs_only_when_an_option_filled_the_list(catalog):
    # for (r = daemon->ranges; r; r = r->next) log_range(r): -F fills daemon->ranges.
    assert requires(catalog, "range %s") == (("-F",),)
    # for (struct dir *d = daemon->dirs; d; d = d->next), and a while loop over the same list.
    assert requires(catalog, "bad directory %s") == (("--watch-dir",),)
    assert requires(catalog, "not watched: %s") == (("--watch-dir",),)
    # Null at the walk's end (`if (!d)` after the loop) whether or not the list was filled.
    assert requires(catalog, "%s is not watched") == ()


def test_a_value_a_helper_writes_through_a_pointer_is_the_options(catalog):
    (port,) = [o for o in catalog.sections.to_dict()["options"] if "--port" in o["names"]]
    assert [e["target"] for e in port["effects"]] == ["daemon.port"]
    # daemon->port is 53 before the option loop: port == 0 only when -p gave it.
    assert requires(catalog, "DNS disabled") == (("-p",),)
    assert requires(catalog, "DNS on port %d") == ()


def test_the_switch_of_the_function_the_getopt_loop_hands_the_option_to(catalog):
    # one_opt(option, arg): `case LOPT_DIR: if (!valid_dir(arg)) ...` (a long-only code).
    assert requires(catalog, "directory %s is not absolute") == (("--watch-dir",),)
    assert requires(catalog, "started") == ()


def test_a_pointer_only_code_under_an_option_stores(catalog):
    # daemon->bus is stored by bus_init(), called under --enable-bus; bus_event() returns unless it is set.
    assert requires(catalog, "bus send failed") == (("--enable-bus",),)
    # Under `!daemon->bus` the test tells nothing: not "never".
    assert requires(catalog, "running without the bus") == (("--enable-bus",),)


def test_facility_bits_of_the_priority(catalog):
    # log_msg(7 | MS_DEBUG, ...) returns at once without --log-debug; MS_DHCP only renames.
    assert requires(catalog, "listening on %s") == (("--log-debug",),)
    assert requires(catalog, "DHCP on %s") == ()
    (process,) = catalog.sections.to_dict()["processes"]
    assert process["idents"] == ["optd", "optd-debug", "optd-dhcp"]
    # The catalog's JSON keeps the entries (and reads them back).
    again = catalog_from_dict(json.loads(json.dumps(catalog_to_dict(catalog))))
    assert again.log_functions == catalog.log_functions


def test_a_facility_an_option_gives(catalog):
    # read from the code (the rules name no facility option): openlog's facility is log_fac,
    # LOG_DAEMON at start; log_start copies daemon->log_fac, which --log-facility stores, into it
    # when one was given, else LOG_LOCAL0 under -d.
    (process,) = catalog.sections.to_dict()["processes"]
    assert process["facility"] == ["daemon"]
    assert process["facility_with"] == {"--log-facility": "<value>", "-d": "local0 (without --log-facility)"}
    assert catalog.sections.to_dict()["logging"]["facility_option"] == "--log-facility"


@pytest.mark.parametrize("bits, error", [
    ({"facility": "nosuch"}, "log_functions[0].facility_bits[0].facility"),
    ({"facility": "news", "other": 1}, "log_functions[0].facility_bits[0].other"),
    ("news", "log_functions[0].facility_bits[0]"),
])
def test_bad_facility_bits(bits, error):
    raw = {"project": {"name": "x"}, "source": {"providers": ["path"]},
           "log_functions": [{"name": "log_msg", "priority_arg": 0, "format_arg": 1, "facility_bits": [bits]}]}
    with pytest.raises(RulesError, match=error.replace("[", r"\[").replace("]", r"\]")):
        parse_rules(raw, "x.toml")


def test_bad_facility_with():
    raw = {"project": {"name": "x"}, "source": {"providers": ["path"]},
           "log_functions": [{"name": "log_msg", "priority_arg": 0, "format_arg": 1}],
           "logging": {"facility_with": {"-d": "local9"}}}
    with pytest.raises(RulesError, match=r"logging\.facility_with\.-d"):
        parse_rules(raw, "x.toml")


def test_a_built_text_needs_what_the_calls_selecting_it_need(catalog):
    # log_q(F_UPSTREAM, name, "duplicate") is called only under --log-extra: its plain form
    # (written under !--log-extra) is never logged, its extra form needs --log-extra.
    assert requires(catalog, "reply example.org is duplicate") == (("false",),)
    assert requires(catalog, "%u reply example.org is duplicate") == (("--log-extra",),)
    # validate() runs only under --secure (and the rules' [options] implies: --secure runs only
    # with --trust-anchor)
    assert requires(catalog, "reply example.org is BOGUS") == (("!--log-extra", "--secure", "--trust-anchor"),)
    # `if (p)` after a walk of the list --ptr-record fills
    assert requires(catalog, "config example.org is <PTR>") == (("!--log-extra", "--ptr-record"),)
    # a text every run may select keeps the site's own answer
    assert requires(catalog, "cached example.org is cached") == (("!--log-extra",),)


def test_an_option_whose_case_sets_nothing_srcscan_reads(catalog):
    # `case '7':` (--conf-dir) reads a directory: no effect, but its case still stands for it.
    assert requires(catalog, "cannot access %s") == (("-7",),)  # -7, --conf-dir
    (conf_dir,) = [o for o in catalog.sections.to_dict()["options"] if "--conf-dir" in o["names"]]
    assert conf_dir["effects"] == []


def test_a_flag_stored_under_a_guard_that_needs_an_option(catalog):
    # main() runs whatever the options; `daemon->doing_v6 = 1` is stored only inside a walk of
    # the list -F fills (dnsmasq's doing_dhcp6, stored while walking daemon->dhcp6).
    assert requires(catalog, "IPv6 ranges in use") == (("-F",),)


def test_a_case_of_an_event_code_needs_what_the_calls_sending_it_need(catalog):
    # rules [[events]]: fatal_event logs by the code send_event passes; EVENT_DIR_ERR is sent only
    # in the walk of the --watch-dir list, EVENT_BUS_ERR only under --enable-bus, EVENT_DIE always.
    assert requires(catalog, "directory %s inaccessible") == (("--watch-dir",),)
    assert requires(catalog, "bus failed: %s") == (("--enable-bus",),)
    assert requires(catalog, "exiting on an event") == ()
    (bus,) = [m for m in catalog.messages if m.format == "bus failed: %s"]
    (why,) = [d for d in bus.derivation if getattr(d, "condition", "").startswith("the calls sending")]
    assert [(f, c) for f, _, c, _ in why.paths] == [("main.c", "main")]
    assert json.loads(json.dumps(catalog_to_dict(catalog)))["messages"]


def test_a_run_time_mask_of_a_value_an_option_sets(catalog):
    # `mask & daemon->dump_mask`: non-zero only once --dumpmask set the value.
    assert requires(catalog, "failed to write packet dump") == (("--dumpmask",),)


def test_a_callback_tabled_at_file_scope_needs_what_its_file_needs(catalog):
    # bus.c's on_reload is named only in a static table that bus_register (under --enable-bus)
    # hands to a library: no call path reaches it, but it runs only after the table was given.
    assert requires(catalog, "cannot register the bus methods") == (("--enable-bus",),)
    assert requires(catalog, "bus method failed") == (("--enable-bus",),)


def test_a_fatal_start_up_check_through_a_rules_noreturn_function_is_no_requirement(catalog):
    # `if (--log-extra && -d) fail(...)` in main(): the daemon does not run so, but that is no
    # requirement of what it logs afterwards ("started" is logged by default).
    assert requires(catalog, "started") == ()
    assert requires(catalog, "%s: --log-extra and -d do not go together") == (("--log-extra", "-d"),)


def test_a_list_filled_through_a_pointer_to_its_pointer(catalog):
    # `for (up = &daemon->int_names; *up; up = &((*up)->next)); *up = new;` (appended at the end)
    assert requires(catalog, "no addresses found for interface %s") == (("--interface-name",),)
    # `sets = (option == LOPT_IPSET) ? &daemon->ipsets : &daemon->nftsets; *sets = new;`: each code its list
    assert requires(catalog, "ipsets in use") == (("--ipset",),)
    assert requires(catalog, "nftsets in use") == (("--nftset",),)


def test_two_values_only_options_set_compared(catalog):
    # `daemon->max_port < daemon->min_port`: both 0 unless --min-port or --max-port gave one.
    assert requires(catalog, "max_port cannot be smaller than min_port") == (("--max-port",), ("--min-port",))


def test_a_field_the_parser_stores_in_after_its_option_loop(catalog):
    # read_opts: `if (option_bool(OPT_RESOLV_DOMAIN)) { ...; daemon->domain_suffix = search; if
    # (!daemon->domain_suffix) fail(...); }`: the bit is `-s #` (`strcmp(arg, "#") == 0`); the
    # field is a value of the run there, no longer "-s not given".
    assert requires(catalog, "no search directive found in %s") == (("-s=#",),)


def test_a_callback_in_a_table_local_to_the_function_handing_it_over(catalog):
    # bus_paths (called under --enable-bus) hands `struct vtable vt = { 0, &on_message }` over.
    assert requires(catalog, "setting servers from the bus") == (("--enable-bus",),)


def test_a_list_a_helper_fills_under_a_test_of_its_parameter(catalog):
    # add_server(flags, ...) stores in daemon->local_domains only under `flags & SERV_IS_LOCAL`:
    # the -S case may pass such flags, check_servers' `add_server(SERV_FROM_RESOLV, "")` never does.
    assert requires(catalog, "using only locally-known addresses for %s") == (("-S",),)
    # daemon->servers is filled from resolv.conf too.
    assert requires(catalog, "using nameserver for %s") == ()


def test_a_parameter_the_function_reassigns_and_a_local_flag_set_from_it(catalog):
    # one_file(file, hard_opt): LOPT_CONF_OPT and LOPT_CONF_SCRIPT become 0 before read_file(file,
    # hard_opt), whose `hard_opt != 0` then holds only for reread_hosts' LOPT_BANK (under -F);
    # `do_popen = 1` only for LOPT_CONF_SCRIPT, which only the --conf-script case passes.
    assert requires(catalog, "bad line %d") == (("-F",),)
    assert requires(catalog, "configuration script returns non-zero error code") == (("--conf-script",),)
    assert requires(catalog, "bad line (fatal)") == ()


def test_a_list_the_parser_fills_itself_after_its_loop(catalog):
    # read_opts: `if (!option_bool(OPT_NO_IDENT)) add_txt("version.bind");` after the loop fills
    # the list -Y fills: a walk of it needs -Y, or --no-ident not given, which the default is.
    assert requires(catalog, "TXT record %s") == (("!--no-ident",), ("-Y",))


def test_a_local_given_one_constant_by_the_build_configuration_is_no_constant(catalog):
    # `size_t len = #ifdef HAVE_SNI strlen(name); #else 0; #endif`, never assigned again: the
    # parse saw one build's branch; `0 == len` is a value of the run, not always true.
    assert requires(catalog, "server name too long %s") == ()


def test_a_list_other_code_fills_too_needs_no_option_of_its_walk(catalog):
    # read_ethers walks daemon->hosts, which -G fills, and adds /etc/ethers' entries to it
    # itself (dnsmasq's dhcp_read_ethers): a duplicate of an ethers entry needs only -Z.
    assert requires(catalog, "duplicate %s in ethers") == (("-Z",),)


def test_a_parameter_given_a_local_set_only_under_an_option(catalog):
    # reply's `sets` is set only under `daemon->ipsets && ...` (--ipset's list) and handed to
    # add_to_sets, whose `if (sets)` guards the call of the helper that logs (dnsmasq's
    # process_reply -> extract_addresses -> add_to_ipset).
    assert requires(catalog, "failed to add %s to set %s") == (("--ipset",),)


def test_a_field_stored_only_from_a_local_set_under_a_parameter(catalog):
    # make_listener(do_tftp): `int tftpfd = -1; if (do_tftp) tftpfd = ...; l->tftpfd = tftpfd;`,
    # called with `!!option_bool(OPT_TFTP)` and with `iface->tftp_ok`, which iface_allowed stores
    # from a local given `!!option_bool(OPT_TFTP)` or 0 (dnsmasq's create_listeners/iface_allowed):
    # `l->tftpfd != -1` needs --enable-tftp.
    assert requires(catalog, "TFTP socket %d") == (("--enable-tftp",),)


def test_a_parameter_given_0_only_where_a_call_returning_non_zero_under_an_option_calls(catalog):
    """bind.c (dnsmasq's make_sock(dienow)): the warning needs dienow == 0, which only the calls
    of create_bound(0) pass: new_address() under --bind-dynamic, and main's loop when is_dad()
    returned non-zero, which it does only inside `if (option_bool(OPT_NOWILD))` (-z)."""
    assert requires(catalog, "failed to create listening socket, retrying later") == (("--bind-dynamic",), ("-z",))
    assert requires(catalog, "failed to create listening socket") == ()  # at start-up, dienow 1


def test_a_flag_bit_only_code_under_an_option_sets(catalog):
    """`serv->flags & SERV_LOOP`: SERV_LOOP is stored in a server's flags only by detect_loop(),
    after `if (!option_bool(OPT_LOOP_DETECT)) return;` (dnsmasq's loop.c); its `&= ~SERV_LOOP`
    clears it. The other branch of the same walk needs nothing."""
    assert requires(catalog, "NOT using nameserver %s - query loop detected") == (("--dns-loop-detect",),)
    assert requires(catalog, "using nameserver %s") == ()


def _message(catalog, text):
    (m,) = [m for m in catalog.messages if m.format == text]
    return m


def test_what_is_written_before_the_facility_is_set_up(catalog):
    """log_start() copies --log-facility's value into openlog's facility variable (LOG_DAEMON
    at start): what main() writes before calling it (read_opts' errors) goes out with LOG_DAEMON
    whatever the options say; what it writes on both sides of that call has both, the options
    applying only after it; what runs after it only, as the process table says."""
    early = _message(catalog, "bad log facility %s")
    assert (early.facility, early.facility_with) == (("daemon",), ())
    assert any(d.__class__.__name__ == "FacilityBeforeSetup" and d.setter == "log_start" and not d.also_after
               for d in early.derivation)
    both = _message(catalog, "cannot create timestamp file %s")
    assert both.facility == ("daemon",)
    assert both.facility_with == (("--log-facility", "<value> (only once log_start() has run)"),
                                  ("-d", "local0 (without --log-facility) (only once log_start() has run)"))
    late = _message(catalog, "started")
    assert late.facility_with == (("--log-facility", "<value>"), ("-d", "local0 (without --log-facility)"))


def test_what_is_written_before_the_set_up_keeps_its_facility_with_a_facility_option(tmp_path):
    rules = load_rules(str(FIXTURES / "optlists.toml"))
    catalog = build_from_tree(rules, SourceTree(ROOT, Provenance("path", str(ROOT), None)), tmp_path / "cache",
                              ("--log-facility=local5",)).catalog
    assert _message(catalog, "bad log facility %s").facility == ("daemon",)
    assert _message(catalog, "cannot create timestamp file %s").facility == ("daemon", "local5")
    assert _message(catalog, "started").facility == ("local5",)


def test_a_file_scope_table_needs_what_the_calls_handing_over_its_holder_need(catalog):
    """bus.c's on_metrics is named only in object_methods[], held by the file-scope `object`
    that bus_add() (under --enable-bus) and bus_broadcast() (after `if (!daemon->bus) return;`)
    pass to the library: it needs --enable-bus, although bus_broadcast itself runs without it
    (dnsmasq's ubus.c: ubus_object, ubus_add_object in ubus_init, ubus_notify in the
    broadcasters)."""
    assert requires(catalog, "bus metrics failed") == (("--enable-bus",),)
    assert requires(catalog, "bus method failed") == (("--enable-bus",),)


def test_a_flag_only_some_calls_pass_selects_no_text_elsewhere(catalog):
    """query.c: F_NOEXTRA is passed only by validate()'s call (no variable holds it): local_answer's
    `flags | F_CONFIG`, whose flags come from answer()'s local, cannot select the (no extra)
    form (dnsmasq's cache.c:2245 `config ... (DNSSEC signed)` rows, make_local_answer)."""
    texts = {m.format for m in catalog.messages if m.file == "query.c"}
    assert "%u reply example.org is BOGUS DS (no extra)" in texts
    assert not any(t.endswith("(no extra)") and "config" in t for t in texts)
    assert requires(catalog, "%u config example.org is NXDOMAIN") == (("--log-extra",),)


def test_a_local_given_only_constants_holds_no_other_flag(catalog):
    """query.c: `kind = kind_of(name)` returns F_UPSTREAM or 0, so log_q(kind, ...) writes the
    reply and the cached form, never the config one (dnsmasq's answer_auth: `flag =
    in_arpa_name_2_addr(...)` is F_IPV4 or F_IPV6)."""
    texts = {m.format for m in catalog.messages if m.file == "query.c" and m.format.endswith("is AUTH")}
    assert texts == {"reply example.org is AUTH", "cached example.org is AUTH",
                     "%u reply example.org is AUTH", "%u cached example.org is AUTH"}


def test_a_flag_bit_a_function_returns_is_not_only_the_options(tmp_path):
    """`s->flags |= marked_flags();` with `return SERV_LOOP;` stores the bit outside the code
    under --dns-loop-detect: the loop test needs nothing known (review13 F7)."""
    import shutil

    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "optlists", tree)
    bind = (tree / "bind.c").read_text()
    (tree / "bind.c").write_text(bind + "\nstatic int marked_flags(void)\n{\n  return SERV_LOOP;\n}\n\n"
                                 "void mark_all(void)\n{\n  struct server *serv;\n"
                                 "  for (serv = daemon->servers; serv; serv = serv->next)\n"
                                 "    serv->flags |= marked_flags();\n}\n")
    main = (tree / "main.c").read_text().replace("  detect_loop();\n", "  mark_all();\n  detect_loop();\n")
    (tree / "main.c").write_text("void mark_all(void);\n" + main)
    catalog = tree_catalog(tree, FIXTURES / "optlists.toml", tmp_path / "cache")
    assert only_message(catalog, "NOT using nameserver %s - query loop detected").requires == ()
