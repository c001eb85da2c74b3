"""Keyword chains in keepalived 2.3.4 (audit of requires: set_process_name()'s 'Failed to set
process name', create_pid_dir()'s 'Unable to create directory'): a guard needs a keyword
through one more step than a plain test of the field its handler fills
(tests/fixtures/reqk-keychains, a keepalived-shaped tree with reqk-blocks' keyword parser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

ROOT = Path(__file__).parent.parent / "fixtures" / "reqk-keychains"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tree = with_keyword_parser("reqk-keychains", tmp_path_factory.mktemp("tree"))
    return tree_catalog(tree, ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    # `!a != !b`: one of the two names is set, on start-up (`if (gd->process_name)`) or reload
    ("Failed to set process name '%s'", [["process_name"]]),
    # `!a == !b` holds with neither set: nothing needed but the reload
    ("instance kept", [["-r"]]),
    # a flag each run of a keyword's handler sets: the handler runs only with its keyword
    ("Unable to create directory %s", [["!-t", "instance"], ["!-t", "use_dir"]]),
    # a flag each run of start() sets: a phase of the run, no option
    ("started", []),
])
def test_keyword_chains(catalog, text, wanted):
    m = only_message(catalog, text)
    assert [list(a) for a in m.requires] == wanted, (text, m.requires, m.uncertain)
