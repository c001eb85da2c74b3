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


# ---------------------------------------------------------------- commands on a (pretend) terminal
from click.testing import CliRunner  # noqa: E402

from srcscan.cli import cli  # noqa: E402
from test_history import RULES, repo  # noqa: E402,F401  (the four-release fixture repository)


def _on_a_terminal(monkeypatch):
    """stderr counts as a terminal; rich draws into what CliRunner captures."""
    import srcscan.progress

    monkeypatch.setattr(srcscan.progress, "is_shown", lambda stream=None: True)
    monkeypatch.setenv("COLUMNS", "220")  # wide enough for the counts after the longest label


def test_catalog_shows_every_phase_through_writing(repo, tmp_path, monkeypatch):
    _on_a_terminal(monkeypatch)
    out = tmp_path / "c.md"
    result = CliRunner().invoke(cli, ["catalog", "--rules", RULES, "histdemo", "1.0", "--source", str(repo),
                                      "--cache-dir", str(tmp_path / "cache"), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for drawn in ("histdemo 1.0", "source", "parse (files)", "analyses", f"write {out}"):
        assert drawn in result.stderr, drawn
    assert out.read_text().startswith("#")


def test_diff_shows_both_releases_the_pairing_and_the_writing(repo, tmp_path, monkeypatch):
    _on_a_terminal(monkeypatch)
    out = tmp_path / "d.json"
    result = CliRunner().invoke(cli, ["diff", "--rules", RULES, "histdemo", "1.0", "1.1", "--source", str(repo),
                                      "--cache-dir", str(tmp_path / "cache"), "-o", str(out)], catch_exceptions=False)
    assert "1 changed, 1 moved" in result.stderr, result.output  # (the message moved to another file: moved)
    for drawn in ("histdemo 1.0 -> 1.1", "releases", "2/2", "pair messages", f"write {out}"):
        assert drawn in result.stderr, drawn
    assert result.stderr.count("histdemo 1.0 -> 1.1") == 1  # one display for the whole run


def test_history_shows_releases_and_leaves_their_phases_off_the_screen(repo, tmp_path, monkeypatch):
    _on_a_terminal(monkeypatch)
    result = CliRunner().invoke(cli, ["history", "--rules", RULES, "histdemo", "--source", str(repo),
                                      "--cache-dir", str(tmp_path / "cache"), "--format", "json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "history: 4 releases to add" in result.stderr and "4/4" in result.stderr
    # each release's own phases were removed when they ended: the final screen keeps the releases line
    assert "pair with the previous release" not in result.stderr and "parse (files)" not in result.stderr


def test_transient_phases_are_drawn_while_they_run_and_removed_after(tmp_path):
    import srcscan.progress as progress

    screen = io.StringIO()
    with running("t", enabled=True, file=screen):
        display = progress._current.get()
        with phase("outer", total=1) as outer:
            with progress.transient(), phase("inner", total=2) as inner:
                inner.advance(2)
                assert [t.description for t in display.tasks] == ["outer", "inner"]
            outer.advance()
        assert [t.description for t in display.tasks] == ["outer"]


def test_a_pipe_gets_no_progress(repo, tmp_path):
    result = CliRunner().invoke(cli, ["diff", "--rules", RULES, "histdemo", "1.0", "1.1", "--source", str(repo),
                                      "--cache-dir", str(tmp_path / "cache"), "--format", "json"], catch_exceptions=False)
    assert "pair messages" not in result.stderr and "releases" not in result.stderr
