"""Issue "every answer true": a callback registered to read a descriptor runs only once
something writes to it. keepalived's parent reads child_reloaded_event, an eventfd only its
children write to (notify_config_read()), in child_reloaded_thread(): its "Startup complete"
needs a child started (it needed nothing). tests/fixtures/reqk-fdreads is written for this
test (the rules' `[callgraph] fd_readers`, rules/_c.toml's fd_writers and fd_users), with
reqk-blocks' keyword parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

ROOT = Path(__file__).parent.parent / "fixtures" / "reqk-fdreads"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tree = with_keyword_parser("reqk-fdreads", tmp_path_factory.mktemp("fdreads"))
    return tree_catalog(tree, ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    ("startup complete", [["@worker"]]),   # only the worker writes to ready_event
    ("tick", []),                          # the parent writes to tick_event itself
    ("other event", []),                   # other_event is handed to a function srcscan cannot follow
])
def test_reader_needs_a_writer(catalog, text, wanted):
    assert [list(a) for a in only_message(catalog, text).requires] == wanted
