"""Where a message goes before the daemon opens its log destination, when which side of the
opening reaches it depends on its callers (srcscan.analyze.setuporder.when_by_callers), on
tests/fixtures/logopencallers: a helper both sides call whose message only the set-up side's
arguments can make it log, and a helper only a skipped `#if` branch of a set-up function calls."""

from tests.conftest import fixture_catalog, only_message

catalog = fixture_catalog("logopencallers")


def _facility(catalog, text):
    return only_message(catalog, text).facility


def test_a_message_only_the_set_up_sides_call_can_log_goes_to_stderr_only(catalog):
    assert only_message(catalog, "lookup failed").requires == (("net.family==2",),)
    assert _facility(catalog, "lookup failed") == ("stderr",)


def test_a_message_both_sides_calls_can_log_goes_to_both(catalog):
    assert _facility(catalog, "address is local") == ("errorlog", "stderr")


def test_a_helper_only_a_skipped_branch_of_a_set_up_function_calls_writes_to_stderr(catalog):
    assert _facility(catalog, "loading params failed") == ("stderr",)


def test_the_opened_log_still_takes_what_runs_after(catalog):
    assert _facility(catalog, "server started") == ("errorlog",)
