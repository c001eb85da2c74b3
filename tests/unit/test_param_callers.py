"""A parameter the function tests for itself, given another key's value by each of its direct
callers (srcscan.analyze.conditions.condition's open_params), on tests/fixtures/paramcallers:
each call path needs its own caller's key, not either (lighttpd 1.4.85's
mod_authn_file_htpasswd_get(), mod_authn_file.c:363 and :392, whose callers run for
auth.backend = "plain" and "htpasswd")."""

from tests.conftest import fixture_catalog, only_message

catalog = fixture_catalog("paramcallers")


def test_each_caller_path_needs_the_key_it_passes(catalog):
    assert sorted(only_message(catalog, "parse error in %s for %s").requires) == [
        ("pw.hashed.file", "pw.use-hashed"), ("pw.plain.file", "pw.use-plain")]
