"""The catalog command end to end, run as a user runs it: exit codes, stderr, files."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent.parent / "fixtures"
DEMO_RULES = str(FIXTURES / "demo.toml")


def srcscan(*args, cwd=None, env=None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "srcscan", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=full_env, timeout=300)


@pytest.fixture
def demo(tmp_path):
    tree = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", tree)
    return tree


def test_catalog_of_a_path_writes_json_and_markdown(demo, tmp_path):
    cache = tmp_path / "cache"
    out = tmp_path / "demo.json"
    first = srcscan("catalog", "--path", demo, "--rules", DEMO_RULES, "--cache-dir", cache, "-o", out, "-v")
    assert first.returncode == 0, first.stderr
    data = json.loads(out.read_text())
    assert data["schema"] == "srcscan.catalog/1" and data["provenance"]["provider"] == "path"
    assert "Starting %s (pid %d)" in {m["format"] for m in data["messages"]}
    assert "3 files (3 parsed, 0 from cache), 7 messages" in first.stderr

    md = tmp_path / "demo.md"
    second = srcscan("catalog", "--path", demo, "--rules", DEMO_RULES, "--cache-dir", cache, "-o", md, "-v")
    assert second.returncode == 0, second.stderr
    assert "(0 parsed, 3 from cache)" in second.stderr
    assert md.read_text().startswith("# ")


def test_default_output_goes_to_reports(demo, tmp_path):
    run = srcscan("catalog", "--path", demo, "--rules", DEMO_RULES, "--cache-dir", tmp_path / "c", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "reports" / "demo-tree.md").is_file()


@pytest.mark.parametrize("args, says", [
    (["catalog", "nosuchdaemon", "1.0"], "unknown project"),
    (["catalog", "--path", "/no/such/dir", "--rules", DEMO_RULES], "no such directory"),
    (["catalog", "--path", "{empty}", "--rules", DEMO_RULES], "no C files"),
    (["catalog", "--path", "{demo}", "--rules", "{bad_rules}"], "log_functions[0].format_arg"),
    (["catalog", "--path", "{demo}", "--rules", "/no/such/rules.toml"], "no such rules file"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(demo, tmp_path, args, says):
    (tmp_path / "empty").mkdir()
    bad = tmp_path / "bad.toml"
    bad.write_text('[project]\nname = "demo"\n[[log_functions]]\nname = "log_message"\nformat_arg = "one"\n')
    args = [a.format(empty=tmp_path / "empty", demo=demo, bad_rules=bad) for a in args]
    out = tmp_path / "out.json"
    run = srcscan(*args, "--cache-dir", tmp_path / "c", "-o", out)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("srcscan: error:") and says in lines[0], run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists()


def test_output_is_written_atomically(demo, tmp_path):
    out = tmp_path / "out.md"
    out.write_text("previous report\n")
    run = srcscan("catalog", "--path", demo, "--rules", "/no/such/rules.toml", "-o", out)
    assert run.returncode == 2
    assert out.read_text() == "previous report\n"  # a failed run leaves the old file as it was
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.md")] == []
