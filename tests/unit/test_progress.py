"""Progress: every phase of a run drawn on a terminal, nothing anywhere else."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from srcscan.pipeline import build_from_tree
from srcscan.progress import phase, running
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_a_run_shows_parse_coverage_and_analyses_on_a_terminal(tmp_path):
    tree = shutil.copytree(FIXTURES / "demo", tmp_path / "demo")
    screen = io.StringIO()
    with running("demo", enabled=True, file=screen):
        build_from_tree(load_rules(str(FIXTURES / "demo.toml")), SourceTree(tree, Provenance("path", str(tree), None)),
                        tmp_path / "cache")
    drawn = screen.getvalue()
    assert "demo" in drawn and "parse (files)" in drawn and "3/3" in drawn
    assert "analyses" in drawn


def test_phases_are_silent_without_a_terminal(capsys):
    with running("quiet"):  # pytest's captured stderr is no terminal
        with phase("work", total=2) as step:
            step.advance(2)
    assert capsys.readouterr().err == ""


def test_phases_outside_a_run_do_nothing():
    with phase("alone", total=3) as step:
        step.advance()
        step.describe("still nothing")
