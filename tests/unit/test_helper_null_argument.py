"""A helper's text selected by a call whose constant arguments rule out the log call's own test
of a parameter is no text of it (lighttpd's fdevent_load_file() logs `%s() %s` only `if (errh)`;
config_parse_file_stream() passes errh NULL, so `fdevent_load_file() conf/lighttpd.conf` is never
written: audit s18a lreq2 E7)."""

from pathlib import Path

from srcscan.formats.template import render_normal
from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_a_call_passing_null_for_the_tested_parameter_selects_no_text(tmp_path):
    root = FIXTURES / "helpernull"
    catalog = build_from_tree(load_rules(str(FIXTURES / "helpernull.toml")),
                              SourceTree(root, Provenance("path", str(root), None)), tmp_path / "cache").catalog
    texts = sorted(render_normal(m.template) for m in catalog.messages)
    assert "cannot load conf/quiet.conf" not in texts
    assert "cannot load conf/loud.conf" in texts
    assert "cannot load conf/both.conf" in texts  # another call selects it too
