"""Which process writes a message, by the state and the arguments of the paths that reach it
(tests/fixtures/process-state): the keepalived 2.3.4 audit's kinds. A call whose arguments make
the log function write to a file (the requirements analysis' "false" path) gives its process
no message; state the parent sets only in a run that never forks (-t) is not inherited by the
children; a pointer only one child fills guards code the others never run."""

from pathlib import Path

import pytest

from srcscan.render.common import derivation_text
from tests.conftest import fixture_catalog, only_message as message

FIXTURES = Path(__file__).parent.parent / "fixtures"


catalog = fixture_catalog("state", FIXTURES / "process-state", FIXTURES / "precision" / "daemon-rules.toml")


def test_a_dump_the_parent_writes_only_to_a_file_is_not_the_parents(catalog):
    m = message(catalog, "global dump")
    assert m.processes == ("checker", "vrrp")
    assert m.requires == (("!-t", "-d"),)  # the children start after the -t run exits
    texts = [derivation_text(d) for d in m.derivation]
    assert any("parent" in t and "print_parent_data" in t for t in texts), texts


def test_a_dump_two_calls_below_the_parents_file_is_not_the_parents(catalog):
    """dump_fifo() is called only by dump_global(fp), which the parent calls only with the file
    it opened (print_parent_data()): a silent call two levels up still keeps the parent out."""
    m = message(catalog, "fifo dump %s")
    assert m.processes == ("checker", "vrrp")
    texts = [derivation_text(d) for d in m.derivation]
    assert any("parent" in t and "print_parent_data" in t for t in texts), texts


def test_state_set_only_in_the_parents_test_run_is_not_inherited(catalog):
    m = message(catalog, "entering MASTER")
    assert m.processes == ("vrrp",)


def test_the_address_of_a_field_through_a_pointer_does_not_write_the_pointer():
    from srcscan.extract.logsetup import text_writes

    found = text_writes("f(&vrrp_data->vrrp);\nq = & data -> n;\nf(&kw);\nf(&kw.active);\n++p;\nf(&arr[1]);\n")
    assert found == {"kw": [3, 4], "q": [2], "p": [5], "arr": [6]}


@pytest.mark.parametrize("text", ["route %d deleted", "instance %d set to backup"])
def test_code_past_a_read_through_a_pointer_null_in_a_process_does_not_run_there(catalog, text):
    """route_deleted() runs in both children, but returns unless route_is_ours(), which reads
    through vrrp_data (NULL in the checker), returns: the checker would fault first."""
    m = message(catalog, text)
    assert m.processes == ("vrrp",)
    texts = [derivation_text(d) for d in m.derivation]
    assert any("checker" in t and "vrrp_data" in t and "NULL" in t for t in texts), texts


def test_a_parameter_written_to_state_only_under_a_guard_on_it_is_not_written_for_values_failing_it(catalog):
    """The parent's only call of set_priorities() passes -1, which `if (max_priority != -1)`
    keeps out of max_rt_priority: it stays 0 there, and raise_priority() returns at once."""
    m = message(catalog, "raised realtime priority")
    assert m.processes == ("checker", "vrrp")
    texts = [derivation_text(d) for d in m.derivation]
    assert any("parent" in t and "max_rt_priority" in t for t in texts), texts


def test_a_call_in_a_branch_only_platform_checks_decide_adds_its_process(catalog):
    """The checker calls add_meta_rule() under `#if HAVE_DECL_NFT_META_L4PROTO`, which this
    parse skips and a build on a recent kernel takes; the parent calls it only in a debug
    build (`#ifdef _WITH_RULE_DEBUG_`), which no shipped build is."""
    m = message(catalog, "meta rule added")
    assert m.processes == ("checker", "vrrp")
    texts = [derivation_text(d) for d in m.derivation]
    assert any("setup_mark_rule" in t and "HAVE_DECL_NFT_META_L4PROTO" in t for t in texts), texts
    assert message(catalog, "payload rule added").processes == ("checker",)


def test_a_write_on_the_parents_side_of_a_fork_counts_in_the_parent(catalog):
    """start_vrrp_child() is the VRRP child's start, but `if (pid) { vrrp_pid = pid; return; }`
    after its fork() runs in the parent: the parent's signal handler's `if (vrrp_pid)` can hold
    (keepalived 2.0.20's sigend: "vrrp process failed to die" had no process at all)."""
    m = message(catalog, "vrrp child still running at signal %d")
    assert m.processes == ("parent",)


def test_a_field_every_call_of_a_process_leaves_zero_is_false_there(catalog):
    """keepalived 2.3.4's layer4.c:101 'Error setting fwmark': the VRRP child reaches
    socket_bind_connect() only through socket_connect(), whose `conn_opts_t co = { .dst = *addr }`
    leaves co.fwmark 0, so `if (co->fwmark)` never holds there (audit s18a kproc P18); the
    checker's connect options may have a mark."""
    m = message(catalog, "cannot set mark %u")
    assert m.processes == ("checker",)
    texts = [derivation_text(d) for d in m.derivation]
    assert any("vrrp" in t and "co->mark is 0" in t for t in texts), texts
    assert message(catalog, "connecting to %d").processes == ("checker", "vrrp")


@pytest.mark.parametrize("text", ["socket tos %u", "socket ttl %u"])
def test_a_field_the_callee_writes_itself_is_not_the_callers_zero(catalog, text):
    """Review of session 18, finding 3: plain_tos() passes `&so` with `so = { .dst = dst }`, but
    bind_tos() sets `so->tos` itself, and hands `so` to set_ttl(), which sets `so->ttl`: neither
    test reads the callers' 0, so the VRRP child logs both."""
    assert message(catalog, text).processes == ("vrrp",)
