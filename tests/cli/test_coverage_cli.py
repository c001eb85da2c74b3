"""`srcscan coverage`, -p DIR and the coverage numbers of every catalog run, as a user runs them."""

import json
import shutil
from pathlib import Path

import pytest

from test_catalog_cli import srcscan

FIXTURE = Path(__file__).parent.parent / "fixtures" / "preproc"


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "preproc"
    shutil.copytree(FIXTURE, root)
    return root


def args(tree: Path, cache: Path) -> list:
    return ["--path", tree, "--rules", tree / "preproc.toml", "--cache-dir", cache]


def test_coverage_report_as_json(tree, tmp_path):
    out = tmp_path / "cov.json"
    run = srcscan("coverage", *args(tree, tmp_path / "c"), "--format", "json", "-o", out, "-v")
    assert run.returncode == 0, run.stderr
    cov = json.loads(out.read_text())["coverage"]
    # one site needs _INCLUDE_UNUSED_CODE_, which the rules say no build defines: never
    assert (cov["sites"], cov["parsed"], cov["unreachable"]) == (18, 14, 4)
    assert cov["by_status"] == {"contradiction": 1, "never": 3}
    assert "coverage: 14 of 18 call sites (77.8 %, 100.0 % of the 14 a build can reach; 4 unreachable, 0 missing)" \
        in run.stderr


def test_catalog_prints_coverage_and_has_a_build_column(tree, tmp_path):
    md = tmp_path / "cat.md"
    run = srcscan("catalog", *args(tree, tmp_path / "c"), "-o", md, "-v")
    assert run.returncode == 0, run.stderr
    assert "coverage: 14 of 18 call sites" in run.stderr and "through 3 extra profiles" in run.stderr
    text = md.read_text()
    assert "## Build coverage" in text and "### Not covered" in text
    assert "| build " in text and "`defined(_WITH_LVS_) && LVS_API >= 3`" in text


def test_query_by_build_macro_lists_what_the_macro_brings(tree, tmp_path):
    out = tmp_path / "q.json"
    run = srcscan("query", *args(tree, tmp_path / "c"), "--build", "_WITH_TRACE_", "--format", "json", "-o", out)
    assert run.returncode == 0, run.stderr
    assert [m["format"] for m in json.loads(out.read_text())["messages"]] == ["trace %s"]


def test_missing_compile_commands_is_one_line_exit_2(tree, tmp_path):
    run = srcscan("coverage", *args(tree, tmp_path / "c"), "-p", tmp_path / "nobuild")
    assert run.returncode == 2
    assert run.stderr.strip() == f"srcscan: error: no compile_commands.json in {tmp_path / 'nobuild'}"


def test_unreadable_compile_commands_is_exit_2(tree, tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    (build / "compile_commands.json").write_text("[{")
    run = srcscan("catalog", *args(tree, tmp_path / "c"), "-p", build, "-o", tmp_path / "x.json")
    assert run.returncode == 2 and "is not JSON" in run.stderr and "Traceback" not in run.stderr


def test_compile_commands_outside_the_tree_warn_and_are_skipped(tree, tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    entries = [{"directory": str(tree), "file": "src/plain.c", "arguments": ["cc", "-Iinclude", "-c", "src/plain.c"]},
               {"directory": "/", "file": "/elsewhere/x.c", "arguments": ["cc", "-c", "x.c"]}]
    (build / "compile_commands.json").write_text(json.dumps(entries))
    out = tmp_path / "cov.json"
    run = srcscan("coverage", *args(tree, tmp_path / "c"), "-p", build, "--format", "json", "-o", out, "-v")
    assert run.returncode == 0, run.stderr
    assert f"srcscan: warning: {build / 'compile_commands.json'} lists /elsewhere/x.c, outside the tree: skipped" \
        in run.stderr
    cov = json.loads(out.read_text())["coverage"]
    assert cov["mode"] == "compile_commands" and cov["compile_commands"]["outside_tree"] == ["/elsewhere/x.c"]
    assert "describing the one build of" in run.stderr


def test_rules_profile_with_a_bad_define_value_is_exit_2(tree, tmp_path):
    rules = (tree / "preproc.toml").read_text().replace('_WITH_VRRP_ = "1"', '_WITH_VRRP_ = "\\"open"')
    (tree / "preproc.toml").write_text(rules)
    run = srcscan("coverage", *args(tree, tmp_path / "c"))
    assert run.returncode == 2
    assert run.stderr.startswith(f"srcscan: error: {tree / 'preproc.toml'}: profiles[0].defines._WITH_VRRP_: "
                                 "the value of _WITH_VRRP_ is not a C token sequence")
    assert len(run.stderr.strip().splitlines()) == 1


def test_with_a_build_macro_keeps_only_messages_that_build_can_have(tmp_path):
    import json as _json
    from pathlib import Path as _Path

    fixtures = _Path(__file__).parent.parent / "fixtures"
    out = tmp_path / "c.json"
    run = srcscan("catalog", "--path", fixtures / "preproc", "--rules", fixtures / "preproc" / "preproc.toml",
                  "--cache-dir", tmp_path / "c", "--with", "_WITH_VRRP_", "-o", out)
    assert run.returncode == 0, run.stderr
    formats = {m["format"] for m in _json.loads(out.read_text())["messages"]}
    assert "vrrp on" in formats and "vrrp off" not in formats and "lvs alone" not in formats
