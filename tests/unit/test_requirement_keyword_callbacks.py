"""Issue "every answer true": callbacks only a configuration block hands over. keepalived's
PING_CHECK handler queues a checker whose `launch` field holds icmp_connect_thread; the
checkers' start-up hands `checker->launch` to thread_add_timer, which stores it in a thread's
`func`, and the scheduler calls it through that field. So the callback, and the callbacks it
registers in turn (each registering the other again), run only when the configuration has a
PING_CHECK block (tests/fixtures/reqk-callbacks, a keepalived-shaped tree written for this
test, with reqk-blocks' keyword parser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

ROOT = Path(__file__).parent.parent / "fixtures" / "reqk-callbacks"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tree = with_keyword_parser("reqk-callbacks", tmp_path_factory.mktemp("callbacks"))
    return tree_catalog(tree, ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    ("ping connect", [["PING_CHECK"]]),   # stored in `launch`, copied into `func` by a call
    ("ping reply", [["PING_CHECK"]]),     # registered only by ping_connect (and by itself, again)
    ("ping send", [["PING_CHECK"]]),      # called by ping_connect; registers only itself again
    ("tick", []),                         # a file-scope table holds it from the start
])
def test_callbacks_a_block_hands_over(catalog, text, wanted):
    assert [list(a) for a in only_message(catalog, text).requires] == wanted
