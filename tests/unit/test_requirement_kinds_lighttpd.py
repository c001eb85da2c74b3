"""Requirement kinds found wrong in lighttpd 1.4.85 by the independent audit, each as a small
tree in lighttpd's shape (tests/fixtures/plugkinds, written for srcscan): a reader stored in
a connection only for TLS sockets, a flag holding a file descriptor, two key switches in one
function, a value any one of several keys fills, and an option read through a local."""

from pathlib import Path

import pytest

from srcscan.render.common import derivation_text
from tests.conftest import only_message as message, tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(FIXTURES / "plugkinds", FIXTURES / "plugkinds.toml", tmp_path_factory.mktemp("plugkinds") / "cache")


def test_a_function_called_through_a_field_needs_what_storing_it_there_needs(catalog):
    # tls_read is put in con->network_read only `if (srv_sock->is_tls)`, a copy of tls.engine's
    # field; the plain reader stored unconditionally stays a default.
    m = message(catalog, "TLS: read error on %d")
    assert m.requires == (("tls.engine",),)
    assert any("stored in network_read: srv_sock->is_tls" in derivation_text(d) for d in m.derivation)
    assert message(catalog, "connection read failed").requires == ()


def test_a_field_that_only_copies_an_option_is_that_option(catalog):
    options = {tuple(o["names"]): o for o in catalog.sections.to_dict()["options"]}
    targets = [e["target"] for e in options[("tls.engine",)]["effects"]]
    assert targets == [".tls_enabled", ".is_tls", ".is_tls_sock"]


def test_a_flag_storing_a_value_of_the_run_has_no_levels(catalog):
    # -1 stores dup(0): `oneshot_fd > 2` says only that -1 was given
    assert message(catalog, "one-shot descriptor %d").requires == (("-1",),)


def test_each_key_switch_reads_its_own_table(catalog):
    # the first switch reads the module's own keys (case 1: tls.verify), the second the socket
    # keys (case 1: tls.cipher-list)
    assert message(catalog, "%s is deprecated").requires == (("tls.cipher-list",),)


def test_a_value_any_key_fills_is_empty_only_when_none_is_given(catalog):
    # `if (NULL == conf->exts) return;` with exts filled by alpha.server or beta.server: either
    # key, not both at once; a copy made in a key switch's case is no default
    assert message(catalog, "backend child exited").requires == (("alpha.server",), ("beta.server",))


def test_an_option_read_through_a_local_and_passed_on(catalog):
    # const int debug_cond = r->conf.log_condition_handling; if (debug_cond) ...; cond_trace(r, debug_cond)
    assert message(catalog, "=== start of condition block ===").requires == (("server.log-condition-handling",),)
    assert message(catalog, "condition result traced").requires == (("server.log-condition-handling",),)


def test_an_option_passed_round_a_cycle_of_calls_guarding_a_call(catalog):
    # cond_calc(r, 3, debug_cond) -> cond_cached(..., debug_cond) -> cond_calc(...): each call of
    # cond_result_trace is under `if (debug_cond)`, a parameter whose only value from outside
    # the cycle is the local holding the key's field
    assert message(catalog, "cond result of a block").requires == (("server.log-condition-handling",),)


def test_a_key_tested_both_ways_across_functions_is_not_never(catalog):
    # tls_cert_cb is registered where the socket's conf.pc is set and logs where the
    # connection's hctx->conf.pc is not: fields of one name, per condition block; the callers'
    # requirement, said to be uncertain, instead of "never"
    m = message(catalog, "TLS: no certificate for this server name")
    assert m.requires == (("tls.pemfile",),)
    assert m.uncertain and "callers' requirement" in m.uncertain[0]


def test_a_key_main_does_not_run_without_is_no_requirement_of_what_follows(catalog):
    # main returns early unless server.document-root is given (lighttpd 1.4.19's
    # `document_root->used <= 1`): a buffer's length is "empty or not", no level; the message
    # about it needs the key missing, and what the server logs afterwards does not list it
    assert message(catalog, "document-root is not set").requires == (("!server.document-root",),)
    assert message(catalog, "connection read failed").requires == ()
    assert message(catalog, "TLS: read error on %d").requires == (("tls.engine",),)


def test_a_case_of_a_key_switch_that_copies_no_value_needs_its_key(catalog):
    # `case 0: /* tls.cafile */ log_error("DEPRECATED: %s", ...)` in a switch writing no field
    assert message(catalog, "DEPRECATED: %s").requires == (("tls.cafile",),)


def test_a_chain_of_tests_kept_as_text_still_tests_its_keys(catalog):
    # `0 == rc && hctx->conf.verify && hs_state(hctx->ssl) >= 3`, hs_state() a macro clang
    # cannot type: the chain is one expression of text, whose `hctx->conf.verify` is tls.verify
    assert message(catalog, "TLS: verify step %d").requires == (("tls.verify",),)
