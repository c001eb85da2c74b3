"""The facility of what the entry point logs before it parses the option choosing the
facility (srcscan.analyze.setuporder, with the set-up found by facilityflow.assigning_functions),
on tests/fixtures/earlyfacility: keepalived 2.3.4's main() logs "Unable to get uname()
information" (core/main.c:2542) after openlog with LOG_DAEMON and before parse_cmdline() reads
-S (main.c:2568), so -S cannot change that message's facility (audit s17 kproc P20)."""

from tests.conftest import fixture_catalog, only_message

catalog = fixture_catalog("earlyfacility")


def _where(catalog, text):
    m = only_message(catalog, text)
    return m.facility, dict(m.facility_with)


def test_what_main_logs_before_the_option_is_parsed_keeps_the_first_facility(catalog):
    assert _where(catalog, "starting early") == (("daemon",), {})
    assert _where(catalog, "cannot read the kernel version") == (("daemon",), {})


def test_what_runs_after_the_option_is_parsed_follows_it(catalog):
    for text in ("started", "serving"):
        facility, with_ = _where(catalog, text)
        assert facility == ("daemon",) and "local" in with_.get("-S", ""), (text, with_)
