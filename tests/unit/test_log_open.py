"""Where a message goes before the daemon opens its log destination (rules `[logging]
opened_by`, `before_open`; srcscan.analyze.setuporder), on tests/fixtures/logopen: main()
reaches open_errorlog() through server_setup(), which only main() calls, under a test of a
field only an option sets (lighttpd 1.4.85: server_main() -> server_main_setup() ->
config_log_error_open() under `!srv->srvconf.preflight_check`, server.c:1967)."""

from tests.conftest import fixture_catalog, only_message

catalog = fixture_catalog("logopen")


def _where(catalog, text):
    m = only_message(catalog, text)
    return m.facility, dict(m.facility_with)


def test_what_the_set_up_function_writes_above_the_opening_call_goes_to_stderr(catalog):
    assert _where(catalog, "reading the config failed") == (("stderr",), {})
    assert _where(catalog, "no descriptor yet") == (("stderr",), {})


def test_what_runs_after_the_opening_call_goes_to_the_error_log(catalog):
    for text in ("server started", "request failed", "server stopped"):
        assert _where(catalog, text)[0] == ("errorlog",), text


def test_a_function_also_run_from_another_entry_point_writes_to_both(catalog):
    assert _where(catalog, "value missing")[0] == ("errorlog", "stderr")
