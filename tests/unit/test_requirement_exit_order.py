"""Review of session 18, finding 2: an option whose case exits (keepalived's -T) drops the
alternatives giving it with a config key only where the call graph shows the configuration read
after the command line (keepalived_main() calls parse_cmdline() before read_config_file()); read
before it, `-v && detail` is a setting that logs; where no order shows (the reader called
through a pointer), the alternative stays and the answer says it is not known
(tests/fixtures/reqk-exitorder, a keepalived-shaped tree written for this test, with reqk-blocks'
keyword parser; analyze.exitingoptions.config_read_after)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

ROOT = Path(__file__).parent.parent / "fixtures" / "reqk-exitorder"


def _catalog(order: str, tmp_path: Path):
    tree = with_keyword_parser("reqk-exitorder", tmp_path)
    shutil.copy(ROOT / f"main-{order}.c", tree / "main.c")
    return tree_catalog(tree, ROOT / "rules.toml", tmp_path / "cache")


@pytest.mark.parametrize("order, wanted, unknown", [
    ("after", [["-s", "detail"]], False),                    # -v exits before `detail` is read
    ("before", [["-s", "detail"], ["-v", "detail"]], False),  # read first: -v shows it, then exits
    ("pointer", [["-s", "detail"], ["-v", "detail"]], True),  # no order shows: kept, and said so
])
def test_exiting_option_with_a_config_key(tmp_path, order, wanted, unknown):
    message = only_message(_catalog(order, tmp_path), "detailed state")
    assert sorted(sorted(a) for a in message.requires) == wanted
    assert any("cannot tell whether the configuration is read before it" in u for u in message.uncertain) == unknown
