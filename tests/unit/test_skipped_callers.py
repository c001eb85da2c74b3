"""A function only a call in a skipped preprocessor branch reaches (srcscan.analyze.
skippedcallers), on tests/fixtures/skippedcall: conf_cmd() is called only under `#ifdef
SKIPPED_LIBRARY` in configure(), which main() calls under -x (lighttpd 1.4.85's
mod_openssl_ssl_conf_cmd(), called only under `#elif defined(BORINGSSL_API_VERSION)` in
network_openssl_ssl_conf_cmd())."""

from tests.conftest import fixture_catalog, only_message

catalog = fixture_catalog("skippedcall")


def test_a_function_called_only_in_a_skipped_branch_needs_what_the_function_holding_the_call_needs(catalog):
    assert only_message(catalog, "library cannot apply %s").requires == (("-x",),)
    assert only_message(catalog, "command %s ignored").requires == (("-x",),)
    assert only_message(catalog, "value %s ignored").requires == (("-x",),)  # through it


def test_it_says_the_call_is_in_a_skipped_branch_and_not_where_a_prototype_is(catalog):
    (note,) = only_message(catalog, "command %s ignored").uncertain
    assert "preprocessor branches this build skips (main.c:55 in configure())" in note


def test_a_requirement_coming_through_a_skipped_caller_says_so(catalog):
    # conf_file(NULL) in configure(), conf_file(cmd) only in conf_cmd(): the parameter's test
    # holds only through the skipped caller (lighttpd 1.4.85's 'Unable to load DH params from %s')
    message = only_message(catalog, "cannot load %s")
    assert message.requires == (("-x",),)
    (note,) = message.uncertain
    assert "conf_cmd(), which only calls in preprocessor branches this build skips reach" in note
    assert "with this build's calls it is never logged" in note
    # a function only the skipped caller calls
    (note,) = only_message(catalog, "value %s ignored").uncertain
    assert "no call srcscan parsed reaches conf_value() but through conf_cmd()" in note
    assert only_message(catalog, "library cannot apply %s").uncertain == ()


stored = fixture_catalog("skippedstored")


def test_the_skipped_call_is_read_once_its_holder_is_reached_through_a_stored_callback(stored):
    """configure() is reached only through handle(), a callback setup() stores under -x and a
    library calls: its requirement is known only once the stored callbacks are settled, and the
    call in its skipped branch must read it then, not 'nothing' before (lighttpd 1.4.79's
    webdav_parse_chunkqueue() rows lost webdav.activate that way)."""
    assert only_message(stored, "library cannot apply %s").requires == (("-x",),)
    assert only_message(stored, "command %s ignored").requires == (("-x",),)
