"""Which processes write each text of a helper whose callers' arguments select its text
(srcscan.analyze.textprocs), on tests/fixtures/textprocs: keepalived 2.3.4's
notify_script_init() writes "Failed to set default user for quorum script" only for the
checker's quorum_up/quorum_down handlers (check_parser.c:887, 896), which the parent and the
other children install inactive (lib/parser.c:864-866) (audit s17 kproc P9)."""

from tests.conftest import fixture_catalog

catalog = fixture_catalog("textprocs")


def _processes(catalog, kind):
    (m,) = [m for m in catalog.messages if m.template.parts[0].startswith(f"Failed to set default user for {kind} ")]
    return m.processes


def test_a_text_only_one_process_selects_is_that_process_alone(catalog):
    assert _processes(catalog, "quorum") == ("healthcheckers",)


def test_a_text_every_process_selects_keeps_them_all(catalog):
    assert _processes(catalog, "global") == ("parent", "healthcheckers", "vrrp")
