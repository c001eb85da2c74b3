"""Issue "every answer true": a log function that prints to stderr in a mode. keepalived's
report_config_error() writes to stderr under -t (lib/parser.c:275-277), where its parent runs
the children's configuration code (validate_config): the parent writes those messages, to
stderr (tests/fixtures/reqk-stderr, written for this test; rules/_c.toml's stream_writers)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(FIXTURES / "reqk-stderr", FIXTURES / "precision" / "daemon-rules.toml",
                        tmp_path_factory.mktemp("stderr"))


def test_parent_writes_to_stderr_under_the_mode(catalog):
    m = only_message(catalog, "worker keyword %s unknown")
    assert m.processes == ("parent", "se-worker")
    assert dict(m.facility_with).get("-t") == "stderr" and m.facility == ("daemon",)
    assert m.logged_only_if == ()  # written under -t too: to stderr


def test_a_function_writing_nothing_under_the_mode_stays_out(catalog):
    m = only_message(catalog, "worker configuration read")
    assert m.processes == ("se-worker",) and "-t" not in dict(m.facility_with)
    assert m.logged_only_if == (("!-t",),)


def test_written_by_default_and_to_stderr_under_the_mode(catalog):
    m = only_message(catalog, "parent keyword %s unknown")
    assert m.processes == ("parent",) and m.facility == ("daemon",)
    assert "-t" not in dict(m.facility_with)  # main does not get there under -t
