"""Issue "every answer true": bits on before the command line is read. keepalived 1.2-1.4's
main() sets DAEMON_VRRP and DAEMON_CHECKERS in `daemon_mode` before parse_cmdline(), where -P
(`daemon_mode = 0; __set_bit(DAEMON_VRRP, ...)`) keeps only the VRRP subsystem and -C only the
checker. A test of DAEMON_VRRP therefore needs `!-C`, not `-P`, whether the code runs under the
test directly or as a callback a child stored (tests/fixtures/reqc-modes, a keepalived-shaped
tree written for this test). A word zeroed by an option (-Z) whose bit is off by default still
needs the option setting that bit (-D)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog

ROOT = Path(__file__).parent.parent / "fixtures" / "reqc-modes"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(ROOT / "tree", ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    ("vrrp child started", [["!-C"]]),                   # main's test of a bit on by default
    ("vrrp advert", [["!-C"]]),                          # a callback the VRRP child stored
    ("vrrp advert detail", [["!-C", "-D"]]),             # a bit off by default, -Z zeroes its word
    ("vrrp child died: respawning", [["!-C", "!-R"]]),   # the respawn callback the parent stored
    ("checker child started", [["!-P"]]),
    ("checker tick", [["!-P"]]),
])
def test_bits_on_by_default(catalog, text, wanted):
    assert [sorted(a) for a in only_message(catalog, text).requires] == wanted
